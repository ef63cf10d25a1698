import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitNalUnits } from '../../src/h264/annexb.js';
import { fromLengthPrefixed, parseAvcDecoderConfigurationRecord, toLengthPrefixed } from '../../src/h264/avcc.js';
import { FIXTURES, FIXTURES_DIR, ffmpeg, makeTempDir, readFile, readFixture } from '../support/fixtures.js';
import { concat, hex, toHex } from '../support/hex.js';
import { h264ErrorCode } from '../support/h264-error.js';


describe('length-prefixed NAL units (ISO 14496-15 5.3.3)', () => {
  it('writes 4-byte big-endian lengths and reads them back as views', () => {
    const nalus = [hex('09 f0'), hex('65 88 84 00 03 01'), hex('41')];
    const buf = toLengthPrefixed(nalus);
    expect(toHex(buf)).toBe('0000000209f0' + '00000006658884000301' + '0000000141');
    const back = fromLengthPrefixed(buf);
    expect(back.map(toHex)).toEqual(nalus.map(toHex));
    expect(back[1]!.buffer).toBe(buf.buffer);
    expect(back[1]!.byteOffset).toBe(10);
  });

  it('reads 1-, 2- and 3-byte lengths, skipping zero-length entries', () => {
    expect(fromLengthPrefixed(hex('02 09 f0 00 01 41'), 1).map(toHex)).toEqual(['09f0', '41']);
    expect(fromLengthPrefixed(hex('00 02 09 f0 00 00 00 01 41'), 2).map(toHex)).toEqual(['09f0', '41']);
    expect(fromLengthPrefixed(hex('00 00 02 09 f0'), 3).map(toHex)).toEqual(['09f0']);
    expect(fromLengthPrefixed(new Uint8Array(0))).toEqual([]);
  });

  it('round-trips a whole clip', () => {
    const nalus = splitNalUnits(readFixture(FIXTURES.demo));
    expect(fromLengthPrefixed(toLengthPrefixed(nalus)).map(toHex)).toEqual(nalus.map(toHex));
  });

  it('throws H264_ERR_BAD_AVCC when a length or its field overruns the buffer', () => {
    expect(h264ErrorCode(() => fromLengthPrefixed(hex('00 00 00 05 09 f0')))).toBe('H264_ERR_BAD_AVCC');
    expect(h264ErrorCode(() => fromLengthPrefixed(hex('00 00 00 02 09 f0 00 00')))).toBe('H264_ERR_BAD_AVCC');
    expect(h264ErrorCode(() => fromLengthPrefixed(hex('ff ff ff ff 00')))).toBe('H264_ERR_BAD_AVCC');
    expect(h264ErrorCode(() => fromLengthPrefixed(hex('03 09 f0'), 1))).toBe('H264_ERR_BAD_AVCC');
  });

  it('rejects length sizes other than 1..4 with H264_ERR_UNSUPPORTED', () => {
    expect(h264ErrorCode(() => fromLengthPrefixed(hex('00'), 0))).toBe('H264_ERR_UNSUPPORTED');
    expect(h264ErrorCode(() => fromLengthPrefixed(hex('00'), 8))).toBe('H264_ERR_UNSUPPORTED');
  });
});

describe('parseAvcDecoderConfigurationRecord (ISO 14496-15 5.3.3.1)', () => {
  const SPS = hex('67 42 c0 0d da 05 07 ec 04 40 00 00 03 00 40 00 00 0f 23 c5 0a a8');
  const PPS = hex('68 ce 0f c8');
  const record = concat(
    hex('01 42 c0 0d ff e1 00 16'),
    SPS,
    hex('01 00 04'),
    PPS,
  );

  it('parses a hand-built record', () => {
    const parsed = parseAvcDecoderConfigurationRecord(record);
    expect(parsed).toMatchObject({ profileIdc: 0x42, profileCompatibility: 0xc0, levelIdc: 0x0d, lengthSize: 4 });
    expect(parsed.sps.map(toHex)).toEqual([toHex(SPS)]);
    expect(parsed.pps.map(toHex)).toEqual([toHex(PPS)]);
    expect(parsed.sps[0]!.buffer).toBe(record.buffer);
  });

  it('parses the avcC box ffmpeg writes for a fixture', () => {
    const tmp = makeTempDir();
    try {
      const file = join(tmp.dir, 'clip.mp4');
      ffmpeg(['-i', join(FIXTURES_DIR, FIXTURES.demo), '-c', 'copy', '-frames:v', '1', '-f', 'mp4', file]);
      const mp4 = readFile(file);
      const at = Buffer.from(mp4.buffer, mp4.byteOffset, mp4.byteLength).indexOf('avcC') - 4;
      const size = new DataView(mp4.buffer, mp4.byteOffset + at).getUint32(0);
      const parsed = parseAvcDecoderConfigurationRecord(mp4.subarray(at + 8, at + size));
      const nalus = splitNalUnits(readFixture(FIXTURES.demo));
      expect(parsed).toMatchObject({ profileIdc: 77, profileCompatibility: 0x40, levelIdc: 31, lengthSize: 4 });
      expect(parsed.sps.map(toHex)).toEqual([toHex(nalus[0]!)]);
      expect(parsed.pps.map(toHex)).toEqual([toHex(nalus[1]!)]);
    } finally {
      tmp.cleanup();
    }
  });

  it('reads lengthSizeMinusOne and tolerates zeroed reserved bits', () => {
    const short = record.slice();
    short[4] = 0x01; // reserved bits 0, lengthSizeMinusOne 1
    short[5] = 0x01;
    expect(parseAvcDecoderConfigurationRecord(short).lengthSize).toBe(2);
  });

  it('throws H264_ERR_BAD_AVCC on a malformed record', () => {
    const bad = (bytes: Uint8Array): string | undefined => h264ErrorCode(() => parseAvcDecoderConfigurationRecord(bytes));
    expect(bad(hex('01 42 c0'))).toBe('H264_ERR_BAD_AVCC');
    expect(bad(concat(hex('02'), record.subarray(1)))).toBe('H264_ERR_BAD_AVCC'); // configurationVersion
    for (let length = 7; length < record.length; length++) {
      expect(bad(record.subarray(0, length)), `truncated to ${length}`).toBe('H264_ERR_BAD_AVCC');
    }
    const wrongType = record.slice();
    wrongType[8] = 0x68; // the "SPS" is a PPS
    expect(bad(wrongType)).toBe('H264_ERR_BAD_AVCC');
    expect(bad(hex('01 42 c0 0d ff e1 00 00 00'))).toBe('H264_ERR_BAD_AVCC'); // empty SPS
  });
});
