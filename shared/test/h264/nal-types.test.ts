import { describe, expect, it } from 'vitest';
import { isVcl, nalType, NalType } from '../../src/h264/nal-types.js';
import { hex } from '../support/hex.js';

describe('nal-types', () => {
  it('reads nal_unit_type from the low 5 bits of the header (H.264 7.3.1)', () => {
    expect(nalType(hex('67 42'))).toBe(NalType.SPS);
    expect(nalType(hex('65'))).toBe(NalType.IDR);
    expect(nalType(hex('41'))).toBe(NalType.SLICE);
    expect(nalType(hex('09 f0'))).toBe(NalType.AUD);
    expect(nalType(hex('ff'))).toBe(31);
    expect(nalType(new Uint8Array(0))).toBe(0);
  });

  it('treats types 1..5 as VCL (Table 7-1)', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 20].filter(isVcl)).toEqual([1, 2, 3, 4, 5]);
  });

  it('has the Table 7-1 values', () => {
    expect(NalType).toEqual({
      SLICE: 1, DPA: 2, DPB: 3, DPC: 4, IDR: 5, SEI: 6, SPS: 7, PPS: 8, AUD: 9,
      END_OF_SEQUENCE: 10, END_OF_STREAM: 11, FILLER: 12, SPS_EXT: 13, PREFIX: 14, SUBSET_SPS: 15,
    });
  });
});
