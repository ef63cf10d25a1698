import { H264Error } from './errors.js';
import { BitReader } from './exp-golomb.js';
import { NalType } from './nal-types.js';
import type { PpsHeader } from './pps.js';
import { removeEmulationPrevention } from './rbsp.js';
import type { SpsInfo } from './sps.js';

/** The slice header fields (H.264 7.3.3) up to the picture order count ones. Plain data. */
export interface SliceOrderFields {
  /** slice_type % 5: 0 P, 1 B, 2 I, 3 SP, 4 SI (Table 7-6). */
  sliceType: number;
  ppsId: number;
  frameNum: number;
  /** field_pic_flag: the slice belongs to one field of an interlaced frame. */
  fieldPic: boolean;
  bottomField: boolean;
  /** pic_order_cnt_lsb (pic_order_cnt_type 0). */
  pocLsb: number;
  /** delta_pic_order_cnt_bottom (type 0) — 0 when absent. */
  deltaPocBottom: number;
  /** delta_pic_order_cnt[0], [1] (type 1) — 0 when absent. */
  deltaPoc0: number;
  deltaPoc1: number;
}

/** The first bytes of a slice NAL unit hold every field read here, even for large log2 sizes. */
const HEADER_PREFIX_BYTES = 48;

/** pic_parameter_set_id of a slice (type 1 or 5), so the caller can look up its PPS and SPS. */
export function slicePpsId(nal: Uint8Array): number {
  const r = new BitReader(removeEmulationPrevention(nal.subarray(1, 16)));
  r.readUE(); // first_mb_in_slice
  r.readUE(); // slice_type
  return r.readUE();
}

/**
 * Reads slice_header() up to delta_pic_order_cnt[1] from a coded slice (nal_unit_type 1 or 5).
 * Throws H264Error when the data is truncated or a field is out of range.
 */
export function parseSliceOrderFields(nal: Uint8Array, sps: SpsInfo, pps: PpsHeader): SliceOrderFields {
  const type = (nal[0] ?? 0) & 0x1f;
  if (type !== NalType.SLICE && type !== NalType.IDR) {
    throw new H264Error('H264_ERR_BAD_SLICE', `not a coded slice (nal_unit_type ${type})`);
  }
  const r = new BitReader(removeEmulationPrevention(nal.subarray(1, 1 + HEADER_PREFIX_BYTES)));
  r.readUE(); // first_mb_in_slice
  const rawSliceType = r.readUE();
  if (rawSliceType > 9) throw new H264Error('H264_ERR_BAD_SLICE', `slice_type ${rawSliceType} is outside 0..9`);
  const ppsId = r.readUE();
  if (ppsId !== pps.ppsId) throw new H264Error('H264_ERR_BAD_SLICE', `slice refers to PPS ${ppsId}, given ${pps.ppsId}`);
  if (sps.separateColourPlane) r.skipBits(2); // colour_plane_id
  const frameNum = r.readBits(sps.log2MaxFrameNum);
  let fieldPic = false;
  let bottomField = false;
  if (!sps.frameMbsOnly) {
    fieldPic = r.readBit() === 1;
    if (fieldPic) bottomField = r.readBit() === 1;
  }
  if (type === NalType.IDR) r.readUE(); // idr_pic_id
  let pocLsb = 0;
  let deltaPocBottom = 0;
  let deltaPoc0 = 0;
  let deltaPoc1 = 0;
  if (sps.picOrderCntType === 0) {
    pocLsb = r.readBits(sps.log2MaxPocLsb);
    if (pps.bottomFieldPicOrderInFramePresent && !fieldPic) deltaPocBottom = r.readSE();
  } else if (sps.picOrderCntType === 1 && !sps.deltaPicOrderAlwaysZero) {
    deltaPoc0 = r.readSE();
    if (pps.bottomFieldPicOrderInFramePresent && !fieldPic) deltaPoc1 = r.readSE();
  }
  return { sliceType: rawSliceType % 5, ppsId, frameNum, fieldPic, bottomField, pocLsb, deltaPocBottom, deltaPoc0, deltaPoc1 };
}
