/**
 * Property 2 (issue 3): corruption never escapes. Byte flips, truncations, deletions, inserted
 * garbage and inserted start codes anywhere in a fixture stream, chunked arbitrarily:
 * - the splitter and the assembler never throw; parseSps on every SPS NAL throws only H264Error;
 * - memory stays bounded (splitter buffer ≤ maxNalBytes, access units within the assembler limits);
 * - a clean copy of the clip appended after the damage comes out intact from its second access
 *   unit on (the first may carry leftovers of the damage: pending SPS/SEI/AUD are prepended to it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { H264Error } from '../../src/h264/errors.js';
import { parseSps } from '../../src/h264/sps.js';
import { FIXTURES, readFixture } from '../support/fixtures.js';
import { concat } from '../support/hex.js';
import { auShape, cutAt, cutsArb, params, runPipeline } from './pipeline.js';

const MAX_NAL_BYTES = 16 * 1024; // above every fixture NAL (largest: 12278 bytes in the demo clip)
const MAX_AU_NALS = 64;
const MAX_AU_BYTES = 64 * 1024;

export type Mutation =
  | { op: 'flip'; at: number; xor: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'startcode'; at: number; four: boolean; header: number | undefined }
  | { op: 'delete'; at: number; len: number }
  | { op: 'zeros'; at: number; len: number };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({
    op: fc.constant('startcode' as const),
    at: fc.nat(),
    four: fc.boolean(),
    header: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 512 }) }),
  fc.record({ op: fc.constant('zeros' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
);

/** Applies the mutations in order (positions taken modulo the current length). */
export function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let buf: Uint8Array = input.slice();
  for (const m of mutations) {
    const at = buf.length === 0 ? 0 : m.at % (buf.length + 1);
    switch (m.op) {
      case 'flip':
        if (buf.length > 0) buf[m.at % buf.length]! ^= m.xor;
        break;
      case 'insert':
        buf = concat(buf.subarray(0, at), m.bytes, buf.subarray(at));
        break;
      case 'startcode': {
        const sc = [...(m.four ? [0] : []), 0, 0, 1, ...(m.header === undefined ? [] : [m.header])];
        buf = concat(buf.subarray(0, at), Uint8Array.from(sc), buf.subarray(at));
        break;
      }
      case 'delete':
        buf = concat(buf.subarray(0, at), buf.subarray(at + m.len));
        break;
      case 'zeros':
        buf = concat(buf.subarray(0, at), new Uint8Array(m.len), buf.subarray(at));
        break;
    }
  }
  return buf;
}

/** Runs the damaged stream + clean copy through the pipeline, checking every bound on the way. */
export function checkCorrupted(clip: Uint8Array, damaged: Uint8Array, cuts: readonly number[]): void {
  const clean = runPipeline([clip]);
  const stream = concat(damaged, clip);
  const out = runPipeline(cutAt(stream, cuts), {
    splitter: { maxNalBytes: MAX_NAL_BYTES },
    assembler: { maxNalCount: MAX_AU_NALS, maxBytes: MAX_AU_BYTES },
    onChunk: (s) => {
      expect(s.retainedBytes).toBeLessThanOrEqual(MAX_NAL_BYTES);
      expect(s.pendingBytes).toBeLessThanOrEqual(MAX_NAL_BYTES);
    },
    onNal: (nal) => {
      expect(nal.length).toBeGreaterThan(0);
      expect(nal.length).toBeLessThanOrEqual(MAX_NAL_BYTES);
      if (((nal[0] ?? 0) & 0x1f) === 7) {
        try {
          const info = parseSps(nal);
          expect(info.width).toBeGreaterThan(0);
          expect(info.height).toBeGreaterThan(0);
        } catch (err) {
          if (!(err instanceof H264Error)) throw err;
        }
      }
    },
  });
  for (const au of out) {
    expect(au.nalus.length).toBeGreaterThan(0);
    expect(au.nalus.length).toBeLessThanOrEqual(MAX_AU_NALS);
    expect(au.nalus.reduce((n, nal) => n + nal.length, 0)).toBeLessThanOrEqual(MAX_AU_BYTES);
  }
  const tail = clean.length - 1;
  expect(out.length).toBeGreaterThanOrEqual(tail);
  expect(auShape(out.slice(out.length - tail))).toEqual(auShape(clean.slice(1)));
}

describe('property: corruption never escapes (splitter → assembler → parseSps)', () => {
  const clips = [
    { name: FIXTURES.noaud, runs: 120, window: 8192 },
    { name: FIXTURES.aud, runs: 120, window: 8192 },
    { name: FIXTURES.demo, runs: 12, window: 40_000 },
  ];
  for (const { name, runs, window } of clips) {
    it(`${name}: damaged prefix + clean copy (numRuns ${runs})`, () => {
      const clip = readFixture(name);
      fc.assert(
        fc.property(
          fc.nat({ max: clip.length - 1 }),
          fc.integer({ min: 0, max: window }),
          fc.array(mutationArb, { minLength: 1, maxLength: 24 }),
          cutsArb(48),
          (start, len, mutations, cuts) => {
            // A window of the clip (possibly cut mid-NAL: a truncation), then damaged.
            const damaged = mutate(clip.subarray(start, start + len), mutations);
            checkCorrupted(clip, damaged, cuts);
          },
        ),
        params(runs),
      );
    });
  }

  it('pure garbage (no start code or many) before the clean clip (numRuns 150)', () => {
    const clip = readFixture(FIXTURES.noaud);
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 40_000 }),
      // Dense start codes and zero runs: 00 00 01 and friends everywhere.
      fc.array(fc.constantFrom(0, 0, 0, 1, 3, 0x65, 0x67, 0x68, 0x09, 0x41, 0x80, 0xff), { maxLength: 4000 }).map((a) => Uint8Array.from(a)),
      // One endless NAL unit: must be dropped as oversize without growing memory.
      fc.integer({ min: MAX_NAL_BYTES - 2, max: 3 * MAX_NAL_BYTES }).map((n) => {
        const b = new Uint8Array(n + 4).fill(0xab);
        b.set([0, 0, 1, 0x65], 0);
        return b;
      }),
    );
    fc.assert(
      fc.property(garbage, cutsArb(48), (damaged, cuts) => checkCorrupted(clip, damaged, cuts)),
      params(150),
    );
  });
});
