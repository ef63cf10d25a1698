/**
 * Rewrites the VUI bitstream_restriction of an SPS (H.264 7.3.2.1.1, E.1.1), keeping every other
 * field bit-exact.
 *
 * Why: an SPS without bitstream_restriction leaves max_num_reorder_frames unknown, and a decoder
 * must then assume the worst (E.2.1: inferred as MaxDpbFrames), holding up to 16 decoded pictures
 * before output (shared/design/LOW-LATENCY.md, "Decoder reorder window"). A stream known to have
 * no reordering can say so with max_num_reorder_frames = 0. The 'remove' mode exists to make such
 * SPS for tests and benchmarks (x264 always writes bitstream_restriction).
 *
 * How: the SPS is walked with the reader only to find bit positions; everything before the edited
 * part is copied as raw bits, so nothing is re-encoded except bitstream_restriction itself (and,
 * when the SPS had no VUI, a VUI whose other presence flags are all 0).
 */
import { BitWriter } from './bit-writer.js';
import { addEmulationPrevention } from './rbsp.js';
import { H264Error } from './errors.js';
import { BitReader } from './exp-golomb.js';
import { NalType } from './nal-types.js';
import { removeEmulationPrevention } from './rbsp.js';

/** The bitstream_restriction fields of E.1.1, with the values E.2.1 infers when they are absent. */
export interface BitstreamRestriction {
  motionVectorsOverPicBoundaries: boolean;
  maxBytesPerPicDenom: number;
  maxBitsPerMbDenom: number;
  log2MaxMvLengthHorizontal: number;
  log2MaxMvLengthVertical: number;
  maxNumReorderFrames: number;
  maxDecFrameBuffering: number;
}

export type BitstreamRestrictionEdit =
  /**
   * Write bitstream_restriction with these values. Fields not given keep the SPS's own values if it
   * had a bitstream_restriction, else the E.2.1 inferred ones, except max_dec_frame_buffering,
   * which defaults to the smallest valid value: max(max_num_ref_frames, max_num_reorder_frames).
   */
  | { mode: 'set'; maxNumReorderFrames: number; maxDecFrameBuffering?: number }
  /** Clear bitstream_restriction_flag (the VUI itself stays). */
  | { mode: 'remove' };

/** Where the SPS fields the rewrite needs sit in the RBSP (bit offsets, header byte excluded). */
interface SpsLayout {
  rbsp: Uint8Array;
  maxNumRefFrames: number;
  /** Offset of vui_parameters_present_flag. */
  vuiFlagAt: number;
  vuiPresent: boolean;
  /** Offset of bitstream_restriction_flag (only when vuiPresent). */
  restrictionFlagAt: number;
  /** The SPS's own bitstream_restriction, or null. */
  restriction: BitstreamRestriction | null;
}

/** profile_idc values whose SPS carries chroma_format_idc and the rest (7.3.2.1.1). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** A.3.1 / Table A-1: MaxDpbFrames is at most 16, which bounds both reorder and DPB sizes. */
const MAX_DPB_FRAMES = 16;

/**
 * The SPS's bitstream_restriction (E.1.1), or null when it has none. Throws H264Error for input
 * that is not a well-formed SPS (the same checks as rewriteSpsBitstreamRestriction).
 */
export function readBitstreamRestriction(nal: Uint8Array): BitstreamRestriction | null {
  return locate(nal).restriction;
}

/**
 * Returns a new SPS NAL unit (header byte included, no start code) with bitstream_restriction
 * set or removed as `edit` says; all other fields are bit-exact copies. Removing from an SPS that
 * has none returns an unchanged copy.
 *
 * Throws H264Error ('H264_ERR_BAD_SPS', 'H264_ERR_BITSTREAM_OVERRUN', 'H264_ERR_BAD_EXP_GOLOMB')
 * for malformed input, including data after the VUI other than rbsp_trailing_bits (which a
 * rewrite would otherwise lose). RangeError for edit values outside E.2.1's ranges.
 */
export function rewriteSpsBitstreamRestriction(nal: Uint8Array, edit: BitstreamRestrictionEdit): Uint8Array {
  const layout = locate(nal);
  const w = new BitWriter();
  if (edit.mode === 'remove') {
    if (!layout.restriction) return nal.slice();
    w.copyBits(layout.rbsp, 0, layout.restrictionFlagAt).writeBit(0);
  } else {
    const restriction = restrictionFor(layout, edit);
    if (layout.vuiPresent) {
      w.copyBits(layout.rbsp, 0, layout.restrictionFlagAt);
    } else {
      // A VUI that signals nothing but bitstream_restriction (E.1.1): aspect_ratio_info,
      // overscan_info, video_signal_type, chroma_loc_info, timing_info, nal_hrd, vcl_hrd and
      // pic_struct presence flags all 0 (8 bits).
      w.copyBits(layout.rbsp, 0, layout.vuiFlagAt).writeBit(1).writeBits(8, 0);
    }
    writeRestriction(w, restriction);
  }
  w.writeTrailingBits();
  const out = addEmulationPrevention(w.finish());
  const result = new Uint8Array(out.length + 1);
  result[0] = nal[0]!;
  result.set(out, 1);
  return result;
}

function restrictionFor(layout: SpsLayout, edit: { maxNumReorderFrames: number; maxDecFrameBuffering?: number }): BitstreamRestriction {
  const reorder = edit.maxNumReorderFrames;
  if (!Number.isInteger(reorder) || reorder < 0 || reorder > MAX_DPB_FRAMES) {
    throw new RangeError(`max_num_reorder_frames must be 0..${MAX_DPB_FRAMES}, got ${reorder}`);
  }
  const dpb = edit.maxDecFrameBuffering ?? Math.max(layout.maxNumRefFrames, reorder);
  // E.2.1: max_dec_frame_buffering ≥ max_num_ref_frames and ≥ max_num_reorder_frames, ≤ MaxDpbFrames.
  if (!Number.isInteger(dpb) || dpb < Math.max(layout.maxNumRefFrames, reorder) || dpb > MAX_DPB_FRAMES) {
    throw new RangeError(
      `max_dec_frame_buffering ${dpb} must be in max(max_num_ref_frames ${layout.maxNumRefFrames}, max_num_reorder_frames ${reorder})..${MAX_DPB_FRAMES}`,
    );
  }
  // E.2.1 inferred values for the fields the SPS did not carry.
  const base: BitstreamRestriction = layout.restriction ?? {
    motionVectorsOverPicBoundaries: true,
    maxBytesPerPicDenom: 2,
    maxBitsPerMbDenom: 1,
    log2MaxMvLengthHorizontal: 15,
    log2MaxMvLengthVertical: 15,
    maxNumReorderFrames: MAX_DPB_FRAMES,
    maxDecFrameBuffering: MAX_DPB_FRAMES,
  };
  return { ...base, maxNumReorderFrames: reorder, maxDecFrameBuffering: dpb };
}

function writeRestriction(w: BitWriter, r: BitstreamRestriction): void {
  w.writeBit(1) // bitstream_restriction_flag
    .writeBit(r.motionVectorsOverPicBoundaries ? 1 : 0)
    .writeUE(r.maxBytesPerPicDenom)
    .writeUE(r.maxBitsPerMbDenom)
    .writeUE(r.log2MaxMvLengthHorizontal)
    .writeUE(r.log2MaxMvLengthVertical)
    .writeUE(r.maxNumReorderFrames)
    .writeUE(r.maxDecFrameBuffering);
}

/** Walks seq_parameter_set_data() (7.3.2.1.1) and vui_parameters() (E.1.1), noting positions. */
function locate(nal: Uint8Array): SpsLayout {
  const header = nal[0];
  if (header === undefined || (header & 0x1f) !== NalType.SPS) {
    throw new H264Error('H264_ERR_BAD_SPS', `not an SPS NAL unit (type ${header === undefined ? 'none' : header & 0x1f})`);
  }
  const rbsp = removeEmulationPrevention(nal.subarray(1));
  const r = new BitReader(rbsp);
  const at = (): number => rbsp.length * 8 - r.bitsLeft();

  const profileIdc = r.readBits(8);
  r.skipBits(16); // constraint_set flags + reserved_zero_2bits, level_idc
  check('seq_parameter_set_id', r.readUE(), 0, 31);
  if (HIGH_PROFILES.has(profileIdc)) {
    const chromaFormatIdc = check('chroma_format_idc', r.readUE(), 0, 3);
    if (chromaFormatIdc === 3) r.skipBits(1); // separate_colour_plane_flag
    check('bit_depth_luma_minus8', r.readUE(), 0, 6);
    check('bit_depth_chroma_minus8', r.readUE(), 0, 6);
    r.skipBits(1); // qpprime_y_zero_transform_bypass_flag
    if (r.readBit()) {
      // seq_scaling_matrix_present_flag: 6 4x4 lists, then 2 (6 for 4:4:4) 8x8 lists.
      const lists = chromaFormatIdc !== 3 ? 8 : 12;
      for (let i = 0; i < lists; i++) if (r.readBit()) skipScalingList(r, i < 6 ? 16 : 64);
    }
  }
  check('log2_max_frame_num_minus4', r.readUE(), 0, 12);
  const pocType = check('pic_order_cnt_type', r.readUE(), 0, 2);
  if (pocType === 0) {
    check('log2_max_pic_order_cnt_lsb_minus4', r.readUE(), 0, 12);
  } else if (pocType === 1) {
    r.skipBits(1); // delta_pic_order_always_zero_flag
    r.readSE(); // offset_for_non_ref_pic
    r.readSE(); // offset_for_top_to_bottom_field
    const cycle = check('num_ref_frames_in_pic_order_cnt_cycle', r.readUE(), 0, 255);
    for (let i = 0; i < cycle; i++) r.readSE();
  }
  const maxNumRefFrames = check('max_num_ref_frames', r.readUE(), 0, MAX_DPB_FRAMES);
  r.skipBits(1); // gaps_in_frame_num_value_allowed_flag
  r.readUE(); // pic_width_in_mbs_minus1
  r.readUE(); // pic_height_in_map_units_minus1
  if (!r.readBit()) r.skipBits(1); // frame_mbs_only_flag → mb_adaptive_frame_field_flag
  r.skipBits(1); // direct_8x8_inference_flag
  if (r.readBit()) {
    // frame_cropping_flag: left, right, top, bottom offsets
    for (let i = 0; i < 4; i++) r.readUE();
  }

  const vuiFlagAt = at();
  const vuiPresent = r.readBit() === 1;
  let restrictionFlagAt = -1;
  let restriction: BitstreamRestriction | null = null;
  if (vuiPresent) {
    skipVuiUpToRestriction(r);
    restrictionFlagAt = at();
    if (r.readBit()) {
      restriction = {
        motionVectorsOverPicBoundaries: r.readBit() === 1,
        maxBytesPerPicDenom: check('max_bytes_per_pic_denom', r.readUE(), 0, 16),
        maxBitsPerMbDenom: check('max_bits_per_mb_denom', r.readUE(), 0, 16),
        log2MaxMvLengthHorizontal: check('log2_max_mv_length_horizontal', r.readUE(), 0, 16),
        log2MaxMvLengthVertical: check('log2_max_mv_length_vertical', r.readUE(), 0, 16),
        maxNumReorderFrames: check('max_num_reorder_frames', r.readUE(), 0, MAX_DPB_FRAMES),
        maxDecFrameBuffering: check('max_dec_frame_buffering', r.readUE(), 0, MAX_DPB_FRAMES),
      };
    }
  }
  checkTrailingBits(r, rbsp, at());
  return { rbsp, maxNumRefFrames, vuiFlagAt, vuiPresent, restrictionFlagAt, restriction };
}

/** vui_parameters() (E.1.1) up to, not including, bitstream_restriction_flag. */
function skipVuiUpToRestriction(r: BitReader): void {
  if (r.readBit()) {
    // aspect_ratio_info_present_flag: aspect_ratio_idc, and sar_width/sar_height for Extended_SAR
    if (r.readBits(8) === 255) r.skipBits(32);
  }
  if (r.readBit()) r.skipBits(1); // overscan_info_present_flag → overscan_appropriate_flag
  if (r.readBit()) {
    // video_signal_type_present_flag: video_format u(3), video_full_range_flag u(1)
    r.skipBits(4);
    if (r.readBit()) r.skipBits(24); // colour_description_present_flag → three u(8)
  }
  if (r.readBit()) {
    // chroma_loc_info_present_flag
    r.readUE();
    r.readUE();
  }
  if (r.readBit()) r.skipBits(65); // timing_info_present_flag → num_units_in_tick, time_scale, fixed_frame_rate_flag
  const nalHrd = r.readBit() === 1;
  if (nalHrd) skipHrdParameters(r);
  const vclHrd = r.readBit() === 1;
  if (vclHrd) skipHrdParameters(r);
  if (nalHrd || vclHrd) r.skipBits(1); // low_delay_hrd_flag
  r.skipBits(1); // pic_struct_present_flag
}

/** hrd_parameters() (E.1.2). */
function skipHrdParameters(r: BitReader): void {
  const cpbCount = check('cpb_cnt_minus1', r.readUE(), 0, 31) + 1;
  r.skipBits(8); // bit_rate_scale, cpb_size_scale
  for (let i = 0; i < cpbCount; i++) {
    r.readUE(); // bit_rate_value_minus1
    r.readUE(); // cpb_size_value_minus1
    r.skipBits(1); // cbr_flag
  }
  r.skipBits(20); // four u(5) delay/offset lengths
}

/** scaling_list() (7.3.2.1.1.1), read only to get past it. */
function skipScalingList(r: BitReader, size: number): void {
  let lastScale = 8;
  let nextScale = 8;
  for (let j = 0; j < size; j++) {
    if (nextScale !== 0) nextScale = (lastScale + check('delta_scale', r.readSE(), -128, 127) + 256) % 256;
    lastScale = nextScale === 0 ? lastScale : nextScale;
  }
}

/**
 * After the last SPS syntax element only rbsp_trailing_bits (7.3.2.11) may follow: a 1, then
 * zeros. Anything else (an SPS extension this walk does not know, or garbage) would be dropped by
 * a rewrite, so it is refused.
 */
function checkTrailingBits(r: BitReader, rbsp: Uint8Array, pos: number): void {
  if (r.bitsLeft() === 0 || r.readBit() !== 1) {
    throw new H264Error('H264_ERR_BAD_SPS', `no rbsp_stop_one_bit at bit ${pos} of the SPS`);
  }
  for (let i = pos + 1; i < rbsp.length * 8; i++) {
    if ((rbsp[i >>> 3]! >>> (7 - (i & 7))) & 1) {
      throw new H264Error('H264_ERR_BAD_SPS', `unexpected data after the SPS syntax (bit ${i})`);
    }
  }
}

function check(name: string, value: number, min: number, max: number): number {
  if (value < min || value > max) throw new H264Error('H264_ERR_BAD_SPS', `${name} = ${value} is outside ${min}..${max}`);
  return value;
}
