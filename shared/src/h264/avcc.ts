import { H264Error } from './errors.js';
import { NalType } from './nal-types.js';

/** NAL units → AVCC sample data: each NAL unit behind a 4-byte big-endian length (ISO 14496-15 5.3.3). */
export function toLengthPrefixed(nalus: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const nal of nalus) total += 4 + nal.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const nal of nalus) {
    view.setUint32(offset, nal.length);
    out.set(nal, offset + 4);
    offset += 4 + nal.length;
  }
  return out;
}

/**
 * AVCC sample data → NAL unit views into `buf` (no copies). `lengthSize` is
 * lengthSizeMinusOne + 1 from the decoder configuration record: 1, 2 or 4 (3 is accepted too).
 * Zero-length entries are skipped. Throws H264Error('H264_ERR_BAD_AVCC') when a length overruns.
 */
export function fromLengthPrefixed(buf: Uint8Array, lengthSize = 4): Uint8Array[] {
  if (!Number.isInteger(lengthSize) || lengthSize < 1 || lengthSize > 4) {
    throw new H264Error('H264_ERR_UNSUPPORTED', `NAL length size ${lengthSize} (must be 1..4 bytes)`);
  }
  const out: Uint8Array[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (offset + lengthSize > buf.length) {
      throw new H264Error('H264_ERR_BAD_AVCC', `truncated NAL length at byte ${offset} of ${buf.length}`);
    }
    let size = 0;
    for (let i = 0; i < lengthSize; i++) size = size * 256 + buf[offset + i]!;
    offset += lengthSize;
    if (size > buf.length - offset) {
      throw new H264Error('H264_ERR_BAD_AVCC', `NAL length ${size} at byte ${offset - lengthSize} overruns ${buf.length}-byte buffer`);
    }
    if (size > 0) out.push(buf.subarray(offset, offset + size));
    offset += size;
  }
  return out;
}

/** AVCDecoderConfigurationRecord (ISO 14496-15 5.3.3.1), as carried by an avcC box or an FLV AVC sequence header. */
export interface AvcDecoderConfigurationRecord {
  profileIdc: number;
  profileCompatibility: number;
  levelIdc: number;
  /** Bytes in each NAL unit length field of the samples: lengthSizeMinusOne + 1. */
  lengthSize: number;
  /** SPS NAL units (header byte included), views into the input. */
  sps: Uint8Array[];
  /** PPS NAL units (header byte included), views into the input. */
  pps: Uint8Array[];
}

/**
 * Parses an AVCDecoderConfigurationRecord. The optional High-profile extension after the PPS list
 * (chroma_format, bit depths, SPS extensions) is ignored: the SPS carries the same information.
 * Reserved bits are not checked (some muxers write them as zeros). Throws H264Error('H264_ERR_BAD_AVCC').
 */
export function parseAvcDecoderConfigurationRecord(buf: Uint8Array): AvcDecoderConfigurationRecord {
  if (buf.length < 7) throw new H264Error('H264_ERR_BAD_AVCC', `AVCDecoderConfigurationRecord too short: ${buf.length} bytes`);
  const version = buf[0]!;
  if (version !== 1) throw new H264Error('H264_ERR_BAD_AVCC', `configurationVersion ${version}, expected 1`);
  const profileIdc = buf[1]!;
  const profileCompatibility = buf[2]!;
  const levelIdc = buf[3]!;
  // reserved '111111'b + lengthSizeMinusOne u(2)
  const lengthSize = (buf[4]! & 0x03) + 1;
  // reserved '111'b + numOfSequenceParameterSets u(5)
  const numSps = buf[5]! & 0x1f;
  let offset = 6;

  const readList = (count: number, type: number, name: string): Uint8Array[] => {
    const list: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      if (offset + 2 > buf.length) throw new H264Error('H264_ERR_BAD_AVCC', `truncated ${name} length`);
      const size = (buf[offset]! << 8) | buf[offset + 1]!;
      offset += 2;
      if (size === 0 || offset + size > buf.length) {
        throw new H264Error('H264_ERR_BAD_AVCC', `${name} length ${size} overruns the record`);
      }
      const nal = buf.subarray(offset, offset + size);
      if ((nal[0]! & 0x1f) !== type) {
        throw new H264Error('H264_ERR_BAD_AVCC', `${name} entry has nal_unit_type ${nal[0]! & 0x1f}`);
      }
      list.push(nal);
      offset += size;
    }
    return list;
  };

  const sps = readList(numSps, NalType.SPS, 'SPS');
  if (offset + 1 > buf.length) throw new H264Error('H264_ERR_BAD_AVCC', 'truncated numOfPictureParameterSets');
  const numPps = buf[offset]!;
  offset += 1;
  const pps = readList(numPps, NalType.PPS, 'PPS');
  return { profileIdc, profileCompatibility, levelIdc, lengthSize, sps, pps };
}
