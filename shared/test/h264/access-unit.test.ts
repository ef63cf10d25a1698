import { describe, expect, it } from 'vitest';
import { AccessUnitAssembler } from '../../src/h264/access-unit.js';
import { splitNalUnits } from '../../src/h264/annexb.js';
import { AnnexBSplitter } from '../../src/h264/annexb-splitter.js';
import { isVcl, nalType, NalType } from '../../src/h264/nal-types.js';
import type { RawAccessUnit } from '../../src/h264/types.js';
import { FIXTURES, readFixture } from '../support/fixtures.js';
import { hex, toHex } from '../support/hex.js';
import { mulberry32, randomBytes, randomChunks, randomInt } from '../support/prng.js';

const AUD = hex('09 f0');
const SPS = hex('67 42 c0 1e');
const PPS = hex('68 ce 3c 80');
const SEI = hex('06 05 01 80');
// first_mb_in_slice is the first ue(v) after the header: bit '1' → 0, '010' → 1.
const IDR_FIRST = hex('65 88 84');
const IDR_NEXT = hex('65 40 84');
const P_FIRST = hex('41 9a 02');
const P_NEXT = hex('41 4a 02');
const EOSEQ = hex('0a');

function types(au: RawAccessUnit): number[] {
  return au.nalus.map(nalType);
}

/** Bytes → splitter (random chunks) → assembler, flushing both at the end of input. */
function assemble(clip: Uint8Array, seed: number): RawAccessUnit[] {
  const splitter = new AnnexBSplitter();
  const assembler = new AccessUnitAssembler();
  const aus: RawAccessUnit[] = [];
  for (const chunk of randomChunks(clip, mulberry32(seed), 1, 4096)) {
    for (const nal of splitter.push(chunk)) aus.push(...assembler.push(nal));
  }
  for (const nal of splitter.flush()) aus.push(...assembler.push(nal));
  const last = assembler.flush();
  if (last) aus.push(last);
  return aus;
}

function keyIndices(aus: RawAccessUnit[]): number[] {
  return aus.flatMap((au, i) => (au.key ? [i] : []));
}

describe('AccessUnitAssembler on the fixtures', () => {
  it.each([
    ['with AUD', FIXTURES.aud],
    ['without AUD', FIXTURES.noaud],
  ])('assembles the 320x240 clip %s into 60 access units with keys at 0 and 30', (_, name) => {
    const clip = readFixture(name);
    const all = splitNalUnits(clip).map(toHex);
    for (const seed of [11, 12, 13]) {
      const aus = assemble(clip, seed);
      expect(aus).toHaveLength(60);
      expect(keyIndices(aus)).toEqual([0, 30]);
      // Nothing lost, nothing reordered.
      expect(aus.flatMap((au) => au.nalus.map(toHex))).toEqual(all);
      for (const au of aus) {
        expect(au.nalus.some((n) => isVcl(nalType(n)))).toBe(true);
        if (name === FIXTURES.aud) expect(nalType(au.nalus[0]!)).toBe(NalType.AUD);
      }
      // The key access units carry their parameter sets ahead of the IDR slice.
      expect(types(aus[30]!).filter((t) => t === NalType.SPS || t === NalType.PPS)).toEqual([NalType.SPS, NalType.PPS]);
    }
  });

  it('assembles the 1280x720 demo clip into 120 access units with keys every 30', () => {
    const aus = assemble(readFixture(FIXTURES.demo), 5);
    expect(aus).toHaveLength(120);
    expect(keyIndices(aus)).toEqual([0, 30, 60, 90]);
    expect(types(aus[0]!).slice(0, 2)).toEqual([NalType.SPS, NalType.PPS]);
  });

  it('returns each access unit as soon as its AUD-delimited successor begins', () => {
    const nalus = splitNalUnits(readFixture(FIXTURES.aud));
    const assembler = new AccessUnitAssembler();
    let completed = 0;
    for (const nal of nalus) {
      const aus = assembler.push(nal);
      if (nalType(nal) === NalType.AUD && completed + aus.length > 0) {
        expect(aus).toHaveLength(1);
      } else {
        expect(aus).toEqual([]);
      }
      completed += aus.length;
    }
    expect(completed).toBe(59);
    expect(assembler.flush()).not.toBeNull();
  });
});

describe('AccessUnitAssembler rules (H.264 7.4.1.2.3)', () => {
  it('starts a new access unit at an AUD', () => {
    const a = new AccessUnitAssembler();
    expect(a.push(AUD)).toEqual([]);
    expect(a.push(P_FIRST)).toEqual([]);
    const [au] = a.push(AUD);
    expect(au!.nalus.map(toHex)).toEqual([toHex(AUD), toHex(P_FIRST)]);
    expect(au!.key).toBe(false);
  });

  it('starts a new access unit at SPS/PPS/SEI after a slice, and keeps them with the next picture', () => {
    const a = new AccessUnitAssembler();
    a.push(IDR_FIRST);
    a.push(IDR_NEXT);
    const [first] = a.push(SEI);
    expect(types(first!)).toEqual([5, 5]);
    expect(first!.key).toBe(true);
    expect(a.push(SPS)).toEqual([]);
    expect(a.push(PPS)).toEqual([]);
    expect(a.push(P_FIRST)).toEqual([]);
    const second = a.flush();
    expect(types(second!)).toEqual([6, 7, 8, 1]);
    expect(second!.key).toBe(false);
  });

  it.each([
    ['prefix NAL (14)', hex('0e 80')],
    ['subset SPS (15)', hex('0f 80')],
    ['reserved 16', hex('10 80')],
    ['reserved 18', hex('12 80')],
  ])('starts a new access unit at %s after a slice', (_, nal) => {
    const a = new AccessUnitAssembler();
    a.push(P_FIRST);
    expect(a.push(nal)).toHaveLength(1);
  });

  it('uses first_mb_in_slice: 0 begins the next picture, anything else continues this one', () => {
    const a = new AccessUnitAssembler();
    expect(a.push(P_FIRST)).toEqual([]);
    expect(a.push(P_NEXT)).toEqual([]);
    expect(a.push(P_NEXT)).toEqual([]);
    const [au] = a.push(P_FIRST);
    expect(au!.nalus).toHaveLength(3);
    expect(a.flush()!.nalus).toHaveLength(1);
  });

  it('never starts a picture at data partitions B and C (they begin with slice_id, not first_mb_in_slice)', () => {
    const a = new AccessUnitAssembler();
    a.push(hex('22 80 00')); // partition A, first_mb 0
    expect(a.push(hex('23 80'))).toEqual([]);
    expect(a.push(hex('24 80'))).toEqual([]);
    expect(a.flush()!.nalus).toHaveLength(3);
  });

  it('keeps filler data, SPS extension and unspecified types in the current access unit', () => {
    const a = new AccessUnitAssembler();
    a.push(P_FIRST);
    expect(a.push(hex('0c ff ff 80'))).toEqual([]);
    expect(a.push(hex('0d 80'))).toEqual([]);
    expect(a.push(hex('18 80'))).toEqual([]);
    expect(types(a.flush()!)).toEqual([1, 12, 13, 24]);
  });

  it('closes the access unit at end of sequence / end of stream immediately', () => {
    const a = new AccessUnitAssembler();
    a.push(IDR_FIRST);
    const [au] = a.push(EOSEQ);
    expect(types(au!)).toEqual([5, 10]);
    expect(a.flush()).toBeNull();
    a.push(P_FIRST);
    expect(a.push(hex('0b'))).toHaveLength(1);
    // With no picture pending there is nothing to close.
    expect(a.push(hex('0b'))).toEqual([]);
    expect(a.droppedNalCount).toBe(1);
  });

  it('flush() emits nothing without a VCL NAL unit and keeps the parameter sets for the next picture', () => {
    const a = new AccessUnitAssembler();
    expect(a.flush()).toBeNull();
    a.push(SPS);
    a.push(PPS);
    expect(a.flush()).toBeNull();
    a.push(IDR_FIRST);
    const au = a.flush();
    expect(types(au!)).toEqual([7, 8, 5]);
    expect(au!.key).toBe(true);
    expect(a.flush()).toBeNull();
  });

  it('puts an AUD that arrives after pending parameter sets first, and drops a second one', () => {
    const a = new AccessUnitAssembler();
    a.push(SPS);
    a.push(AUD);
    a.push(AUD);
    a.push(P_FIRST);
    expect(types(a.flush()!)).toEqual([9, 7, 1]);
    expect(a.droppedNalCount).toBe(1);
  });

  it('drops empty NAL units and ones with forbidden_zero_bit set', () => {
    const a = new AccessUnitAssembler();
    expect(a.push(new Uint8Array(0))).toEqual([]);
    expect(a.push(hex('e5 88'))).toEqual([]);
    expect(a.flush()).toBeNull();
    expect(a.droppedNalCount).toBe(2);
  });

  it('a slice with only a header byte continues the current picture', () => {
    const a = new AccessUnitAssembler();
    a.push(P_FIRST);
    expect(a.push(hex('41'))).toEqual([]);
    expect(a.flush()!.nalus).toHaveLength(2);
  });

  it('bounds the pending access unit: garbage that never completes a picture is dropped', () => {
    const a = new AccessUnitAssembler({ maxNalCount: 16, maxBytes: 1000 });
    a.push(P_FIRST);
    for (let i = 0; i < 100; i++) expect(a.push(P_NEXT)).toEqual([]);
    expect(a.droppedNalCount).toBeGreaterThan(80);
    expect(a.flush()!.nalus.length).toBeLessThanOrEqual(16);

    const big = new Uint8Array(600).fill(0x41);
    a.push(big);
    a.push(big);
    expect(a.flush()).toBeNull();
  });

  it('reset() drops the pending access unit', () => {
    const a = new AccessUnitAssembler();
    a.push(SPS);
    a.push(IDR_FIRST);
    a.reset();
    expect(a.flush()).toBeNull();
    expect(a.droppedNalCount).toBe(0);
  });

  it('never throws on random NAL units and only emits access units with a VCL NAL unit', () => {
    const rand = mulberry32(21);
    const a = new AccessUnitAssembler({ maxNalCount: 64 });
    let emitted = 0;
    for (let i = 0; i < 20_000; i++) {
      const nal = randomBytes(rand, randomInt(rand, 0, 40));
      for (const au of a.push(nal)) {
        emitted++;
        expect(au.nalus.some((n) => isVcl(nalType(n)))).toBe(true);
        expect(au.nalus.length).toBeLessThanOrEqual(64);
        expect(au.key).toBe(au.nalus.some((n) => nalType(n) === NalType.IDR));
      }
    }
    expect(emitted).toBeGreaterThan(100);
  });
});
