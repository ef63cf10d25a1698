import { H264Error } from './errors.js';
import { NalType } from './nal-types.js';

/**
 * RFC 6381 codec string for an SPS NAL unit (header byte included): 'avc1.' + profile_idc,
 * the constraint flags byte and level_idc as two lowercase hex digits each, e.g. 'avc1.42c01e'.
 * These are the 3 bytes after the NAL header (7.3.2.1.1), which is also what an
 * AVCDecoderConfigurationRecord repeats.
 */
export function avcCodecString(sps: Uint8Array): string {
  if (sps.length < 4) throw new H264Error('H264_ERR_BAD_SPS', `SPS too short for a codec string: ${sps.length} bytes`);
  if ((sps[0]! & 0x1f) !== NalType.SPS) {
    throw new H264Error('H264_ERR_BAD_SPS', `not an SPS NAL unit (type ${sps[0]! & 0x1f})`);
  }
  return `avc1.${hex2(sps[1]!)}${hex2(sps[2]!)}${hex2(sps[3]!)}`;
}

function hex2(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
