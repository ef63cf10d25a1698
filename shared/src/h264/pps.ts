import { H264Error } from './errors.js';
import { BitReader } from './exp-golomb.js';
import { NalType } from './nal-types.js';
import { removeEmulationPrevention } from './rbsp.js';

/** The start of a picture parameter set (H.264 7.3.2.2): what a slice header parse needs. */
export interface PpsHeader {
  ppsId: number;
  spsId: number;
  /** bottom_field_pic_order_in_frame_present_flag: slice headers carry delta_pic_order_cnt_bottom / [1]. */
  bottomFieldPicOrderInFramePresent: boolean;
}

/** Parses the first fields of a PPS NAL unit (header byte included). Throws H264Error on bad input. */
export function parsePpsHeader(nal: Uint8Array): PpsHeader {
  const header = nal[0];
  if (header === undefined || (header & 0x1f) !== NalType.PPS) {
    throw new H264Error('H264_ERR_BAD_PPS', `not a PPS NAL unit (type ${header === undefined ? 'none' : header & 0x1f})`);
  }
  // Only the first bytes are needed: unescape a bounded prefix, not a PPS with large scaling lists.
  const r = new BitReader(removeEmulationPrevention(nal.subarray(1, 17)));
  const ppsId = r.readUE();
  const spsId = r.readUE();
  // 7.4.2.2: pic_parameter_set_id 0..255, seq_parameter_set_id 0..31.
  if (ppsId > 255 || spsId > 31) throw new H264Error('H264_ERR_BAD_PPS', `PPS ids out of range (pps ${ppsId}, sps ${spsId})`);
  r.skipBits(1); // entropy_coding_mode_flag
  const bottomFieldPicOrderInFramePresent = r.readBit() === 1;
  return { ppsId, spsId, bottomFieldPicOrderInFramePresent };
}
