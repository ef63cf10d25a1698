import { describe, expect, it } from 'vitest';
import { splitNalUnits, toAnnexB } from '../../src/h264/annexb.js';
import { FIXTURES, readFixture } from '../support/fixtures.js';
import { hex, toHex } from '../support/hex.js';
import { mulberry32, randomBytes } from '../support/prng.js';
import { referenceSplit } from '../support/reference-split.js';

describe('splitNalUnits', () => {
  it('splits on 3- and 4-byte start codes and strips the zero_byte of the next 4-byte start code', () => {
    const buf = hex(`
      00 00 00 01 67 42 c0 1e
      00 00 01 68 ce 3c 80
      00 00 00 01 65 88 84 00 03 01
      00 00 01 41 9a`);
    expect(splitNalUnits(buf).map(toHex)).toEqual(['6742c01e', '68ce3c80', '6588840003' + '01', '419a']);
  });

  it('discards bytes before the first start code and trailing_zero_8bits (B.2)', () => {
    const buf = hex('ff 12 00 00 00 00 00 01 09 f0 00 00 00 00 00 01 65 88 00 00 00');
    expect(splitNalUnits(buf).map(toHex)).toEqual(['09f0', '6588']);
  });

  it('returns views into the input, not copies', () => {
    const buf = hex('00 00 01 65 88 00 00 01 41 9a');
    const [first, second] = splitNalUnits(buf);
    expect(first!.buffer).toBe(buf.buffer);
    expect(first!.byteOffset).toBe(3);
    expect(second!.byteOffset).toBe(8);
  });

  it('skips empty NAL units and returns [] without a start code', () => {
    expect(splitNalUnits(hex('00 00 01 00 00 01 00 00 00 01 09 f0')).map(toHex)).toEqual(['09f0']);
    expect(splitNalUnits(hex('65 88 84 00 00'))).toEqual([]);
    expect(splitNalUnits(new Uint8Array(0))).toEqual([]);
    expect(splitNalUnits(hex('00 00 01'))).toEqual([]);
  });

  it('finds every NAL unit of a real clip', () => {
    const nalus = splitNalUnits(readFixture(FIXTURES.aud));
    // 60 access units, each led by an AUD.
    expect(nalus.filter((n) => (n[0]! & 0x1f) === 9)).toHaveLength(60);
    expect(nalus.every((n) => n.length > 0 && n[n.length - 1] !== 0)).toBe(true);
  });

  it('agrees with a naive byte-at-a-time splitter on every fixture and on zero-heavy random data', () => {
    for (const name of Object.values(FIXTURES)) {
      const clip = readFixture(name);
      expect(splitNalUnits(clip).map(toHex), name).toEqual(referenceSplit(clip).map(toHex));
    }
    const rand = mulberry32(17);
    for (let i = 0; i < 300; i++) {
      // Bytes drawn from {0, 1, 2, 3, x}: start codes, near-misses and long zero runs everywhere.
      const data = randomBytes(rand, 1 + (i % 97) * 7).map((b) => (b < 200 ? b % 4 : b));
      expect(splitNalUnits(data).map(toHex), `sample ${i}`).toEqual(referenceSplit(data).map(toHex));
    }
  });
});

describe('toAnnexB', () => {
  it('writes 4-byte start codes and round-trips through splitNalUnits', () => {
    const nalus = [hex('67 42 c0 1e'), hex('68 ce'), hex('65 88 84 00 03 01')];
    const out = toAnnexB(nalus);
    expect(toHex(out)).toBe('000000016742c01e0000000168ce00000001658884000301');
    expect(splitNalUnits(out).map(toHex)).toEqual(nalus.map(toHex));
  });

  it('round-trips a real clip byte for byte (libx264 writes 4-byte start codes only before the first NAL of a picture)', () => {
    const clip = readFixture(FIXTURES.noaud);
    const nalus = splitNalUnits(clip);
    expect(splitNalUnits(toAnnexB(nalus)).map(toHex)).toEqual(nalus.map(toHex));
  });
});
