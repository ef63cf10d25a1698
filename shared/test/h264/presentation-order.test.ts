import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessUnitAssembler } from '../../src/h264/access-unit.js';
import { AnnexBSplitter } from '../../src/h264/annexb-splitter.js';
import { PresentationOrder } from '../../src/h264/presentation-order.js';
import type { RawAccessUnit } from '../../src/h264/types.js';
import { ffmpeg, makeTempDir, readFile } from '../support/fixtures.js';

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

function accessUnits(bytes: Uint8Array): RawAccessUnit[] {
  const splitter = new AnnexBSplitter();
  const assembler = new AccessUnitAssembler();
  const out: RawAccessUnit[] = [];
  for (const nal of [...splitter.push(bytes), ...splitter.flush()]) out.push(...assembler.push(nal));
  const last = assembler.flush();
  if (last) out.push(last);
  return out;
}

/** Encodes `frames` testsrc frames with x264 and the given options; returns the raw Annex-B file. */
function encode(name: string, x264: string[], frames = 90): string {
  const file = join(tmp.dir, `${name}.h264`);
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-frames:v', String(frames), '-pix_fmt', 'yuv420p',
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', '30', ...x264, '-f', 'h264', file]);
  return file;
}

/**
 * ffmpeg's own answer, independent of ours: it decodes the raw stream and reports the frames in
 * display order, each with the byte position of the packet (access unit) it came from.
 */
function ffmpegDisplayRanks(file: string, aus: RawAccessUnit[], bytes: Uint8Array): number[] {
  const json = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'frame=pkt_pos', '-of', 'json', file], { encoding: 'utf8' });
  const frames = (JSON.parse(json) as { frames: Array<{ pkt_pos: string }> }).frames;
  // The splitter's last NAL unit is a copy, not a view of `bytes`: place it just after the one before.
  const starts: number[] = [];
  for (const au of aus) {
    const nal = au.nalus[0]!;
    starts.push(nal.buffer === bytes.buffer ? nal.byteOffset - bytes.byteOffset : (starts.at(-1) ?? 0) + 1);
  }
  const auAt = (pos: number): number => {
    let i = 0;
    while (i + 1 < starts.length && starts[i + 1]! <= pos + 4) i++; // pos may point at the start code
    return i;
  };
  const rank = new Array<number>(aus.length).fill(-1);
  frames.forEach((f, displayIndex) => (rank[auAt(Number(f.pkt_pos))] = displayIndex));
  return rank;
}

/** For each value, its position in ascending order. */
function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  order.forEach(([, i], rank) => (out[i] = rank));
  return out;
}

function ourPresentation(aus: RawAccessUnit[]): { pts: number[]; offsets: number[]; reorder: number } {
  const order = new PresentationOrder();
  const offsets = aus.map((au) => order.next(au.nalus));
  return { pts: offsets.map((o, k) => k + o), offsets, reorder: order.reorder };
}

describe('PresentationOrder on real x264 streams', () => {
  const cases: Array<{ name: string; x264: string[]; reorder: number }> = [
    { name: 'bf2', x264: ['-bf', '2', '-x264-params', 'b-pyramid=none'], reorder: 1 },
    { name: 'bf3-pyramid', x264: ['-bf', '3', '-b_strategy', '2', '-x264-params', 'b-pyramid=normal'], reorder: 2 },
    { name: 'bf3-open-gop', x264: ['-bf', '3', '-x264-params', 'open-gop=1:b-pyramid=normal'], reorder: 2 },
    { name: 'no-b-main', x264: ['-bf', '0', '-profile:v', 'main'], reorder: 0 },
    { name: 'zerolatency', x264: ['-tune', 'zerolatency'], reorder: 0 },
  ];
  for (const c of cases) {
    it(`${c.name}: frames are presented in ffmpeg's display order, never before they are decoded`, () => {
      const file = encode(c.name, c.x264);
      const bytes = readFile(file);
      const aus = accessUnits(bytes);
      const ours = ourPresentation(aus);
      expect(ours.pts.length).toBe(90);
      expect(ranks(ours.pts)).toEqual(ffmpegDisplayRanks(file, aus, bytes));
      expect(new Set(ours.pts).size).toBe(ours.pts.length); // no two frames in one slot
      expect(Math.min(...ours.offsets)).toBeGreaterThanOrEqual(0);
      expect(ours.reorder).toBe(c.reorder);
      // The smallest delay that works: some frame is presented in the slot it is decoded in + R.
      if (c.reorder === 0) expect(Math.max(...ours.offsets)).toBe(0);
    });
  }

  it('gives offset 0 (decode order) for access units it cannot read, and never throws', () => {
    const order = new PresentationOrder();
    expect(order.next([new Uint8Array([0x65, 0xff])])).toBe(0); // IDR slice without any SPS/PPS
    expect(order.next([new Uint8Array([0x67]), new Uint8Array([0x68]), new Uint8Array([0x41])])).toBe(0);
    expect(order.next([])).toBe(0);
  });
});

describe('PresentationOrder on corrupt input', () => {
  it('never throws and keeps the offset within the largest reorder window', () => {
    const bytes = readFile(encode('fuzz-base', ['-bf', '3', '-x264-params', 'b-pyramid=normal'], 30));
    const aus = accessUnits(bytes);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 40 }), (flips) => {
        const order = new PresentationOrder();
        for (const [k, au] of aus.entries()) {
          const nalus = au.nalus.map((n) => n.slice());
          for (const [at, value] of flips) {
            const nal = nalus[(at + k) % nalus.length]!;
            nal[at % nal.length] = value;
          }
          const offset = order.next(nalus);
          expect(offset).toBeGreaterThanOrEqual(0);
          expect(offset).toBeLessThanOrEqual(32);
        }
      }),
      { seed: 0x5eed, numRuns: 200 },
    );
  });
});
