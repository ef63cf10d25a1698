import { describe, expect, it } from 'vitest';
import { BitReader } from '../../src/h264/exp-golomb.js';
import { BitWriter } from '../support/bit-writer.js';
import { hex } from '../support/hex.js';
import { h264ErrorCode } from '../support/h264-error.js';


describe('BitReader', () => {
  it('reads bits MSB first across byte boundaries', () => {
    const r = new BitReader(hex('a5 f0 ff ff ff fe ff'));
    expect(r.readBit()).toBe(1);
    expect(r.readBits(3)).toBe(0b010);
    expect(r.readBits(8)).toBe(0x5f);
    expect(r.bitsLeft()).toBe(44);
    r.skipBits(4);
    expect(r.readBits(0)).toBe(0);
    // 32 bits come back as a non-negative number, not a negative int32.
    expect(r.readBits(32)).toBe(0xfffffffe);
    expect(r.bitsLeft()).toBe(8);
  });

  it('decodes ue(v) and se(v) (H.264 9.1, Table 9-2 / 9-3)', () => {
    // 1 | 010 | 011 | 00100 | 00111 → ue 0, 1, 2, 3, 6
    const r = new BitReader(hex('a6 43 80'));
    expect([r.readUE(), r.readUE(), r.readUE(), r.readUE(), r.readUE()]).toEqual([0, 1, 2, 3, 6]);
    const w = new BitWriter();
    const ue = [0, 1, 2, 7, 8, 254, 255, 65535, 2 ** 31, 2 ** 32 - 2];
    const se = [0, 1, -1, 2, -2, 127, -128, 2 ** 30, -(2 ** 30)];
    for (const v of ue) w.ue(v);
    for (const v of se) w.se(v);
    const r2 = new BitReader(w.bytes());
    expect(ue.map(() => r2.readUE())).toEqual(ue);
    expect(se.map(() => r2.readSE())).toEqual(se);
  });

  it('throws H264_ERR_BITSTREAM_OVERRUN past the end', () => {
    expect(h264ErrorCode(() => new BitReader(new Uint8Array(0)).readBit())).toBe('H264_ERR_BITSTREAM_OVERRUN');
    expect(h264ErrorCode(() => new BitReader(hex('ff')).readBits(9))).toBe('H264_ERR_BITSTREAM_OVERRUN');
    expect(h264ErrorCode(() => new BitReader(hex('ff')).skipBits(9))).toBe('H264_ERR_BITSTREAM_OVERRUN');
    // 0000 0001: seven leading zeros, but the seven suffix bits are missing.
    expect(h264ErrorCode(() => new BitReader(hex('01')).readUE())).toBe('H264_ERR_BITSTREAM_OVERRUN');
    expect(h264ErrorCode(() => new BitReader(hex('00 00')).readUE())).toBe('H264_ERR_BITSTREAM_OVERRUN');
  });

  it('rejects ue(v) with more than 31 leading zeros but reads 31', () => {
    const max = new BitWriter().ue(2 ** 32 - 2).bytes();
    expect(new BitReader(max).readUE()).toBe(2 ** 32 - 2);
    expect(h264ErrorCode(() => new BitReader(hex('00 00 00 00 80')).readUE())).toBe('H264_ERR_BAD_EXP_GOLOMB');
  });

  it('rejects bad bit counts as programmer errors', () => {
    expect(() => new BitReader(hex('ff ff ff ff ff')).readBits(33)).toThrow(RangeError);
    expect(() => new BitReader(hex('ff')).skipBits(-1)).toThrow(RangeError);
  });

  it('more_rbsp_data() is false from the rbsp_stop_one_bit on, ignoring trailing zero bytes (7.2)', () => {
    const r = new BitReader(hex('b4 00 00')); // 1011 0100: data 1011 0, stop bit, 00
    const seen: number[] = [];
    while (r.moreRbspData()) seen.push(r.readBit());
    expect(seen).toEqual([1, 0, 1, 1, 0]);
    expect(r.readBit()).toBe(1);
    expect(new BitReader(hex('00 00')).moreRbspData()).toBe(false);
    expect(new BitReader(hex('80')).moreRbspData()).toBe(false);
    expect(new BitReader(new Uint8Array(0)).moreRbspData()).toBe(false);
  });
});
