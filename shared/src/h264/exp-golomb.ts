import { H264Error } from './errors.js';

/**
 * MSB-first bit reader over an RBSP (emulation prevention already removed, see rbsp.ts), with the
 * Exp-Golomb descriptors of H.264 9.1. Every read past the end throws
 * H264Error('H264_ERR_BITSTREAM_OVERRUN') instead of returning zeros, so a truncated SPS cannot
 * parse into plausible-looking garbage.
 */
export class BitReader {
  private readonly data: Uint8Array;
  private readonly totalBits: number;
  private pos = 0;

  constructor(data: Uint8Array) {
    this.data = data;
    this.totalBits = data.length * 8;
  }

  /** Bits not yet read. */
  bitsLeft(): number {
    return this.totalBits - this.pos;
  }

  /** u(1). */
  readBit(): number {
    if (this.pos >= this.totalBits) this.overrun(1);
    const bit = (this.data[this.pos >>> 3]! >>> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return bit;
  }

  /** u(n), 0 ≤ n ≤ 32, as a non-negative number. */
  readBits(n: number): number {
    if (!Number.isInteger(n) || n < 0 || n > 32) throw new RangeError(`readBits: n must be 0..32, got ${n}`);
    if (n > this.totalBits - this.pos) this.overrun(n);
    let value = 0;
    let left = n;
    while (left > 0) {
      const bitInByte = this.pos & 7;
      const take = Math.min(left, 8 - bitInByte);
      const byte = this.data[this.pos >>> 3]!;
      const bits = (byte >>> (8 - bitInByte - take)) & ((1 << take) - 1);
      // Multiply rather than shift: a 32-bit value would turn negative with <<.
      value = value * (1 << take) + bits;
      this.pos += take;
      left -= take;
    }
    return value;
  }

  /** Advances n bits. */
  skipBits(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`skipBits: n must be a non-negative integer, got ${n}`);
    if (n > this.totalBits - this.pos) this.overrun(n);
    this.pos += n;
  }

  /**
   * ue(v) (9.1): leadingZeroBits zeros, a 1, then leadingZeroBits bits; value 2^lz − 1 + bits.
   * More than 31 leading zeros cannot come from a valid stream (no syntax element exceeds
   * 2^32 − 2), so it throws H264_ERR_BAD_EXP_GOLOMB instead of losing precision.
   */
  readUE(): number {
    let leadingZeros = 0;
    while (this.readBit() === 0) {
      leadingZeros++;
      if (leadingZeros > 31) {
        throw new H264Error('H264_ERR_BAD_EXP_GOLOMB', `Exp-Golomb code with more than 31 leading zeros at bit ${this.pos}`);
      }
    }
    return 2 ** leadingZeros - 1 + this.readBits(leadingZeros);
  }

  /** se(v) (9.1.1): k = ue(v) maps 0, 1, 2, 3, 4… to 0, 1, −1, 2, −2… */
  readSE(): number {
    const k = this.readUE();
    // 0 - k/2 rather than -(k/2): ue 0 must give +0, not -0.
    return k % 2 === 1 ? (k + 1) / 2 : 0 - k / 2;
  }

  /**
   * more_rbsp_data() (7.2): true while there are bits left before the rbsp_stop_one_bit, i.e. the
   * last 1 bit of the RBSP (trailing zero bytes such as cabac_zero_words are skipped).
   */
  moreRbspData(): boolean {
    if (this.pos >= this.totalBits) return false;
    let last = this.data.length - 1;
    while (last >= 0 && this.data[last] === 0) last--;
    if (last < 0) return false;
    const byte = this.data[last]!;
    // Position of the lowest set bit of the last non-zero byte: the stop bit.
    let bit = 7;
    while (((byte >>> (7 - bit)) & 1) === 0) bit--;
    const stopBitPos = last * 8 + bit;
    return this.pos < stopBitPos;
  }

  private overrun(n: number): never {
    throw new H264Error(
      'H264_ERR_BITSTREAM_OVERRUN',
      `bitstream overrun: reading ${n} bit(s) at bit ${this.pos} of ${this.totalBits}`,
    );
  }
}
