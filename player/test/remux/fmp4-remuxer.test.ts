/// <reference types="node" />
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import inspector, { type InspectedBox } from 'mux.js/lib/tools/mp4-inspector.js';
import { MediaFlags, encodeMediaFrame, decodeMediaFrame, splitAvcc, toLengthPrefixed } from '@framewire/shared';
import { Fmp4Remuxer, type RemuxResult } from '../../src/remux/fmp4-remuxer.js';
import { fixtureFrames } from '../helpers/fixture-frames.js';
import { findBox } from '../helpers/mp4-boxes.js';

const CLIP = 'testsrc-320x240-30-baseline-noaud.h264';


function remuxAll(frames = fixtureFrames(CLIP)): RemuxResult[] {
  const remuxer = new Fmp4Remuxer();
  return frames.map((f) => {
    const r = remuxer.push(f);
    if (typeof r === 'string') throw new Error(`frame ${f.sequence} skipped: ${r}`);
    return r;
  });
}

describe('Fmp4Remuxer on the 320x240 baseline fixture', () => {
  const frames = fixtureFrames(CLIP);
  const results = remuxAll(frames);

  it('has 60 access units, the first carrying SPS/PPS', () => {
    expect(frames).toHaveLength(60);
    expect(frames[0]!.flags & MediaFlags.CONFIG).toBeTruthy();
  });

  it('emits one init segment whose avcC carries the SPS/PPS and 320x240', () => {
    const inits = results.filter((r) => r.init);
    expect(inits).toHaveLength(1); // the SPS/PPS repeat at frame 30 with the same bytes
    const init = results[0]!.init!;
    expect(init.codec).toMatch(/^avc1\.42c0[0-9a-f]{2}$/);
    expect([init.width, init.height]).toEqual([320, 240]);
    const boxes = inspector.inspect(new Uint8Array(init.data));
    expect(boxes.map((b) => b.type)).toEqual(['ftyp', 'moov']);
    const tkhd = findBox(boxes, ['moov', 'trak', 'tkhd'])!;
    expect([tkhd.width, tkhd.height]).toEqual([320, 240]);
    const mdhd = findBox(boxes, ['moov', 'trak', 'mdia', 'mdhd'])!;
    expect(mdhd.timescale).toBe(90000);
    const stsd = findBox(boxes, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'])!;
    const avc1 = (stsd.sampleDescriptions as InspectedBox[])[0]!;
    expect(avc1.type).toBe('avc1');
    const avcC = (avc1.config as InspectedBox[]).find((b) => b.type === 'avcC')!;
    const sps = (avcC.sps as Uint8Array[])[0]!;
    const pps = (avcC.pps as Uint8Array[])[0]!;
    const firstNals = [...framesNals(frames[0]!.payload)];
    expect(Array.from(sps)).toEqual(Array.from(firstNals.find((n) => (n[0]! & 0x1f) === 7)!));
    expect(Array.from(pps)).toEqual(Array.from(firstNals.find((n) => (n[0]! & 0x1f) === 8)!));
  });

  it('writes one sample per fragment with exact duration, tfdt = dts - firstDts, key flags and mdat size', () => {
    results.forEach((r, i) => {
      const boxes = inspector.inspect(new Uint8Array(r.fragment));
      expect(boxes.map((b) => b.type)).toEqual(['moof', 'mdat']);
      const tfdt = findBox(boxes, ['moof', 'traf', 'tfdt'])!;
      expect(tfdt.baseMediaDecodeTime).toBe(frames[i]!.dts - frames[0]!.dts);
      const trun = findBox(boxes, ['moof', 'traf', 'trun'])!;
      const samples = trun.samples as { duration: number; size: number; compositionTimeOffset: number; flags: { isNonSyncSample: number; dependsOn: number } }[];
      expect(samples).toHaveLength(1);
      const s = samples[0]!;
      expect(s.duration).toBe(3000);
      expect(s.compositionTimeOffset).toBe(0);
      const key = (frames[i]!.flags & MediaFlags.KEY) !== 0;
      expect(key).toBe(i % 30 === 0);
      expect(r.key).toBe(key);
      expect(s.flags.isNonSyncSample).toBe(key ? 0 : 1);
      expect(s.flags.dependsOn).toBe(key ? 2 : 1);
      // mdat = payload minus SPS/PPS/AUD, still AVCC
      const nals = [...framesNals(frames[i]!.payload)].filter((n) => ![7, 8, 9].includes(n[0]! & 0x1f));
      const expected = nals.reduce((sum, n) => sum + 4 + n.byteLength, 0);
      const mdat = boxes[1]!;
      expect(mdat.size).toBe(8 + expected);
      expect(s.size).toBe(expected);
      expect(r.mediaTime).toBeCloseTo((frames[i]!.pts - frames[0]!.dts) / 90000, 9);
      expect(r.captureTimeMs).toBe(frames[i]!.captureTimeMs);
    });
  });

  it('produces a file ffprobe decodes: 60 frames, no errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-remux-'));
    try {
      const parts = [new Uint8Array(results[0]!.init!.data), ...results.map((r) => new Uint8Array(r.fragment))];
      const file = join(dir, 'session.mp4');
      writeFileSync(file, Buffer.concat(parts));
      const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0',
        '-show_entries', 'stream=nb_read_frames,width,height', '-of', 'json', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const stream = JSON.parse(out).streams[0];
      expect(Number(stream.nb_read_frames)).toBe(60);
      expect([stream.width, stream.height]).toEqual([320, 240]);
      const errors = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(errors).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function* framesNals(payload: Uint8Array): Generator<Uint8Array> {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  for (let o = 0; o < payload.byteLength;) {
    const n = view.getUint32(o);
    yield payload.subarray(o + 4, o + 4 + n);
    o += 4 + n;
  }
}

describe('Fmp4Remuxer timing edge cases', () => {
  it('never writes a zero duration: falls back to the previous delta', () => {
    const frames = fixtureFrames(CLIP, { duration: 3003 }).slice(0, 5).map((f, i) =>
      i === 3 ? { ...f, duration: 0 } : f);
    const r = remuxAll(frames);
    expect(r.map((x) => x.duration)).toEqual([3003, 3003, 3003, 3003, 3003]);
  });

  it('waits for a key frame, and re-emits init only when SPS/PPS change', () => {
    const frames = fixtureFrames(CLIP);
    const remuxer = new Fmp4Remuxer();
    expect(remuxer.push(frames[1]!)).toBe('waiting-for-keyframe');
    const first = remuxer.push(frames[0]!);
    expect(typeof first === 'object' && first.init).toBeTruthy();
    const again = remuxer.push(frames[30]!);
    expect(typeof again === 'object' && again.init).toBeFalsy();
  });

  it('builds the init segment on the first key frame even when a skipped delta frame carried the same SPS/PPS', () => {
    // Encoders that repeat parameter sets on every frame: the delta frame skipped while waiting
    // for a key frame must not consume the init segment.
    const frames = fixtureFrames(CLIP);
    const params = splitAvcc(frames[0]!.payload).filter((n) => [7, 8].includes(n[0]! & 0x1f));
    expect(params).toHaveLength(2);
    const delta = { ...frames[1]!, payload: toLengthPrefixed([...params, ...splitAvcc(frames[1]!.payload)]) };
    const remuxer = new Fmp4Remuxer();
    expect(remuxer.push(delta)).toBe('waiting-for-keyframe');
    const first = remuxer.push(frames[30]!);
    expect(typeof first === 'object' && first.init?.codec).toBe('avc1.42c00d');
  });

  it('keeps the timeline continuous across a discontinuity (source restart, reconnect)', () => {
    const a = fixtureFrames(CLIP, { startDts: 1_000_000 }).slice(0, 30);
    const b = fixtureFrames(CLIP, { startDts: 0 }).slice(0, 30); // restarted at 0: goes backwards
    const remuxer = new Fmp4Remuxer();
    const out = [...a, ...b].map((f) => remuxer.push(f) as RemuxResult);
    expect(out[30]!.decodeTime).toBe(30 * 3000);
    expect(out[59]!.decodeTime).toBe(59 * 3000);
    // after discontinuity() a forward jump is also folded back
    remuxer.discontinuity();
    const c = fixtureFrames(CLIP, { startDts: 9_999_999 });
    expect(remuxer.push(c[1]!)).toBe('waiting-for-keyframe');
    const r = remuxer.push(c[0]!) as RemuxResult;
    expect(r.decodeTime).toBe(60 * 3000);
  });

  it('closes a forward dts gap larger than one frame (MSE would drop up to the next key frame), keeps a one-frame gap', () => {
    const frames = fixtureFrames(CLIP).slice(0, 10);
    // frame 3 arrives one frame late (a missing frame: MSE tolerates it); frame 6 arrives 400 ms late (a stalled read).
    const shifted = frames.map((f, i) => {
      const extra = (i >= 3 ? 3000 : 0) + (i >= 6 ? 36_000 : 0);
      return { ...f, dts: f.dts + extra, pts: f.pts + extra };
    });
    const r = remuxAll(shifted);
    expect(r.map((x) => x.decodeTime / 3000)).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('writes pts - dts as the composition offset', () => {
    const f = fixtureFrames(CLIP)[0]!;
    const shifted = decodeMediaFrame(encodeMediaFrame(
      { nalus: [...framesNals(f.payload)], key: true, dts: 1000, pts: 7000, duration: 3000, captureTimeMs: 0 }, { sequence: 0 }));
    const r = new Fmp4Remuxer().push(shifted) as RemuxResult;
    const trun = findBox(inspector.inspect(new Uint8Array(r.fragment)), ['moof', 'traf', 'trun'])!;
    expect((trun.samples as { compositionTimeOffset: number }[])[0]!.compositionTimeOffset).toBe(6000);
    expect(r.mediaTime).toBeCloseTo(6000 / 90000, 9);
  });
});

describe('Fmp4Remuxer across a parameter-set change (encoder restarted with a new size/profile)', () => {
  const SMALL = 'testsrc-320x240-30-baseline-noaud.h264';
  const BIG = 'demo-1280x720-30.h264';
  const a = fixtureFrames(SMALL, { startDts: 500_000 });
  // The server's stdin ingest keeps dts increasing across the change: the second clip continues.
  const b = fixtureFrames(BIG, { startDts: 500_000 + a.length * 3000 }).map((f) => ({ ...f, sequence: f.sequence + a.length }));
  const remuxer = new Fmp4Remuxer();
  const out = [...a, ...b].map((f) => {
    const r = remuxer.push(f);
    if (typeof r === 'string') throw new Error(`frame ${f.sequence} skipped: ${r}`);
    return r;
  });

  it('emits a second init segment at the first frame of the new clip, with the new codec string and size', () => {
    const inits = out.flatMap((r, i) => (r.init ? [{ i, ...r.init }] : []));
    expect(inits.map(({ i, codec, width, height }) => ({ i, codec, width, height }))).toEqual([
      { i: 0, codec: 'avc1.42c00d', width: 320, height: 240 },
      { i: a.length, codec: expect.stringMatching(/^avc1\.4d/) as unknown as string, width: 1280, height: 720 },
    ]);
    expect(inits[1]!.codec).not.toBe(inits[0]!.codec);
    expect(out[a.length]!.key).toBe(true);
    // The new moov carries the new size in tkhd (16.16 fixed point) and the new SPS in avcC.
    const boxes = inspector.inspect(new Uint8Array(inits[1]!.data));
    const tkhd = findBox(boxes, ['moov', 'trak', 'tkhd'])!;
    expect([tkhd.width, tkhd.height]).toEqual([1280, 720]);
    const stsd = findBox(boxes, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'])!;
    const avc1 = (stsd.sampleDescriptions as InspectedBox[])[0]!;
    expect([avc1.width, avc1.height]).toEqual([1280, 720]);
    const avcC = (avc1.config as InspectedBox[]).find((box) => box.type === 'avcC')!;
    const sps = (avcC.sps as Uint8Array[])[0]!;
    expect(sps[1]).toBe(77); // profile_idc Main
    const newSps = [...framesNals(b[0]!.payload)].find((n) => (n[0]! & 0x1f) === 7)!;
    expect(Array.from(sps)).toEqual(Array.from(newSps));
  });

  it('keeps decode times continuous across the change: no gap, no overlap', () => {
    for (let i = 1; i < out.length; i++) {
      expect(out[i]!.decodeTime, `frame ${i}`).toBe(out[i - 1]!.decodeTime + out[i - 1]!.duration);
    }
    expect(out[0]!.decodeTime).toBe(0);
    expect(out[a.length]!.decodeTime).toBe(a.length * 3000);
  });
});
