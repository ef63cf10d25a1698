/**
 * Property 3 (issue 3): parseSps on random bytes and on mutated real SPS NAL units either returns
 * a picture size that fits the SPS limits or throws H264Error, never anything else; and on real
 * SPS from ffmpeg clips generated at test time it returns the size that was asked for.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitNalUnits } from '../../src/h264/annexb.js';
import { H264Error } from '../../src/h264/errors.js';
import { parseSps, type SpsInfo } from '../../src/h264/sps.js';
import { FIXTURES, ffmpeg, makeTempDir, readFile, readFixture } from '../support/fixtures.js';
import { params } from './pipeline.js';

/** A.3.1 as parseSps enforces it: PicWidthInMbs and FrameHeightInMbs are at most 1055. */
const MAX_MBS = 1055;

const spsOf = (annexB: Uint8Array): Uint8Array => {
  const sps = splitNalUnits(annexB).find((n) => ((n[0] ?? 0) & 0x1f) === 7);
  if (!sps) throw new Error('no SPS in clip');
  return sps;
};

/** The invariants any successfully parsed SPS must satisfy. */
export function checkSpsInfo(info: SpsInfo): void {
  expect(Number.isInteger(info.width) && Number.isInteger(info.height)).toBe(true);
  expect(info.codedWidth % 16).toBe(0);
  expect(info.codedHeight % (info.frameMbsOnly ? 16 : 32)).toBe(0);
  expect(info.codedWidth).toBeGreaterThanOrEqual(16);
  expect(info.codedWidth).toBeLessThanOrEqual(MAX_MBS * 16);
  expect(info.codedHeight).toBeLessThanOrEqual(MAX_MBS * 16);
  expect(info.width).toBeGreaterThan(0);
  expect(info.height).toBeGreaterThan(0);
  expect(info.width).toBeLessThanOrEqual(info.codedWidth);
  expect(info.height).toBeLessThanOrEqual(info.codedHeight);
  // Cropping is in CropUnitX / CropUnitY (7-19..7-22), so the output keeps their multiples.
  const cropX = info.chromaFormatIdc === 1 || info.chromaFormatIdc === 2 ? 2 : 1;
  const cropY = (info.chromaFormatIdc === 1 ? 2 : 1) * (info.frameMbsOnly ? 1 : 2);
  expect(info.width % cropX).toBe(0);
  expect(info.height % cropY).toBe(0);
  expect(info.spsId).toBeGreaterThanOrEqual(0);
  expect(info.spsId).toBeLessThanOrEqual(31);
  expect([0, 1, 2, 3]).toContain(info.chromaFormatIdc);
  expect(info.bitDepthLuma).toBeGreaterThanOrEqual(8);
  expect(info.bitDepthLuma).toBeLessThanOrEqual(14);
  if (info.fps !== null) expect(info.fps).toBeGreaterThan(0);
}

/** parseSps → info (checked) or H264Error code; any other throw fails the property. */
export function parseChecked(nal: Uint8Array): SpsInfo | string {
  let info: SpsInfo;
  try {
    info = parseSps(nal);
  } catch (err) {
    if (err instanceof H264Error) return err.code;
    throw err;
  }
  checkSpsInfo(info);
  return info;
}

const SIZES = [
  { w: 320, h: 240, profile: 'baseline' },
  { w: 854, h: 480, profile: 'main' },
  { w: 1280, h: 720, profile: 'high' },
  { w: 1920, h: 1080, profile: 'high' },
  { w: 176, h: 144, profile: 'high444' }, // chroma_format_idc 3 path (crop unit 1)
] as const;

describe('property: parseSps', () => {
  const tmp = makeTempDir();
  const generated = new Map<string, Uint8Array>();
  const fixtureSps = [FIXTURES.noaud, FIXTURES.demo].map((f) => spsOf(readFixture(f)));

  beforeAll(() => {
    for (const { w, h, profile } of SIZES) {
      const file = join(tmp.dir, `${w}x${h}-${profile}.h264`);
      const pixFmt = profile === 'high444' ? 'yuv444p' : 'yuv420p';
      ffmpeg([
        '-f', 'lavfi', '-i', `testsrc=size=${w}x${h}:rate=30`, '-frames:v', '1', '-c:v', 'libx264',
        '-profile:v', profile, '-pix_fmt', pixFmt, '-f', 'h264', file,
      ]);
      generated.set(`${w}x${h}-${profile}`, spsOf(readFile(file)));
    }
  }, 60_000);
  afterAll(() => tmp.cleanup());

  it('limits FrameHeightInMbs to 1055 for interlaced SPS too (corpus: sps-interlaced-2110-mb-rows)', () => {
    // Baseline, 320 wide, pic_height_in_map_units_minus1 = 1054, frame_mbs_only_flag = 0: 2110 MB rows.
    const nal = Uint8Array.from(Buffer.from('6742c01eda0500083e48', 'hex'));
    expect(() => parseSps(nal)).toThrow(expect.objectContaining({ code: 'H264_ERR_BAD_SPS' }));
  });

  it('real SPS from ffmpeg: width/height are the requested size (numRuns 20)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SIZES), ({ w, h, profile }) => {
        const info = parseChecked(generated.get(`${w}x${h}-${profile}`)!);
        expect(typeof info).toBe('object');
        expect([(info as SpsInfo).width, (info as SpsInfo).height]).toEqual([w, h]);
      }),
      params(20),
    );
  });

  it('random bytes behind an SPS header: a sane size or H264Error (numRuns 2000)', () => {
    fc.assert(
      fc.property(fc.constantFrom(0x67, 0x27, 0x47, 0x07), fc.uint8Array({ maxLength: 64 }), (header, body) => {
        parseChecked(Uint8Array.from([header, ...body]));
      }),
      params(2000),
    );
  });

  it('any bytes at all (including non-SPS headers and empty input): never a non-H264Error (numRuns 500)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), (nal) => {
        const r = parseChecked(nal);
        if (((nal[0] ?? 0) & 0x1f) !== 7) expect(r).toBe('H264_ERR_BAD_SPS');
      }),
      params(500),
    );
  });

  it('mutated real SPS (flips, truncation, insertions): a sane size or H264Error (numRuns 2000)', () => {
    const all = () => [...fixtureSps, ...generated.values()];
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    );
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 6 }), (which, mutations) => {
        const list = all();
        let nal = Array.from(list[which % list.length]!);
        for (const m of mutations) {
          // Byte 0 (the NAL header) is kept an SPS header so the fields themselves get exercised.
          const at = 1 + (m.at % Math.max(1, nal.length - 1));
          if (m.kind === 'flip' && at < nal.length) nal[at]! ^= 1 << m.bit;
          else if (m.kind === 'truncate') nal = nal.slice(0, at);
          else if (m.kind === 'insert') nal.splice(at, 0, m.byte);
          else if (m.kind === 'set' && at < nal.length) nal[at] = m.byte;
        }
        parseChecked(Uint8Array.from(nal));
      }),
      params(2000),
    );
  });
});
