/** MSB-first bit writer with Exp-Golomb codes (H.264 9.1), for building test RBSPs field by field. */
export class BitWriter {
  private readonly bits: number[] = [];

  u(n: number, value: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(value / 2 ** i) % 2);
    return this;
  }

  flag(value: boolean | number): this {
    return this.u(1, value ? 1 : 0);
  }

  ue(value: number): this {
    const code = value + 1;
    const length = Math.floor(Math.log2(code));
    this.u(length, 0);
    return this.u(length + 1, code);
  }

  se(value: number): this {
    return this.ue(value > 0 ? 2 * value - 1 : -2 * value);
  }

  /** rbsp_trailing_bits(): stop bit, then zeros to the byte boundary (7.3.2.11). */
  trailing(): this {
    this.bits.push(1);
    while (this.bits.length % 8 !== 0) this.bits.push(0);
    return this;
  }

  get bitLength(): number {
    return this.bits.length;
  }

  /** The bits so far, zero-padded to whole bytes. */
  bytes(): Uint8Array {
    const out = new Uint8Array(Math.ceil(this.bits.length / 8));
    this.bits.forEach((bit, i) => {
      if (bit) out[i >> 3]! |= 0x80 >> (i & 7);
    });
    return out;
  }
}

/** The production RBSP → NAL payload step, for tests that build NAL units field by field. */
export { addEmulationPrevention } from '../../src/h264/rbsp.js';
