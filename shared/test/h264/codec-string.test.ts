import { describe, expect, it } from 'vitest';
import { splitNalUnits } from '../../src/h264/annexb.js';
import { avcCodecString } from '../../src/h264/codec-string.js';
import { H264Error } from '../../src/h264/errors.js';
import { FIXTURES, readFixture } from '../support/fixtures.js';
import { hex } from '../support/hex.js';

describe('avcCodecString (RFC 6381)', () => {
  it('formats profile_idc, constraint flags and level_idc as lowercase hex', () => {
    expect(avcCodecString(hex('67 42 c0 1e da'))).toBe('avc1.42c01e');
    expect(avcCodecString(hex('67 64 00 0a'))).toBe('avc1.64000a');
    expect(avcCodecString(hex('27 4d 40 1f'))).toBe('avc1.4d401f'); // nal_ref_idc does not matter
  });

  it('gives the codec strings of the fixtures', () => {
    const first = (name: string): Uint8Array => splitNalUnits(readFixture(name)).find((n) => (n[0]! & 0x1f) === 7)!;
    expect(avcCodecString(first(FIXTURES.aud))).toBe('avc1.42c00d');
    expect(avcCodecString(first(FIXTURES.demo))).toBe('avc1.4d401f');
  });

  it('throws H264_ERR_BAD_SPS when too short or not an SPS', () => {
    for (const bad of [hex('67 42 c0'), new Uint8Array(0), hex('68 42 c0 1e')]) {
      expect(() => avcCodecString(bad)).toThrow(H264Error);
      try {
        avcCodecString(bad);
      } catch (err) {
        expect((err as H264Error).code).toBe('H264_ERR_BAD_SPS');
      }
    }
  });
});
