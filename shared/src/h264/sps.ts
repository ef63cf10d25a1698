import { H264Error } from './errors.js';
import { BitReader } from './exp-golomb.js';
import { NalType } from './nal-types.js';
import { removeEmulationPrevention } from './rbsp.js';

/** What Framewire needs from a sequence parameter set (H.264 7.3.2.1.1, 7.4.2.1.1, Annex E). Plain data. */
export interface SpsInfo {
  profileIdc: number;
  /** constraint_set0..5_flag + reserved_zero_2bits: the byte between profile_idc and level_idc. */
  constraintFlags: number;
  levelIdc: number;
  spsId: number;
  /** 0 = monochrome, 1 = 4:2:0, 2 = 4:2:2, 3 = 4:4:4 (1 when absent, i.e. non-High profiles). */
  chromaFormatIdc: number;
  bitDepthLuma: number;
  bitDepthChroma: number;
  frameMbsOnly: boolean;
  /** separate_colour_plane_flag (4:4:4 coded as three planes): slice headers carry colour_plane_id. */
  separateColourPlane: boolean;
  /** log2_max_frame_num_minus4 + 4: bits of frame_num in a slice header. */
  log2MaxFrameNum: number;
  /** pic_order_cnt_type (8.2.1): 0 = POC lsb in every slice header, 1 = derived from frame_num and offsets, 2 = decode order. */
  picOrderCntType: number;
  /** log2_max_pic_order_cnt_lsb_minus4 + 4 (type 0 only, else 0). */
  log2MaxPocLsb: number;
  /** delta_pic_order_always_zero_flag (type 1 only). */
  deltaPicOrderAlwaysZero: boolean;
  /** Decoded picture size in luma samples, whole macroblocks. */
  codedWidth: number;
  codedHeight: number;
  /** Output size after the frame cropping rectangle (7.4.2.1.1 CropUnitX / CropUnitY). */
  width: number;
  height: number;
  /** Sample aspect ratio from the VUI (Table E-1), or null if absent or unspecified. */
  sar: [number, number] | null;
  /** time_scale / (2 * num_units_in_tick) when timing_info_present_flag (E.2.1: one frame is two field ticks). */
  fps: number | null;
  fixedFrameRate: boolean;
  hasBitstreamRestriction: boolean;
  maxNumReorderFrames: number | null;
  maxDecFrameBuffering: number | null;
}

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

/** Where fields sit in the SPS's RBSP (bit offsets, header byte excluded), for sps-vui-rewrite.ts. */
export interface SpsBitLayout {
  rbsp: Uint8Array;
  maxNumRefFrames: number;
  /** Offset of vui_parameters_present_flag. */
  vuiFlagAt: number;
  vuiPresent: boolean;
  /** Offset of bitstream_restriction_flag (-1 without a VUI). */
  restrictionFlagAt: number;
  /** The SPS's own bitstream_restriction, or null; values as read, not range-checked. */
  restriction: BitstreamRestriction | null;
  /** Offset just past the last syntax element: rbsp_trailing_bits start here. */
  endAt: number;
}

/** profile_idc values whose SPS carries chroma_format_idc, bit depths and scaling lists (7.3.2.1.1). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Table E-1: aspect_ratio_idc 1..16 → sample aspect ratio. 255 = Extended_SAR (explicit). */
const SAR_TABLE: ReadonlyArray<readonly [number, number]> = [
  [0, 0], [1, 1], [12, 11], [10, 11], [16, 11], [40, 33], [24, 11], [20, 11], [32, 11],
  [80, 33], [18, 11], [15, 11], [64, 33], [160, 99], [4, 3], [3, 2], [2, 1],
];
const EXTENDED_SAR = 255;

/**
 * A.3.1 f/g: PicWidthInMbs and FrameHeightInMbs are at most Sqrt(MaxFS * 8); the largest MaxFS
 * (level 6.2, Table A-1) is 139264, so no conforming stream exceeds 1055 macroblocks (16880 samples).
 * Checked so garbage cannot claim a 2^32-wide picture.
 */
const MAX_DIMENSION_MBS = 1055;

/**
 * Parses an SPS NAL unit (header byte included, no start code).
 *
 * Throws H264Error: 'H264_ERR_BAD_SPS' if it is not an SPS or a field is out of range,
 * 'H264_ERR_BITSTREAM_OVERRUN' if it is truncated, 'H264_ERR_BAD_EXP_GOLOMB' for an impossible code.
 */
export function parseSps(nal: Uint8Array): SpsInfo {
  return parseSpsLayout(nal).info;
}

/** parseSps, plus where the VUI and its bitstream_restriction sit (same errors). */
export function parseSpsLayout(nal: Uint8Array): { info: SpsInfo; layout: SpsBitLayout } {
  const header = nal[0];
  if (header === undefined || (header & 0x1f) !== NalType.SPS) {
    throw new H264Error('H264_ERR_BAD_SPS', `not an SPS NAL unit (type ${header === undefined ? 'none' : header & 0x1f})`);
  }
  const rbsp = removeEmulationPrevention(nal.subarray(1));
  const r = new BitReader(rbsp);
  const at = (): number => rbsp.length * 8 - r.bitsLeft();

  const profileIdc = r.readBits(8);
  const constraintFlags = r.readBits(8);
  const levelIdc = r.readBits(8);
  const spsId = checkRange('seq_parameter_set_id', r.readUE(), 0, 31);

  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepthLuma = 8;
  let bitDepthChroma = 8;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = checkRange('chroma_format_idc', r.readUE(), 0, 3);
    if (chromaFormatIdc === 3) separateColourPlane = r.readBit() === 1;
    bitDepthLuma = 8 + checkRange('bit_depth_luma_minus8', r.readUE(), 0, 6);
    bitDepthChroma = 8 + checkRange('bit_depth_chroma_minus8', r.readUE(), 0, 6);
    r.skipBits(1); // qpprime_y_zero_transform_bypass_flag
    if (r.readBit()) {
      // seq_scaling_matrix_present_flag: 6 4x4 lists, then 2 (or 6 for 4:4:4) 8x8 lists.
      const lists = chromaFormatIdc !== 3 ? 8 : 12;
      for (let i = 0; i < lists; i++) {
        if (r.readBit()) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }

  const log2MaxFrameNum = checkRange('log2_max_frame_num_minus4', r.readUE(), 0, 12) + 4;
  const picOrderCntType = checkRange('pic_order_cnt_type', r.readUE(), 0, 2);
  let log2MaxPocLsb = 0;
  let deltaPicOrderAlwaysZero = false;
  if (picOrderCntType === 0) {
    log2MaxPocLsb = checkRange('log2_max_pic_order_cnt_lsb_minus4', r.readUE(), 0, 12) + 4;
  } else if (picOrderCntType === 1) {
    deltaPicOrderAlwaysZero = r.readBit() === 1;
    r.readSE(); // offset_for_non_ref_pic
    r.readSE(); // offset_for_top_to_bottom_field
    const cycle = checkRange('num_ref_frames_in_pic_order_cnt_cycle', r.readUE(), 0, 255);
    for (let i = 0; i < cycle; i++) r.readSE(); // offset_for_ref_frame[i]
  }
  const maxNumRefFrames = r.readUE();
  r.skipBits(1); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = checkRange('pic_width_in_mbs_minus1', r.readUE(), 0, MAX_DIMENSION_MBS - 1) + 1;
  const heightMapUnits = checkRange('pic_height_in_map_units_minus1', r.readUE(), 0, MAX_DIMENSION_MBS - 1) + 1;
  const frameMbsOnly = r.readBit() === 1;
  if (!frameMbsOnly) r.skipBits(1); // mb_adaptive_frame_field_flag
  r.skipBits(1); // direct_8x8_inference_flag

  // 7.4.2.1.1: FrameHeightInMbs = (2 − frame_mbs_only_flag) * PicHeightInMapUnits; A.3.1 limits
  // FrameHeightInMbs, not the map units (an interlaced SPS could otherwise claim twice the height).
  const frameHeightMbs = (frameMbsOnly ? 1 : 2) * heightMapUnits;
  if (frameHeightMbs > MAX_DIMENSION_MBS) {
    throw new H264Error('H264_ERR_BAD_SPS', `FrameHeightInMbs ${frameHeightMbs} is above ${MAX_DIMENSION_MBS} (A.3.1)`);
  }
  const codedWidth = widthMbs * 16;
  const codedHeight = frameHeightMbs * 16;
  let width = codedWidth;
  let height = codedHeight;
  if (r.readBit()) {
    // frame_cropping_flag: offsets are in CropUnitX / CropUnitY (equations 7-19..7-22).
    const left = r.readUE();
    const right = r.readUE();
    const top = r.readUE();
    const bottom = r.readUE();
    const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
    const subWidthC = chromaFormatIdc === 3 ? 1 : 2;
    const subHeightC = chromaFormatIdc === 1 ? 2 : 1;
    const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
    const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (frameMbsOnly ? 1 : 2);
    width = codedWidth - cropUnitX * (left + right);
    height = codedHeight - cropUnitY * (top + bottom);
    if (width <= 0 || height <= 0) {
      throw new H264Error('H264_ERR_BAD_SPS', `frame cropping leaves ${width}x${height} of ${codedWidth}x${codedHeight}`);
    }
  }

  const info: SpsInfo = {
    profileIdc,
    constraintFlags,
    levelIdc,
    spsId,
    chromaFormatIdc,
    bitDepthLuma,
    bitDepthChroma,
    frameMbsOnly,
    separateColourPlane,
    log2MaxFrameNum,
    picOrderCntType,
    log2MaxPocLsb,
    deltaPicOrderAlwaysZero,
    codedWidth,
    codedHeight,
    width,
    height,
    sar: null,
    fps: null,
    fixedFrameRate: false,
    hasBitstreamRestriction: false,
    maxNumReorderFrames: null,
    maxDecFrameBuffering: null,
  };
  const layout: SpsBitLayout = { rbsp, maxNumRefFrames, vuiFlagAt: at(), vuiPresent: false, restrictionFlagAt: -1, restriction: null, endAt: 0 };
  layout.vuiPresent = r.readBit() === 1;
  if (layout.vuiPresent) {
    parseVuiBeforeRestriction(r, info);
    layout.restrictionFlagAt = at();
    if (r.readBit()) {
      const restriction: BitstreamRestriction = {
        motionVectorsOverPicBoundaries: r.readBit() === 1,
        maxBytesPerPicDenom: r.readUE(),
        maxBitsPerMbDenom: r.readUE(),
        log2MaxMvLengthHorizontal: r.readUE(),
        log2MaxMvLengthVertical: r.readUE(),
        maxNumReorderFrames: r.readUE(),
        maxDecFrameBuffering: r.readUE(),
      };
      layout.restriction = restriction;
      info.hasBitstreamRestriction = true;
      info.maxNumReorderFrames = restriction.maxNumReorderFrames;
      info.maxDecFrameBuffering = restriction.maxDecFrameBuffering;
    }
  }
  layout.endAt = at();
  return { info, layout };
}

/** scaling_list() (7.3.2.1.1.1), read only to get past it: Framewire never dequantizes. */
function skipScalingList(r: BitReader, size: number): void {
  let lastScale = 8;
  let nextScale = 8;
  for (let j = 0; j < size; j++) {
    if (nextScale !== 0) {
      const delta = checkRange('delta_scale', r.readSE(), -128, 127);
      nextScale = (lastScale + delta + 256) % 256;
    }
    lastScale = nextScale === 0 ? lastScale : nextScale;
  }
}

/** vui_parameters() (E.1.1) up to, not including, bitstream_restriction_flag, filling the SpsInfo fields it carries. */
function parseVuiBeforeRestriction(r: BitReader, info: SpsInfo): void {
  if (r.readBit()) {
    // aspect_ratio_info_present_flag
    const idc = r.readBits(8);
    if (idc === EXTENDED_SAR) {
      const w = r.readBits(16);
      const h = r.readBits(16);
      // E.2.1: 0 in either means unspecified.
      if (w > 0 && h > 0) info.sar = [w, h];
    } else {
      const sar = SAR_TABLE[idc];
      // 0 is "Unspecified" and 17..254 are reserved: no SAR.
      if (sar && idc > 0) info.sar = [sar[0], sar[1]];
    }
  }
  if (r.readBit()) r.skipBits(1); // overscan_info_present_flag → overscan_appropriate_flag
  if (r.readBit()) {
    // video_signal_type_present_flag: video_format u(3), video_full_range_flag u(1)
    r.skipBits(4);
    if (r.readBit()) r.skipBits(24); // colour_primaries, transfer_characteristics, matrix_coefficients
  }
  if (r.readBit()) {
    // chroma_loc_info_present_flag
    r.readUE(); // chroma_sample_loc_type_top_field
    r.readUE(); // chroma_sample_loc_type_bottom_field
  }
  if (r.readBit()) {
    // timing_info_present_flag
    const numUnitsInTick = r.readBits(32);
    const timeScale = r.readBits(32);
    info.fixedFrameRate = r.readBit() === 1;
    // E.2.1: both shall be > 0; treat 0 as "no timing" rather than dividing by it.
    if (numUnitsInTick > 0 && timeScale > 0) info.fps = timeScale / (2 * numUnitsInTick);
  }
  const nalHrd = r.readBit() === 1;
  if (nalHrd) skipHrdParameters(r);
  const vclHrd = r.readBit() === 1;
  if (vclHrd) skipHrdParameters(r);
  if (nalHrd || vclHrd) r.skipBits(1); // low_delay_hrd_flag
  r.skipBits(1); // pic_struct_present_flag
}

/** hrd_parameters() (E.1.2). */
function skipHrdParameters(r: BitReader): void {
  const cpbCount = checkRange('cpb_cnt_minus1', r.readUE(), 0, 31) + 1;
  r.skipBits(8); // bit_rate_scale u(4), cpb_size_scale u(4)
  for (let i = 0; i < cpbCount; i++) {
    r.readUE(); // bit_rate_value_minus1
    r.readUE(); // cpb_size_value_minus1
    r.skipBits(1); // cbr_flag
  }
  // initial_cpb_removal_delay_length_minus1, cpb_removal_delay_length_minus1,
  // dpb_output_delay_length_minus1, time_offset_length: u(5) each.
  r.skipBits(20);
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (value < min || value > max) {
    throw new H264Error('H264_ERR_BAD_SPS', `${name} = ${value} is outside ${min}..${max}`);
  }
  return value;
}
