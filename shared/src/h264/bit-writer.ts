/**
 * MSB-first bit writer for building an RBSP (the inverse of BitReader in exp-golomb.ts). Used to
 * rewrite parameter sets; rbsp.ts addEmulationPrevention turns the result into a NAL payload.
 */

export class BitWriter {
  private bytes = new Uint8Array(64);
  private bitPos = 0;

  /** Bits written so far. */
  get bitLength(): number {
    return this.bitPos;
  }

  /** u(1). */
  writeBit(bit: number): this {
    this.reserve(1);
    if (bit) this.bytes[this.bitPos >>> 3]! |= 0x80 >>> (this.bitPos & 7);
    this.bitPos++;
    return this;
  }

  /** u(n), 0 ≤ n ≤ 32, value an integer in 0..2^n − 1. */
  writeBits(n: number, value: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 32) throw new RangeError(`writeBits: n must be 0..32, got ${n}`);
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** n) {
      throw new RangeError(`writeBits: ${value} does not fit in ${n} bit(s)`);
    }
    // Division rather than >>: a 32-bit value would go negative with shifts.
    for (let i = n - 1; i >= 0; i--) this.writeBit(Math.floor(value / 2 ** i) % 2);
    return this;
  }

  /** ue(v) (9.1): codeNum + 1 in binary, preceded by one fewer zeros than it has bits. */
  writeUE(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 2 ** 32 - 2) throw new RangeError(`writeUE: ${value} is not a ue(v) value`);
    const code = value + 1;
    const bits = Math.floor(Math.log2(code)) + 1;
    this.writeBits(bits - 1, 0);
    return this.writeBits(bits, code);
  }

  /** se(v) (9.1.1, Table 9-3): k > 0 → 2k − 1, k ≤ 0 → −2k. */
  writeSE(value: number): this {
    return this.writeUE(value > 0 ? 2 * value - 1 : -2 * value);
  }

  /** Copies bits [fromBit, toBit) of `src` (MSB first) verbatim. */
  copyBits(src: Uint8Array, fromBit: number, toBit: number): this {
    if (fromBit < 0 || toBit > src.length * 8 || fromBit > toBit) {
      throw new RangeError(`copyBits: [${fromBit}, ${toBit}) is outside ${src.length * 8} bits`);
    }
    this.reserve(toBit - fromBit);
    for (let i = fromBit; i < toBit; i++) this.writeBit((src[i >>> 3]! >>> (7 - (i & 7))) & 1);
    return this;
  }

  /** rbsp_trailing_bits() (7.3.2.11): rbsp_stop_one_bit, then zero bits to the byte boundary. */
  writeTrailingBits(): this {
    this.writeBit(1);
    while (this.bitPos & 7) this.writeBit(0);
    return this;
  }

  /** The bytes written so far (a final partial byte is zero-padded). */
  finish(): Uint8Array {
    return this.bytes.slice(0, (this.bitPos + 7) >>> 3);
  }

  private reserve(bits: number): void {
    const needed = (this.bitPos + bits + 7) >>> 3;
    if (needed <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    grown.set(this.bytes);
    this.bytes = grown;
  }
}
