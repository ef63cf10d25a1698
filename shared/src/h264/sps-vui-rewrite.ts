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
 * How: parseSpsLayout (sps.ts) gives the bit positions; everything before the edited
 * part is copied as raw bits, so nothing is re-encoded except bitstream_restriction itself (and,
 * when the SPS had no VUI, a VUI whose other presence flags are all 0).
 */
import { BitWriter } from './bit-writer.js';
import { H264Error } from './errors.js';
import { addEmulationPrevention } from './rbsp.js';
import { parseSpsLayout, type BitstreamRestriction, type SpsBitLayout } from './sps.js';

export type BitstreamRestrictionEdit =
  /**
   * Write bitstream_restriction with these values. Fields not given keep the SPS's own values if it
   * had a bitstream_restriction, else the E.2.1 inferred ones, except max_dec_frame_buffering,
   * which defaults to the smallest valid value: max(max_num_ref_frames, max_num_reorder_frames).
   */
  | { mode: 'set'; maxNumReorderFrames: number; maxDecFrameBuffering?: number }
  /** Clear bitstream_restriction_flag (the VUI itself stays). */
  | { mode: 'remove' };

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

function restrictionFor(layout: SpsBitLayout, edit: { maxNumReorderFrames: number; maxDecFrameBuffering?: number }): BitstreamRestriction {
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

/**
 * The SPS's layout from parseSpsLayout (sps.ts walks 7.3.2.1.1 and E.1.1), with the stricter
 * checks a rewrite needs: E.2.1's ranges on the fields it copies, and nothing after the syntax
 * but rbsp_trailing_bits.
 */
function locate(nal: Uint8Array): SpsBitLayout {
  const { layout } = parseSpsLayout(nal);
  check('max_num_ref_frames', layout.maxNumRefFrames, 0, MAX_DPB_FRAMES);
  const restriction = layout.restriction;
  if (restriction) {
    check('max_bytes_per_pic_denom', restriction.maxBytesPerPicDenom, 0, 16);
    check('max_bits_per_mb_denom', restriction.maxBitsPerMbDenom, 0, 16);
    check('log2_max_mv_length_horizontal', restriction.log2MaxMvLengthHorizontal, 0, 16);
    check('log2_max_mv_length_vertical', restriction.log2MaxMvLengthVertical, 0, 16);
    check('max_num_reorder_frames', restriction.maxNumReorderFrames, 0, MAX_DPB_FRAMES);
    check('max_dec_frame_buffering', restriction.maxDecFrameBuffering, 0, MAX_DPB_FRAMES);
  }
  checkTrailingBits(layout.rbsp, layout.endAt);
  return layout;
}

/**
 * After the last SPS syntax element only rbsp_trailing_bits (7.3.2.11) may follow: a 1, then
 * zeros. Anything else (an SPS extension this walk does not know, or garbage) would be dropped by
 * a rewrite, so it is refused.
 */
function checkTrailingBits(rbsp: Uint8Array, pos: number): void {
  if (pos >= rbsp.length * 8 || ((rbsp[pos >>> 3]! >>> (7 - (pos & 7))) & 1) !== 1) {
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
