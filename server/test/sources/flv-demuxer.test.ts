import { execFileSync } from 'node:child_process';
import { NalType, nalType } from '@framewire/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { FlvDemuxer, type FlvVideoFrame } from '../../src/sources/flv-demuxer.js';

/** A tiny real FLV from ffmpeg: 64x64, 6 frames, IDR every 3, with B-frames to get composition offsets. */
function makeFlv(): Uint8Array {
  return execFileSync(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=30',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000', '-map', '0:v', '-map', '1:a', '-frames:v', '6',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '1', '-g', '3', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-t', '0.2',
      '-flvflags', 'no_duration_filesize', '-f', 'flv', 'pipe:1'],
    { maxBuffer: 1 << 24 },
  );
}

const demux = (chunks: Uint8Array[]): FlvVideoFrame[] => {
  const d = new FlvDemuxer({ maxTagBytes: 1 << 20 });
  return chunks.flatMap((c) => d.push(c));
};

/** FLV header + PreviousTagSize0 + one video tag built by hand. */
function handTag(body: number[], timestampMs: number): Uint8Array {
  const header = [0x46, 0x4c, 0x56, 1, 1, 0, 0, 0, 9, 0, 0, 0, 0];
  const size = body.length;
  const tag = [9, (size >> 16) & 0xff, (size >> 8) & 0xff, size & 0xff,
    (timestampMs >> 16) & 0xff, (timestampMs >> 8) & 0xff, timestampMs & 0xff, (timestampMs >>> 24) & 0xff, 0, 0, 0];
  const prev = size + 11;
  return new Uint8Array([...header, ...tag, ...body, (prev >>> 24) & 0xff, (prev >> 16) & 0xff, (prev >> 8) & 0xff, prev & 0xff]);
}

describe('FlvDemuxer', () => {
  let flv: Uint8Array;
  let whole: FlvVideoFrame[];

  beforeAll(() => {
    flv = makeFlv();
    whole = demux([flv]);
  });

  it('turns each FLV video tag into one access unit, SPS/PPS on key frames, audio ignored', () => {
    expect(whole).toHaveLength(6);
    expect(whole.map((f) => f.key)).toEqual([true, false, false, true, false, false]);
    for (const frame of whole.filter((f) => f.key)) {
      const types = frame.nalus.map(nalType);
      expect(types).toContain(NalType.SPS);
      expect(types).toContain(NalType.PPS);
      expect(types).toContain(NalType.IDR);
    }
    // dts in ms (33/34 rounding), composition offsets from the B-frames.
    expect(whole.some((f) => f.ctsMs > 0)).toBe(true);
    for (let i = 1; i < whole.length; i++) expect(whole[i]!.dtsMs).toBeGreaterThan(whole[i - 1]!.dtsMs);
  });

  it('gives the same frames for a split at every byte position', () => {
    const expected = JSON.stringify(whole.map(summary));
    for (let at = 1; at < flv.length; at++) {
      const got = demux([flv.subarray(0, at), flv.subarray(at)]);
      if (JSON.stringify(got.map(summary)) !== expected) throw new Error(`split at ${at} differs`);
    }
  });

  it('gives the same frames when fed one byte at a time', () => {
    const chunks = Array.from(flv, (_, i) => flv.subarray(i, i + 1));
    expect(demux(chunks).map(summary)).toEqual(whole.map(summary));
  });

  it('reads the extended timestamp byte and a negative composition time', () => {
    // AVCPacketType 1, cts = -2 (0xfffffe as SI24), one 4-byte-length NAL (non-IDR slice).
    const body = [0x27, 1, 0xff, 0xff, 0xfe, 0, 0, 0, 3, 0x41, 0x9a, 0x00];
    const frames = demux([handTag(body, 0x01000010)]);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.dtsMs).toBe(0x01000010);
    expect(frames[0]!.ctsMs).toBe(-2);
    expect(frames[0]!.key).toBe(false);
  });

  it('drops a bad AVC payload with a warning and keeps going', () => {
    const warnings: string[] = [];
    const d = new FlvDemuxer({ maxTagBytes: 1 << 20, onWarning: (kind) => warnings.push(kind) });
    // NAL length 200 overruns the tag.
    const bad = handTag([0x27, 1, 0, 0, 0, 0, 0, 0, 200, 0x41], 0);
    expect(d.push(bad)).toEqual([]);
    expect(warnings[0]).toMatch(/^h264:/);
  });

  it('fails with SRV_ERR_FLV_INVALID on a bad signature or an oversized tag, then ignores input', () => {
    const d = new FlvDemuxer({ maxTagBytes: 1 << 20 });
    expect(() => d.push(new Uint8Array([0x47, 0x49, 0x46, 1, 1, 0, 0, 0, 9]))).toThrow(expect.objectContaining({ code: 'SRV_ERR_FLV_INVALID' }));
    expect(d.push(flv)).toEqual([]);

    const small = new FlvDemuxer({ maxTagBytes: 10 });
    expect(() => small.push(flv)).toThrow(expect.objectContaining({ code: 'SRV_ERR_FLV_INVALID' }));
  });
});

function summary(f: FlvVideoFrame) {
  return { dts: f.dtsMs, cts: f.ctsMs, key: f.key, nalus: f.nalus.map((n) => Buffer.from(n).toString('base64')) };
}
