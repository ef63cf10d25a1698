/**
 * Helpers for the property tests: the ingest pipeline (AnnexBSplitter → AccessUnitAssembler) run
 * over a chunked buffer, and fast-check arbitraries for Annex-B streams and chunkings.
 */
import fc from 'fast-check';
import { AccessUnitAssembler, type AccessUnitAssemblerOptions } from '../../src/h264/access-unit.js';
import { AnnexBSplitter, type AnnexBSplitterOptions } from '../../src/h264/annexb-splitter.js';
import type { RawAccessUnit } from '../../src/h264/types.js';
import { addEmulationPrevention } from '../support/bit-writer.js';
import { toHex } from '../support/hex.js';

/** One seed for the whole property suite (override with FC_SEED=… to explore). */
export const SEED = Number(process.env.FC_SEED ?? 0x5eed_f00d);

/** fast-check parameters: seeded, reproducible, `numRuns` per property. */
export function params(numRuns: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns, endOnFailure: false };
}

/** Sorted, de-duplicated cut points in (0, length) → consecutive views of `buf`. */
export function cutAt(buf: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].filter((c) => c > 0 && c < buf.length);
  points.sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    chunks.push(buf.subarray(prev, p));
    prev = p;
  }
  chunks.push(buf.subarray(prev));
  return chunks;
}

/** Cut points: a few arbitrary ones, plus optionally a dense run of 1-byte chunks somewhere. */
export function cutsArb(maxCuts = 64): fc.Arbitrary<number[]> {
  return fc
    .tuple(
      fc.array(fc.nat(), { maxLength: maxCuts }),
      fc.option(fc.record({ at: fc.nat(), len: fc.integer({ min: 1, max: 48 }) }), { nil: undefined }),
    )
    .map(([cuts, dense]) => {
      if (!dense) return cuts;
      const run: number[] = [];
      for (let i = 0; i < dense.len; i++) run.push(dense.at + i);
      return [...cuts, ...run];
    });
}

export interface PipelineOptions {
  splitter?: AnnexBSplitterOptions;
  assembler?: AccessUnitAssemblerOptions;
  /** Called after every push with the live splitter (memory bounds). */
  onChunk?: (splitter: AnnexBSplitter) => void;
  /** Called with every NAL unit the splitter emits. */
  onNal?: (nal: Uint8Array) => void;
}

/** Chunks → splitter → assembler, then flush both: every access unit, in order. */
export function runPipeline(chunks: Iterable<Uint8Array>, opts: PipelineOptions = {}): RawAccessUnit[] {
  const splitter = new AnnexBSplitter(opts.splitter);
  const assembler = new AccessUnitAssembler(opts.assembler);
  const out: RawAccessUnit[] = [];
  const feed = (nals: Uint8Array[]): void => {
    for (const nal of nals) {
      opts.onNal?.(nal);
      out.push(...assembler.push(nal));
    }
  };
  for (const chunk of chunks) {
    feed(splitter.push(chunk));
    opts.onChunk?.(splitter);
  }
  feed(splitter.flush());
  const last = assembler.flush();
  if (last) out.push(last);
  return out;
}

/** Access units as comparable plain data: key flag + hex of each NAL unit. */
export function auShape(aus: readonly RawAccessUnit[]): { key: boolean; nalus: string[] }[] {
  return aus.map((au) => ({ key: au.key, nalus: au.nalus.map(toHex) }));
}

/**
 * A NAL unit with no start-code emulation (7.4.1): header byte (forbidden_zero_bit 0), an RBSP
 * of random bytes with emulation prevention applied, and a non-zero last byte (the stop bit).
 */
export const nalArb: fc.Arbitrary<Uint8Array> = fc
  .record({
    refIdc: fc.integer({ min: 0, max: 3 }),
    type: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(1, 5) }, // slices
      { weight: 3, arbitrary: fc.constantFrom(6, 7, 8, 9) }, // SEI, SPS, PPS, AUD
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 31 }) },
    ),
    /** first_mb_in_slice == 0 for slices (top bit of the second byte). */
    firstMb0: fc.boolean(),
    rbsp: fc.uint8Array({ maxLength: 96 }),
    zerosBias: fc.boolean(),
  })
  .map(({ refIdc, type, firstMb0, rbsp, zerosBias }) => {
    // Bias towards zero runs so emulation prevention and trailing zeros are exercised.
    const body = zerosBias ? rbsp.map((b) => (b < 128 ? 0 : b)) : rbsp;
    const first = (body[0] ?? 0) & 0x7f;
    const withMb = Uint8Array.from([firstMb0 ? first | 0x80 : first, ...body.subarray(1)]);
    const payload = addEmulationPrevention(Uint8Array.from([...withMb, 0x80]));
    return Uint8Array.from([(refIdc << 5) | type, ...payload]);
  });

/** An Annex-B stream: each NAL behind a 3- or 4-byte start code, sometimes extra zeros (trailing_zero_8bits). */
export const annexBStreamArb: fc.Arbitrary<{ nalus: Uint8Array[]; stream: Uint8Array }> = fc
  .tuple(fc.array(fc.tuple(nalArb, fc.constantFrom(3, 4), fc.nat({ max: 3 })), { minLength: 1, maxLength: 40 }), fc.nat({ max: 3 }))
  .map(([items, trailing]) => {
    const parts: number[] = [];
    for (const [nal, sc, extra] of items) {
      for (let i = 0; i < extra; i++) parts.push(0);
      if (sc === 4) parts.push(0);
      parts.push(0, 0, 1, ...nal);
    }
    for (let i = 0; i < trailing; i++) parts.push(0);
    return { nalus: items.map(([nal]) => nal), stream: Uint8Array.from(parts) };
  });
