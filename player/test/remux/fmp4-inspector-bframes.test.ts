/// <reference types="node" />
/**
 * Issue 3, "An independent reader checks the output", unit half: a whole session of real x264
 * access units with B-frames (bframe-clip.ts: pts ≠ dts, decode order ≠ display order) is remuxed
 * and every segment is parsed by mux.js's mp4-inspector, a box reader that shares none of our
 * remux code. fmp4-remuxer.test.ts covers the no-B-frame fixture box by box; this file checks what
 * only a reordered stream shows (composition offsets, display order) and the cross-fragment fields
 * (mfhd sequence, tfdt continuity, data_offset into the mdat).
 */
import { describe, expect, it } from 'vitest';
import inspector, { type InspectedBox } from 'mux.js/lib/tools/mp4-inspector.js';
import { MediaFlags, splitAvcc } from '@framewire/shared';
import { Fmp4Remuxer, type RemuxResult } from '../../src/remux/fmp4-remuxer.js';
import { bframeClipFrames } from '../helpers/bframe-clip.js';
import { findBox } from '../helpers/mp4-boxes.js';

interface TrunSample {
  duration: number;
  size: number;
  compositionTimeOffset: number;
  flags: { isNonSyncSample: number; dependsOn: number };
}

describe('mp4-inspector reads a remuxed x264 session with B-frames (-bf 2)', () => {
  const frames = bframeClipFrames({ frames: 60, bframes: 2 });
  const remuxer = new Fmp4Remuxer();
  const results: RemuxResult[] = frames.map((f) => {
    const r = remuxer.push(f);
    if (typeof r === 'string') throw new Error(`frame ${f.sequence} skipped: ${r}`);
    return r;
  });
  const parsed = results.map((r) => {
    const bytes = new Uint8Array(r.fragment);
    const boxes = inspector.inspect(bytes);
    const trun = findBox(boxes, ['moof', 'traf', 'trun'])!;
    return {
      bytes,
      boxes,
      sequence: findBox(boxes, ['moof', 'mfhd'])!.sequenceNumber as number,
      tfdt: findBox(boxes, ['moof', 'traf', 'tfdt'])!.baseMediaDecodeTime as number,
      trun,
      samples: trun.samples as TrunSample[],
    };
  });

  it('the input really has B-frames: decode order differs from display order', () => {
    expect(frames).toHaveLength(60);
    const reordered = frames.filter((f, i) => i > 0 && f.pts < frames[i - 1]!.pts);
    expect(reordered.length).toBeGreaterThan(5);
    expect(frames.some((f) => f.pts - f.dts > 3000)).toBe(true);
  });

  it('init: ftyp + moov with one avc1 track, avcC High profile and the SPS/PPS of the stream', () => {
    const inits = results.filter((r) => r.init);
    expect(inits).toHaveLength(1);
    const boxes = inspector.inspect(new Uint8Array(inits[0]!.init!.data));
    expect(boxes.map((b) => b.type)).toEqual(['ftyp', 'moov']);
    expect(findBox(boxes, ['moov', 'mvex', 'trex'])).toBeDefined();
    const stsd = findBox(boxes, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'])!;
    const descriptions = stsd.sampleDescriptions as InspectedBox[];
    expect(descriptions.map((d) => d.type)).toEqual(['avc1']);
    expect([descriptions[0]!.width, descriptions[0]!.height]).toEqual([320, 240]);
    const avcC = (descriptions[0]!.config as InspectedBox[]).find((b) => b.type === 'avcC')!;
    expect(avcC.avcProfileIndication).toBe(100);
    expect(avcC.lengthSizeMinusOne).toBe(3); // 4-byte NAL lengths in the mdat
    const nals = splitAvcc(frames[0]!.payload);
    expect(Array.from((avcC.sps as Uint8Array[])[0]!)).toEqual(Array.from(nals.find((n) => (n[0]! & 0x1f) === 7)!));
    expect(Array.from((avcC.pps as Uint8Array[])[0]!)).toEqual(Array.from(nals.find((n) => (n[0]! & 0x1f) === 8)!));
  });

  it('every fragment is moof + mdat, mfhd sequence numbers increase by 1', () => {
    for (const p of parsed) expect(p.boxes.map((b) => b.type)).toEqual(['moof', 'mdat']);
    const seq = parsed.map((p) => p.sequence);
    seq.forEach((s, i) => i > 0 && expect(s, `fragment ${i}`).toBe(seq[i - 1]! + 1));
  });

  it('tfdt = dts − first dts, continuous (tfdt + duration = next tfdt), one sample per trun', () => {
    parsed.forEach((p, i) => {
      expect(p.tfdt, `fragment ${i}`).toBe(frames[i]!.dts - frames[0]!.dts);
      expect(p.tfdt).toBe(results[i]!.decodeTime);
      expect(p.samples).toHaveLength(1);
      if (i > 0) expect(p.tfdt).toBe(parsed[i - 1]!.tfdt + parsed[i - 1]!.samples[0]!.duration);
    });
  });

  it('composition offset = pts − dts, and tfdt + offset puts the samples in display order', () => {
    parsed.forEach((p, i) => expect(p.samples[0]!.compositionTimeOffset, `fragment ${i}`).toBe(frames[i]!.pts - frames[i]!.dts));
    const presentation = parsed.map((p) => p.tfdt + p.samples[0]!.compositionTimeOffset);
    const expected = frames.map((f) => f.pts - frames[0]!.dts);
    expect(presentation).toEqual(expected);
    // Sorted, the presentation times form one gap-free 30 fps run: every picture shown once.
    const sorted = [...presentation].sort((a, b) => a - b);
    sorted.forEach((t, i) => i > 0 && expect(t - sorted[i - 1]!).toBe(3000));
  });

  it('sample flags: sync only on key frames (IDR)', () => {
    parsed.forEach((p, i) => {
      const key = (frames[i]!.flags & MediaFlags.KEY) !== 0;
      const isIdr = splitAvcc(frames[i]!.payload).some((n) => (n[0]! & 0x1f) === 5);
      expect(key, `fragment ${i}`).toBe(isIdr);
      expect(p.samples[0]!.flags.isNonSyncSample, `fragment ${i}`).toBe(key ? 0 : 1);
      expect(p.samples[0]!.flags.dependsOn).toBe(key ? 2 : 1);
    });
    expect(parsed.filter((_, i) => (frames[i]!.flags & MediaFlags.KEY) !== 0)).toHaveLength(2);
  });

  it('trun data_offset points at the first byte of the mdat payload, and size covers it exactly', () => {
    parsed.forEach((p, i) => {
      const moof = p.boxes[0]!;
      const mdat = p.boxes[1]!;
      // No base offset in tfhd and default-base-is-moof: data_offset counts from the moof start.
      expect(p.trun.dataOffset, `fragment ${i}`).toBe(moof.size + 8);
      expect(p.samples[0]!.size).toBe(mdat.size - 8);
      expect(moof.size + mdat.size).toBe(p.bytes.byteLength);
      // What is there is the access unit's picture NAL units, AVCC, without SPS/PPS/AUD.
      const sample = p.bytes.subarray(p.trun.dataOffset as number, (p.trun.dataOffset as number) + p.samples[0]!.size);
      const written = splitAvcc(sample);
      const sent = splitAvcc(frames[i]!.payload).filter((n) => ![7, 8, 9].includes(n[0]! & 0x1f));
      expect(written.map((n) => Array.from(n.subarray(0, 8)))).toEqual(sent.map((n) => Array.from(n.subarray(0, 8))));
      expect(written.map((n) => n.byteLength)).toEqual(sent.map((n) => n.byteLength));
    });
  });
});
