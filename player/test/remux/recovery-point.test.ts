/// <reference types="node" />
/**
 * Issue 3, intra refresh: a key frame without an IDR (a recovery point start, H.264 D.2.8) must
 * reach Chromium's MSE as a keyframe. Chromium judges keyframes from the bitstream and accepts a
 * recovery point only with recovery_frame_cnt 0, so the remuxer rewrites the count in the sync
 * sample and leaves every other sample's bytes alone.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  AccessUnitAssembler,
  decodeMediaFrame,
  encodeMediaFrame,
  findRecoveryPoint,
  splitAvcc,
  splitNalUnits,
  type MediaFrame,
  type RawAccessUnit,
} from '@framewire/shared';
import { Fmp4Remuxer, type RemuxResult } from '../../src/remux/fmp4-remuxer.js';

const NAL_SEI = 6;

/** x264 -intra-refresh 1, 40 frames: an IDR at 0, a recovery point at 30. */
function intraRefreshUnits(): RawAccessUnit[] {
  const annexB = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30',
    '-frames:v', '40', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-bf', '0', '-g', '30', '-intra-refresh', '1',
    '-pix_fmt', 'yuv420p', '-f', 'h264', 'pipe:1'], { maxBuffer: 1 << 24 });
  const a = new AccessUnitAssembler();
  const out: RawAccessUnit[] = [];
  for (const nal of splitNalUnits(new Uint8Array(annexB))) out.push(...a.push(nal));
  out.push(a.flush()!);
  return out;
}

/** As the server's Stream sends them: a recovery point gets the KEY flag. */
function toFrame(au: RawAccessUnit, i: number): MediaFrame {
  const dts = i * 3000;
  return decodeMediaFrame(encodeMediaFrame({ ...au, dts, pts: dts, duration: 3000, captureTimeMs: 0 }, { sequence: i }));
}

/** NAL units in the fragment's mdat (after the moof). */
function mdatNalus(r: RemuxResult): Uint8Array[] {
  const bytes = new Uint8Array(r.fragment);
  const moofSize = new DataView(r.fragment).getUint32(0);
  return splitAvcc(bytes.subarray(moofSize + 8));
}

const seiOf = (nalus: Uint8Array[]) => nalus.find((n) => (n[0]! & 0x1f) === NAL_SEI);

describe('Fmp4Remuxer: intra refresh recovery point as the first key frame', () => {
  const units = intraRefreshUnits();

  it('starts at the recovery point, with recovery_frame_cnt 0 in that sample only', () => {
    expect(units[30]!.recoveryPoint).toBe(true);
    const original = findRecoveryPoint(seiOf(units[30]!.nalus)!)!;
    expect(original.recoveryFrameCnt).toBeGreaterThan(0); // what Chromium would refuse as a keyframe

    const remuxer = new Fmp4Remuxer();
    const results = units.slice(30).map((u, i) => remuxer.push(toFrame(u, i)));
    const first = results[0]!;
    if (typeof first === 'string') throw new Error(`recovery point skipped: ${first}`);
    expect(first.key).toBe(true);
    expect(first.init).toBeDefined();
    expect(findRecoveryPoint(seiOf(mdatNalus(first))!)).toMatchObject({ recoveryFrameCnt: 0, exactMatch: false });

    // The following P frames are remuxed with their bytes untouched.
    results.slice(1).forEach((r, i) => {
      if (typeof r === 'string') throw new Error(`frame ${31 + i} skipped: ${r}`);
      expect(r.key).toBe(false);
      expect(mdatNalus(r)).toEqual(units[31 + i]!.nalus);
    });
  });

  it('a recovery point without the KEY flag (mid-stream, not a start) keeps its SEI as is', () => {
    const remuxer = new Fmp4Remuxer();
    for (let i = 0; i < 30; i++) expect(typeof remuxer.push(toFrame(units[i]!, i))).toBe('object');
    const plain = decodeMediaFrame(encodeMediaFrame({ ...units[30]!, recoveryPoint: false, dts: 90_000, pts: 90_000, duration: 3000, captureTimeMs: 0 }, { sequence: 30 }));
    const r = remuxer.push(plain);
    if (typeof r === 'string') throw new Error(`skipped: ${r}`);
    expect(seiOf(mdatNalus(r))).toEqual(seiOf(units[30]!.nalus));
  });
});
