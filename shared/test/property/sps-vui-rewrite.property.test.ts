/**
 * Property (issue 3, "Decoder delay"): for random valid SPS field combinations (every branch of
 * 7.3.2.1.1 and E.1.1, hrd_parameters included), rewriteSpsBitstreamRestriction gives exactly the
 * SPS built with the new bitstream_restriction — byte for byte, built independently by the test
 * writer — and on malformed input it throws nothing but H264Error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { H264Error } from '../../src/h264/errors.js';
import { parseSps, type SpsInfo } from '../../src/h264/sps.js';
import { readBitstreamRestriction, rewriteSpsBitstreamRestriction } from '../../src/h264/sps-vui-rewrite.js';
import type { BitstreamRestriction } from '../../src/h264/sps.js';
import { addEmulationPrevention, BitWriter } from '../support/bit-writer.js';
import { params } from './pipeline.js';

interface Hrd {
  cpbs: Array<{ bitRate: number; cpbSize: number; cbr: boolean }>;
  scales: number;
  lengths: number;
}
interface Vui {
  aspect: { idc: number; sar: [number, number] } | null;
  overscan: boolean | null;
  signal: { format: number; fullRange: boolean; colour: [number, number, number] | null } | null;
  chromaLoc: [number, number] | null;
  timing: { units: number; scale: number; fixed: boolean } | null;
  nalHrd: Hrd | null;
  vclHrd: Hrd | null;
  lowDelay: boolean;
  picStruct: boolean;
  restriction: BitstreamRestriction | null;
}
interface SpsFields {
  profileIdc: number;
  constraint: number;
  level: number;
  spsId: number;
  high: { chroma: number; separate: boolean; depthL: number; depthC: number; bypass: boolean; lists: Array<number[] | null> | null } | null;
  log2FrameNum: number;
  poc: { type: 0; lsb: number } | { type: 1; always0: boolean; nonRef: number; topBottom: number; cycle: number[] } | { type: 2 };
  refFrames: number;
  gaps: boolean;
  widthMbs: number;
  heightUnits: number;
  frameMbsOnly: boolean;
  mbaff: boolean;
  direct8x8: boolean;
  crop: [number, number, number, number] | null;
  vui: Vui | null;
}

/** Writes seq_parameter_set_rbsp() from fields, as an encoder would (7.3.2.1.1, E.1.1, E.1.2). */
function buildSps(f: SpsFields): Uint8Array {
  const w = new BitWriter().u(8, f.profileIdc).u(8, f.constraint).u(8, f.level).ue(f.spsId);
  if (f.high) {
    w.ue(f.high.chroma);
    if (f.high.chroma === 3) w.flag(f.high.separate);
    w.ue(f.high.depthL).ue(f.high.depthC).flag(f.high.bypass).flag(f.high.lists !== null);
    const count = f.high.chroma === 3 ? 12 : 8;
    for (let i = 0; f.high.lists && i < count; i++) {
      const list = f.high.lists[i] ?? null;
      w.flag(list !== null);
      for (const d of list ?? []) w.se(d);
    }
  }
  w.ue(f.log2FrameNum).ue(f.poc.type);
  if (f.poc.type === 0) w.ue(f.poc.lsb);
  else if (f.poc.type === 1) {
    w.flag(f.poc.always0).se(f.poc.nonRef).se(f.poc.topBottom).ue(f.poc.cycle.length);
    for (const c of f.poc.cycle) w.se(c);
  }
  w.ue(f.refFrames).flag(f.gaps).ue(f.widthMbs - 1).ue(f.heightUnits - 1).flag(f.frameMbsOnly);
  if (!f.frameMbsOnly) w.flag(f.mbaff);
  w.flag(f.direct8x8).flag(f.crop !== null);
  if (f.crop) for (const c of f.crop) w.ue(c);
  w.flag(f.vui !== null);
  if (f.vui) {
    const v = f.vui;
    w.flag(v.aspect !== null);
    if (v.aspect) {
      w.u(8, v.aspect.idc);
      if (v.aspect.idc === 255) w.u(16, v.aspect.sar[0]).u(16, v.aspect.sar[1]);
    }
    w.flag(v.overscan !== null);
    if (v.overscan !== null) w.flag(v.overscan);
    w.flag(v.signal !== null);
    if (v.signal) {
      w.u(3, v.signal.format).flag(v.signal.fullRange).flag(v.signal.colour !== null);
      if (v.signal.colour) for (const c of v.signal.colour) w.u(8, c);
    }
    w.flag(v.chromaLoc !== null);
    if (v.chromaLoc) w.ue(v.chromaLoc[0]).ue(v.chromaLoc[1]);
    w.flag(v.timing !== null);
    if (v.timing) w.u(32, v.timing.units).u(32, v.timing.scale).flag(v.timing.fixed);
    for (const hrd of [v.nalHrd, v.vclHrd]) {
      w.flag(hrd !== null);
      if (!hrd) continue;
      w.ue(hrd.cpbs.length - 1).u(8, hrd.scales);
      for (const c of hrd.cpbs) w.ue(c.bitRate).ue(c.cpbSize).flag(c.cbr);
      w.u(20, hrd.lengths);
    }
    if (v.nalHrd || v.vclHrd) w.flag(v.lowDelay);
    w.flag(v.picStruct).flag(v.restriction !== null);
    const r = v.restriction;
    if (r) {
      w.flag(r.motionVectorsOverPicBoundaries).ue(r.maxBytesPerPicDenom).ue(r.maxBitsPerMbDenom);
      w.ue(r.log2MaxMvLengthHorizontal).ue(r.log2MaxMvLengthVertical).ue(r.maxNumReorderFrames).ue(r.maxDecFrameBuffering);
    }
  }
  return Uint8Array.from([0x67, ...addEmulationPrevention(w.trailing().bytes())]);
}

/**
 * A scaling_list's deltas as an encoder writes them (7.3.2.1.1.1): the reader takes one per
 * coefficient until nextScale becomes 0, so stop there; missing ones are 0 (nextScale then equals
 * lastScale, never 0).
 */
function scalingDeltas(raw: number[], size: number): number[] {
  const out: number[] = [];
  let last = 8;
  for (let j = 0; j < size; j++) {
    const d = raw[j] ?? 0;
    out.push(d);
    const next = (last + d + 256) % 256;
    if (next === 0) break;
    last = next;
  }
  return out;
}

const hrdArb: fc.Arbitrary<Hrd> = fc.record({
  cpbs: fc.array(fc.record({ bitRate: fc.nat(100_000), cpbSize: fc.nat(100_000), cbr: fc.boolean() }), { minLength: 1, maxLength: 4 }),
  scales: fc.nat(255),
  lengths: fc.nat(2 ** 20 - 1),
});

const restrictionArb: fc.Arbitrary<BitstreamRestriction> = fc
  .record({
    motionVectorsOverPicBoundaries: fc.boolean(),
    maxBytesPerPicDenom: fc.nat(16),
    maxBitsPerMbDenom: fc.nat(16),
    log2MaxMvLengthHorizontal: fc.nat(16),
    log2MaxMvLengthVertical: fc.nat(16),
    maxNumReorderFrames: fc.nat(16),
    maxDecFrameBuffering: fc.nat(16),
  })
  .map((r) => ({ ...r, maxDecFrameBuffering: Math.max(r.maxDecFrameBuffering, r.maxNumReorderFrames) }));

const vuiArb: fc.Arbitrary<Vui> = fc.record({
  aspect: fc.option(fc.record({ idc: fc.constantFrom(0, 1, 5, 16, 255), sar: fc.tuple(fc.nat(65535), fc.nat(65535)) })),
  overscan: fc.option(fc.boolean()),
  signal: fc.option(fc.record({ format: fc.nat(7), fullRange: fc.boolean(), colour: fc.option(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255))) })),
  chromaLoc: fc.option(fc.tuple(fc.nat(5), fc.nat(5))),
  timing: fc.option(fc.record({ units: fc.integer({ min: 1, max: 2 ** 32 - 1 }), scale: fc.integer({ min: 1, max: 2 ** 32 - 1 }), fixed: fc.boolean() })),
  nalHrd: fc.option(hrdArb),
  vclHrd: fc.option(hrdArb),
  lowDelay: fc.boolean(),
  picStruct: fc.boolean(),
  restriction: fc.option(restrictionArb),
});

const spsArb: fc.Arbitrary<SpsFields> = fc
  .record({
    profileIdc: fc.constantFrom(66, 77, 88, 100, 110, 122, 244),
    constraint: fc.nat(255),
    level: fc.constantFrom(10, 13, 21, 31, 40, 51, 62),
    spsId: fc.nat(31),
    chroma: fc.nat(3),
    separate: fc.boolean(),
    depthL: fc.nat(6),
    depthC: fc.nat(6),
    bypass: fc.boolean(),
    lists: fc.option(fc.array(fc.option(fc.array(fc.integer({ min: -128, max: 127 }), { minLength: 1, maxLength: 64 })), { minLength: 12, maxLength: 12 })),
    log2FrameNum: fc.nat(12),
    poc: fc.oneof(
      fc.record({ type: fc.constant(0 as const), lsb: fc.nat(12) }),
      fc.record({
        type: fc.constant(1 as const),
        always0: fc.boolean(),
        nonRef: fc.integer({ min: -1000, max: 1000 }),
        topBottom: fc.integer({ min: -1000, max: 1000 }),
        cycle: fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 8 }),
      }),
      fc.record({ type: fc.constant(2 as const) }),
    ),
    refFrames: fc.nat(16),
    gaps: fc.boolean(),
    widthMbs: fc.integer({ min: 1, max: 120 }),
    heightUnits: fc.integer({ min: 1, max: 68 }),
    frameMbsOnly: fc.boolean(),
    mbaff: fc.boolean(),
    direct8x8: fc.boolean(),
    crop: fc.option(fc.tuple(fc.nat(1), fc.nat(1), fc.nat(1), fc.nat(1))),
    vui: fc.option(vuiArb),
  })
  .map((x): SpsFields => {
    const isHigh = x.profileIdc >= 100;
    const count = x.chroma === 3 ? 12 : 8;
    const lists = x.lists
      ? x.lists.slice(0, count).map((l, i) => (l ? scalingDeltas(l, i < 6 ? 16 : 64) : null))
      : null;
    return {
      profileIdc: x.profileIdc,
      constraint: x.constraint & 0xfc,
      level: x.level,
      spsId: x.spsId,
      high: isHigh ? { chroma: x.chroma, separate: x.separate, depthL: x.depthL, depthC: x.depthC, bypass: x.bypass, lists } : null,
      log2FrameNum: x.log2FrameNum,
      poc: x.poc,
      refFrames: x.refFrames,
      gaps: x.gaps,
      widthMbs: x.widthMbs,
      heightUnits: x.heightUnits,
      frameMbsOnly: x.frameMbsOnly,
      mbaff: x.mbaff,
      direct8x8: x.direct8x8,
      crop: x.crop,
      vui: x.vui,
    };
  });

/** The E.1.1 VUI an SPS without one gets: every presence flag 0 but bitstream_restriction. */
const EMPTY_VUI: Vui = {
  aspect: null, overscan: null, signal: null, chromaLoc: null, timing: null, nalHrd: null, vclHrd: null,
  lowDelay: false, picStruct: false, restriction: null,
};

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const withoutRestriction = (i: SpsInfo) => ({ ...i, hasBitstreamRestriction: 0, maxNumReorderFrames: 0, maxDecFrameBuffering: 0 });

describe('property: rewriteSpsBitstreamRestriction', () => {
  it('set: the SPS an encoder would write with that restriction, byte for byte (numRuns 1500)', () => {
    fc.assert(
      fc.property(spsArb, fc.nat(16), fc.nat(16), (fields, reorder, extra) => {
        const input = buildSps(fields);
        const dpb = Math.min(16, Math.max(fields.refFrames, reorder) + (extra % 3));
        const out = rewriteSpsBitstreamRestriction(input, { mode: 'set', maxNumReorderFrames: reorder, maxDecFrameBuffering: dpb });
        const base = fields.vui?.restriction ?? {
          motionVectorsOverPicBoundaries: true, maxBytesPerPicDenom: 2, maxBitsPerMbDenom: 1,
          log2MaxMvLengthHorizontal: 15, log2MaxMvLengthVertical: 15, maxNumReorderFrames: 16, maxDecFrameBuffering: 16,
        };
        const expected = buildSps({
          ...fields,
          vui: { ...(fields.vui ?? EMPTY_VUI), restriction: { ...base, maxNumReorderFrames: reorder, maxDecFrameBuffering: dpb } },
        });
        expect(hex(out)).toBe(hex(expected));
        expect(readBitstreamRestriction(out)).toMatchObject({ maxNumReorderFrames: reorder, maxDecFrameBuffering: dpb });
        // parseSps sees the same picture, timing and SAR.
        const before = parseSps(input);
        const after = parseSps(out);
        expect(withoutRestriction(after)).toEqual(withoutRestriction(before));
        expect([after.maxNumReorderFrames, after.maxDecFrameBuffering]).toEqual([reorder, dpb]);
      }),
      params(1500),
    );
  });

  it('remove: the SPS with bitstream_restriction_flag 0, byte for byte; set then remove = remove (numRuns 1000)', () => {
    fc.assert(
      fc.property(spsArb, (fields) => {
        const input = buildSps(fields);
        const out = rewriteSpsBitstreamRestriction(input, { mode: 'remove' });
        const expected = buildSps(fields.vui ? { ...fields, vui: { ...fields.vui, restriction: null } } : fields);
        expect(hex(out)).toBe(hex(expected));
        expect(readBitstreamRestriction(out)).toBeNull();
        if (fields.vui) {
          const set = rewriteSpsBitstreamRestriction(input, { mode: 'set', maxNumReorderFrames: 0 });
          expect(hex(rewriteSpsBitstreamRestriction(set, { mode: 'remove' }))).toBe(hex(expected));
        }
      }),
      params(1000),
    );
  });

  it('malformed input (random bytes, mutated and truncated SPS): only H264Error (numRuns 3000)', () => {
    const mutation = fc.record({ at: fc.nat(), bit: fc.nat(7), cut: fc.boolean() });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 48 }).map((b) => Uint8Array.from([0x67, ...b])),
          fc.uint8Array({ maxLength: 16 }),
          fc.tuple(spsArb, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([f, ms]) => {
            let nal = Array.from(buildSps(f));
            for (const m of ms) {
              const at = 1 + (m.at % Math.max(1, nal.length - 1));
              if (m.cut) nal = nal.slice(0, at);
              else if (at < nal.length) nal[at]! ^= 1 << m.bit;
            }
            return Uint8Array.from(nal);
          }),
        ),
        fc.constantFrom<'set' | 'remove'>('set', 'remove'),
        (nal, mode) => {
          try {
            const out = rewriteSpsBitstreamRestriction(nal, mode === 'set' ? { mode, maxNumReorderFrames: 0 } : { mode });
            // When it succeeds, the result is itself a well-formed SPS for the rewriter.
            readBitstreamRestriction(out);
          } catch (err) {
            if (!(err instanceof H264Error)) throw err;
          }
        },
      ),
      params(3000),
    );
  });

  it('refuses data after the VUI that a rewrite would drop, and edit values outside E.2.1', () => {
    const base = buildSps({
      profileIdc: 66, constraint: 0xc0, level: 30, spsId: 0, high: null, log2FrameNum: 0, poc: { type: 2 }, refFrames: 1,
      gaps: false, widthMbs: 20, heightUnits: 15, frameMbsOnly: true, mbaff: false, direct8x8: true, crop: null, vui: null,
    });
    // A 1 bit where rbsp_trailing_bits must be all zeros after the stop bit.
    const extra = Uint8Array.from([...base, 0x80]);
    expect(() => rewriteSpsBitstreamRestriction(extra, { mode: 'set', maxNumReorderFrames: 0 })).toThrow(H264Error);
    // max_dec_frame_buffering below max_num_ref_frames (1) or above 16: a RangeError (caller bug), not an H264Error.
    expect(() => rewriteSpsBitstreamRestriction(base, { mode: 'set', maxNumReorderFrames: 0, maxDecFrameBuffering: 0 })).toThrow(RangeError);
    expect(() => rewriteSpsBitstreamRestriction(base, { mode: 'set', maxNumReorderFrames: 17 })).toThrow(RangeError);
    // Default max_dec_frame_buffering: the smallest valid one.
    expect(readBitstreamRestriction(rewriteSpsBitstreamRestriction(base, { mode: 'set', maxNumReorderFrames: 0 }))?.maxDecFrameBuffering).toBe(1);
  });
});
