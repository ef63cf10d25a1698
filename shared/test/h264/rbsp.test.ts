import { describe, expect, it } from 'vitest';
import { removeEmulationPrevention } from '../../src/h264/rbsp.js';
import { addEmulationPrevention } from '../support/bit-writer.js';
import { hex, toHex } from '../support/hex.js';
import { mulberry32, randomBytes } from '../support/prng.js';

describe('removeEmulationPrevention (H.264 7.4.1)', () => {
  it('returns the input itself when there is no emulation prevention byte', () => {
    const data = hex('67 42 c0 1e 03 00 03 00 00 04 00 03');
    expect(removeEmulationPrevention(data)).toBe(data);
  });

  it('drops the 0x03 of every 00 00 03', () => {
    expect(toHex(removeEmulationPrevention(hex('00 00 03 00')))).toBe('000000');
    expect(toHex(removeEmulationPrevention(hex('11 00 00 03 01 22 00 00 03 02')))).toBe('110000012200' + '0002');
    // A trailing 00 00 03 (cabac_zero_word) loses its 0x03 too.
    expect(toHex(removeEmulationPrevention(hex('65 00 00 03')))).toBe('650000');
  });

  it('matches left to right: the zeros of a match never include a removed 0x03', () => {
    // RBSP 00 00 00 00 00 is written 00 00 03 00 00 03 00.
    expect(toHex(removeEmulationPrevention(hex('00 00 03 00 00 03 00')))).toBe('0000000000');
    // 00 00 03 03: only the first 0x03 is emulation prevention.
    expect(toHex(removeEmulationPrevention(hex('00 00 03 03')))).toBe('000003');
    // 00 00 03 00 03: the second 0x03 follows only one raw zero.
    expect(toHex(removeEmulationPrevention(hex('00 00 03 00 03')))).toBe('00000003');
  });

  it('inverts emulation prevention on random data', () => {
    const rand = mulberry32(3);
    for (let i = 0; i < 200; i++) {
      // Zero-heavy data so that emulation prevention is needed often.
      const rbsp = randomBytes(rand, 64).map((b) => (b < 128 ? 0 : b & 3));
      const nal = addEmulationPrevention(rbsp);
      expect(toHex(removeEmulationPrevention(nal))).toBe(toHex(rbsp));
    }
  });
});
