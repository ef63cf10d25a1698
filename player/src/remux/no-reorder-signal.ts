/**
 * NoReorderSignal: decides whether the avcC SPS may carry max_num_reorder_frames = 0.
 *
 * An SPS without VUI bitstream_restriction lets a decoder assume a full reorder window (E.2.1
 * infers max_num_reorder_frames = MaxDpbFrames), i.e. hold pictures back before output; Chrome's
 * hardware decoder does (shared/design/LOW-LATENCY.md, "Decoder reorder window"). Its software
 * (FFmpeg) decoder does not: measured neutral (player/README.md, "Decoder reorder window"). The
 * decoder behind MSE only sees the avcC SPS (the remuxer strips in-band parameter sets from mdat),
 * so rewriting that one SPS is enough.
 *
 * Signalling 0 for a stream that does reorder would make a decoder output pictures before the
 * ones that precede them in display order, so the rewrite happens only when the SPS has no
 * bitstream_restriction (else the encoder already said what it does) and
 *   - the profile cannot reorder (Baseline: no B slices, A.2.1; the Intra profiles: no inter
 *     prediction, A.2.8–A.2.11): from the first init on ('profile'); or
 *   - for the other profiles, a whole GOP showed no reordering: no B slice and pts = dts in every
 *     frame (a B-frame stream shows both within its first few frames). The stream's own SPS goes
 *     into the first init ('pending'); the rewritten one into a new init just before the next key
 *     frame ('watching'). Not in the middle of a GOP: after an init segment MSE sets "need random
 *     access point" and drops every frame up to the next key frame (MSE "Initialization segment
 *     received" algorithm).
 * Any sign of reordering makes the decision 'off' for the rest of the stream; if the rewritten SPS
 * is in use at that moment ('watching'), the stream's own SPS goes back into a new init at once.
 */
import { BitReader, H264Error, readBitstreamRestriction, removeEmulationPrevention, rewriteSpsBitstreamRestriction } from '@framewire/shared';

/** Table 7-1: slices whose header starts with first_mb_in_slice, slice_type (7.3.3). */
const NAL_SLICE = 1;
const NAL_SLICE_A = 2;
const NAL_IDR = 5;
/** Table 7-6: slice_type % 5 === 1 is a B slice. */
const SLICE_B = 1;

/** The first bytes of a slice hold first_mb_in_slice (≤ 35 bits) and slice_type (≤ 9 bits). */
const SLICE_TYPE_PREFIX_BYTES = 12;

export type NoReorderDecision =
  /** The avcC has the stream's SPS, for good (disabled, restriction present, or reordering seen). */
  | 'off'
  /** The avcC has the rewritten SPS; the profile cannot reorder, nothing to watch. */
  | 'profile'
  /** The avcC has the stream's SPS; a rewrite follows at the first key frame after a clean GOP. */
  | 'pending'
  /** The avcC has the rewritten SPS, after a clean GOP; revoked at the first reordered frame. */
  | 'watching';

/** Fewest frames seen without reordering before the rewrite ('pending' → 'watching'). */
const MIN_CLEAN_FRAMES = 8;

export interface FrameView {
  pts: number;
  dts: number;
  /** The frame's NAL units (no start codes / length prefixes). */
  nalus: readonly Uint8Array[];
}

/** slice_type % 5 of a slice NAL unit; null for other NAL types or an unreadable header. */
export function sliceTypeOf(nal: Uint8Array): number | null {
  const type = (nal[0] ?? 0) & 0x1f;
  if (type !== NAL_SLICE && type !== NAL_SLICE_A && type !== NAL_IDR) return null;
  try {
    const r = new BitReader(removeEmulationPrevention(nal.subarray(1, 1 + SLICE_TYPE_PREFIX_BYTES)));
    r.readUE(); // first_mb_in_slice
    return r.readUE() % 5;
  } catch (err) {
    if (err instanceof H264Error) return null;
    throw err;
  }
}

/** slice_type % 5 of the first slice in `nalus`, or null. */
export function firstSliceType(nalus: readonly Uint8Array[]): number | null {
  for (const nal of nalus) {
    const t = sliceTypeOf(nal);
    if (t !== null) return t;
  }
  return null;
}

/**
 * A frame that shows reordering: a composition offset, or a B slice anywhere in the picture (a
 * picture may mix slice types, 7.4.3).
 */
function reorders(frame: FrameView): boolean {
  return Math.round(frame.pts - frame.dts) !== 0 || frame.nalus.some((n) => sliceTypeOf(n) === SLICE_B);
}

/** Profiles whose streams cannot reorder pictures (A.2). */
function profileCannotReorder(sps: Uint8Array): boolean {
  const profileIdc = sps[1] ?? 0;
  const constraintSet3 = ((sps[2] ?? 0) & 0x10) !== 0;
  if (profileIdc === 66) return true; // Baseline / Constrained Baseline: I and P slices only (A.2.1, A.2.1.1)
  if (profileIdc === 44) return true; // CAVLC 4:4:4 Intra (A.2.11)
  // High 10 / 4:2:2 / 4:4:4 Intra are these profiles with constraint_set3_flag = 1 (A.2.8–A.2.10).
  return constraintSet3 && (profileIdc === 110 || profileIdc === 122 || profileIdc === 244);
}

export class NoReorderSignal {
  private state: NoReorderDecision = 'off';
  /** The stream reordered once: it keeps its own SPS from then on, whatever later frames look like. */
  private revoked = false;
  private cleanFrames = 0;

  constructor(private readonly enabled: boolean) {}

  get decision(): NoReorderDecision {
    return this.state;
  }

  /** Forget the stream (a new one starts with the next SPS). */
  reset(): void {
    this.state = 'off';
    this.revoked = false;
    this.cleanFrames = 0;
  }

  /**
   * A new SPS starts at key frame `frame`: decides the first state. Throws H264Error if the SPS
   * is malformed (the caller's parseSps throws first for most of those).
   */
  start(sps: Uint8Array, frame: FrameView): void {
    this.cleanFrames = 0;
    if (!this.enabled || this.revoked || readBitstreamRestriction(sps) !== null) this.state = 'off';
    else if (profileCannotReorder(sps)) this.state = 'profile';
    else if (reorders(frame)) this.revoke();
    else this.state = 'pending';
  }

  /** The SPS to put in the avcC now: `sps` itself, or its rewrite with max_num_reorder_frames = 0. */
  avccSps(sps: Uint8Array): Uint8Array {
    if (this.state !== 'profile' && this.state !== 'watching') return sps;
    return rewriteSpsBitstreamRestriction(sps, { mode: 'set', maxNumReorderFrames: 0 });
  }

  /**
   * Called for every frame that did not start a new SPS. True when the avcC SPS must change
   * before this frame: the caller builds a new init with avccSps().
   */
  observe(frame: FrameView, key: boolean): boolean {
    if (this.state !== 'pending' && this.state !== 'watching') return false;
    if (reorders(frame)) {
      const wasRewritten = this.state === 'watching';
      this.revoke();
      return wasRewritten;
    }
    if (this.state === 'pending' && key && this.cleanFrames >= MIN_CLEAN_FRAMES) {
      this.state = 'watching';
      return true;
    }
    this.cleanFrames++;
    return false;
  }

  private revoke(): void {
    this.state = 'off';
    this.revoked = true;
  }
}
