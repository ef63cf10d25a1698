/**
 * Fmp4Remuxer: one access unit (a decoded WS media frame) in, one fMP4 fragment (moof+mdat) out,
 * plus a new init segment (ftyp+moov) whenever the SPS/PPS bytes change.
 *
 * Pure and synchronous: it runs in the remux worker and, as the fallback, on the main thread.
 * The boxes come from the shared fMP4 writer (@framewire/shared/fmp4: mux.js's "direct path",
 * shared/design/MUXJS.md "Recommended use"), the same one the server's LL-HLS packager uses.
 * NalByteStream/H264Stream/VideoSegmentStream would hold back a frame or need AUDs (MUXJS.md
 * gotchas 1–4).
 *
 * Timestamps stay in exact 90 kHz ticks end to end (mux.js hard-codes the 90 kHz timescale in
 * mdhd). Nothing is rounded to milliseconds: jmuxer's 33 ms durations make its media clock run
 * fast and stall (LOW-LATENCY.md, technique 6).
 */
import { avcVideoTrack, writeInitSegment, writeMediaFragment, type Fmp4VideoTrack } from '@framewire/shared/fmp4';
import { summarizeSps, type CodecSummary } from './describe-codec.js';
import { NoReorderSignal, type FrameView, type NoReorderDecision } from './no-reorder-signal.js';
import { MediaFlags, TIMESCALE, avcCodecString, parseSps, splitAvcc, withRecoveryFrameCntZero, type MediaFrame } from '@framewire/shared';

/** H.264 Table 7-1 nal_unit_type values the remuxer looks at. */
const NAL_IDR = 5;
const NAL_SPS = 7;
const NAL_PPS = 8;
const NAL_AUD = 9;
const NAL_SEI = 6;

/** The parts of a media frame the remuxer needs (a decoded `MediaFrame` fits). */
export type RemuxInput = Pick<MediaFrame, 'flags' | 'sequence' | 'dts' | 'pts' | 'duration' | 'captureTimeMs' | 'payload'>;

export interface InitSegment {
  /** ftyp+moov. */
  data: ArrayBuffer;
  /** RFC 6381 codec string from the SPS, e.g. "avc1.42c00d". */
  codec: string;
  /** Cropped picture size from the SPS. */
  width: number;
  height: number;
  /** Human description and playback risks from the SPS (describe-codec.ts), for error messages. */
  summary: CodecSummary;
  /** Whether the avcC SPS was rewritten to max_num_reorder_frames = 0 (no-reorder-signal.ts). */
  noReorder: NoReorderDecision;
}

export interface RemuxResult {
  /** Present on the first fragment and whenever SPS/PPS change: append it before `fragment`. */
  init?: InitSegment;
  /** moof+mdat with exactly one sample. */
  fragment: ArrayBuffer;
  /** Media-frame sequence number (from the WS header). */
  sequence: number;
  /** Presentation time of the sample on the MSE timeline, seconds (what rVFC reports as mediaTime). */
  mediaTime: number;
  /** Decode time on the MSE timeline, 90 kHz ticks (the tfdt). */
  decodeTime: number;
  /** Sample duration written, 90 kHz ticks (> 0). */
  duration: number;
  key: boolean;
  /** Capture wall-clock time from the header, ms since the epoch. */
  captureTimeMs: number;
}

/** Why a frame produced no fragment. */
export type RemuxSkipReason = 'waiting-for-keyframe' | 'empty';

export interface RemuxerOptions {
  /** Duration used for the very first frame when the header carries none. Default 30 fps. */
  fallbackFrameDuration?: number;
  /** A forward dts jump larger than this (ticks) is treated as a discontinuity. Default 10 s. */
  maxForwardJump?: number;
  /**
   * Signal max_num_reorder_frames = 0 in the avcC SPS when the stream's SPS has no
   * bitstream_restriction and the stream shows no reordering (no-reorder-signal.ts). Default false.
   */
  signalNoReorder?: boolean;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a || !b || a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Copies a view into its own ArrayBuffer so it can go into a transfer list on its own. */
function ownBuffer(view: Uint8Array): ArrayBuffer {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer) {
    return view.buffer;
  }
  return view.slice().buffer as ArrayBuffer;
}

export class Fmp4Remuxer {
  private readonly fallbackDuration: number;
  private readonly maxForwardJump: number;
  private readonly noReorder: NoReorderSignal;
  /** The stream's own SPS/PPS (compared with in-band ones; the avcC SPS may be a rewrite of it). */
  private sps: Uint8Array | undefined;
  private pps: Uint8Array | undefined;
  private track: Fmp4VideoTrack | undefined;
  private codec = '';
  private sequenceNumber = 1;
  /** Source dts that maps to MSE time `timelineBase`. */
  private dtsOrigin: number | undefined;
  private timelineBase = 0;
  /** End (decode time + duration) of the last fragment, ticks on the MSE timeline. */
  private lastEnd = 0;
  /** Duration of the last fragment (ticks); a larger forward gap is closed (see mapDts). */
  private lastDuration = Infinity;
  private lastDts: number | undefined;
  private lastDelta = 0;
  private rebasePending = false;
  private needKeyFrame = true;

  constructor(options: RemuxerOptions = {}) {
    this.fallbackDuration = options.fallbackFrameDuration ?? TIMESCALE / 30;
    this.maxForwardJump = options.maxForwardJump ?? 10 * TIMESCALE;
    this.noReorder = new NoReorderSignal(options.signalNoReorder ?? false);
  }

  /**
   * Makes the next frame continue the MSE timeline where the last fragment ended (used after a
   * reconnect: the server's dts jumped forward by the outage, or restarted from 0). The next
   * frame must be a key frame.
   */
  discontinuity(): void {
    this.rebasePending = true;
    this.needKeyFrame = true;
  }

  /** Forget everything: next frame starts a new timeline at 0 and a new init segment. */
  reset(): void {
    this.sps = this.pps = this.track = undefined;
    this.codec = '';
    this.dtsOrigin = this.lastDts = undefined;
    this.timelineBase = this.lastEnd = this.lastDelta = 0;
    this.lastDuration = Infinity;
    this.rebasePending = false;
    this.needKeyFrame = true;
    this.noReorder.reset();
  }

  /** Remuxes one access unit. Returns a skip reason when the frame cannot be used (yet). */
  push(frame: RemuxInput): RemuxResult | RemuxSkipReason {
    const nalus = splitAvcc(frame.payload);
    let sps: Uint8Array | undefined;
    let pps: Uint8Array | undefined;
    let key = (frame.flags & MediaFlags.KEY) !== 0;
    const kept: Uint8Array[] = [];
    for (const nal of nalus) {
      const type = (nal[0] ?? 0) & 0x1f;
      if (type === NAL_SPS) sps ??= nal;
      else if (type === NAL_PPS) pps ??= nal;
      else if (type !== NAL_AUD) {
        // mdat carries slices and SEI; parameter sets live in avcC (ISO 14496-15 5.3.3), AUDs are not needed.
        if (type === NAL_IDR) key = true;
        // A key frame without an IDR is an intra refresh recovery point (H.264 D.2.8). Chromium
        // takes keyframe-ness from the bitstream and accepts a recovery point only with
        // recovery_frame_cnt 0, so the sync sample gets that count (see withRecoveryFrameCntZero).
        kept.push(type === NAL_SEI && (frame.flags & MediaFlags.KEY) !== 0 ? withRecoveryFrameCntZero(nal) : nal);
      }
    }
    if (kept.length === 0) return 'empty';

    // Skip before looking at parameter sets: an init segment built for a skipped frame would be
    // lost, and the next key frame (same SPS bytes) would not build it again.
    if (this.needKeyFrame && !key) return 'waiting-for-keyframe';
    let init: InitSegment | undefined;
    const view: FrameView = { pts: frame.pts, dts: frame.dts, nalus: kept };
    if (sps && pps && (!sameBytes(sps, this.sps) || !sameBytes(pps, this.pps))) {
      if (!sameBytes(sps, this.sps)) this.noReorder.start(sps, view);
      init = this.buildInit(sps, pps);
    } else if (this.sps && this.pps && this.noReorder.observe(view, key)) {
      // The avcC SPS changes (rewrite after a clean GOP, or back to the stream's own on reordering).
      init = this.buildInit(this.sps, this.pps);
    }
    if (!this.track) return 'waiting-for-keyframe'; // a key frame, but no parameter sets seen yet
    this.needKeyFrame = false;

    const decodeTime = this.mapDts(frame);
    let duration = frame.duration > 0 ? frame.duration : this.lastDelta > 0 ? this.lastDelta : this.fallbackDuration;
    duration = Math.max(1, Math.round(duration));
    const cto = Math.max(0, Math.round(frame.pts - frame.dts)); // trun v0: unsigned (MUXJS.md gotcha 9)

    const fragment = writeMediaFragment(this.track, this.sequenceNumber++, decodeTime, [
      { nalus: kept, duration, compositionOffset: cto, key },
    ]);

    this.lastEnd = decodeTime + duration;
    this.lastDuration = duration;
    const result: RemuxResult = {
      fragment: ownBuffer(fragment),
      sequence: frame.sequence,
      mediaTime: (decodeTime + cto) / TIMESCALE,
      decodeTime,
      duration,
      key,
      captureTimeMs: frame.captureTimeMs,
    };
    if (init) result.init = init;
    return result;
  }

  private buildInit(sps: Uint8Array, pps: Uint8Array): InitSegment {
    const info = parseSps(sps);
    const spsCopy = sps.slice();
    const ppsCopy = pps.slice();
    const track = avcVideoTrack(spsCopy, ppsCopy, { avccSps: this.noReorder.avccSps(spsCopy) });
    const data = writeInitSegment(track);
    this.sps = spsCopy;
    this.pps = ppsCopy;
    this.track = track;
    this.codec = avcCodecString(spsCopy);
    return {
      data: ownBuffer(data),
      codec: this.codec,
      width: info.width,
      height: info.height,
      summary: summarizeSps(info, this.codec),
      noReorder: this.noReorder.decision,
    };
  }

  /** Source dts → decode time on the MSE timeline (ticks), keeping the timeline continuous. */
  private mapDts(frame: RemuxInput): number {
    const dts = frame.dts;
    if (this.dtsOrigin === undefined) {
      this.dtsOrigin = dts;
      this.timelineBase = 0;
    } else {
      const expected = dts - this.dtsOrigin + this.timelineBase;
      const jumped =
        (frame.flags & MediaFlags.DISCONTINUITY) !== 0 ||
        this.rebasePending ||
        expected < this.lastEnd - 1 || // backwards: source restarted
        // Forward gap larger than the last sample: MSE's coded frame processing (dts delta > 2 x
        // last frame duration) flags a discontinuity and drops every frame up to the next key
        // frame. A raw stdin source whose reads stalled gets such gaps from arrival timestamps.
        expected - this.lastEnd > this.lastDuration ||
        expected - this.lastEnd > this.maxForwardJump;
      if (jumped) {
        this.dtsOrigin = dts;
        this.timelineBase = this.lastEnd;
        this.lastDts = undefined;
      }
    }
    this.rebasePending = false;
    if (this.lastDts !== undefined && dts > this.lastDts) this.lastDelta = dts - this.lastDts;
    this.lastDts = dts;
    return Math.round(dts - this.dtsOrigin + this.timelineBase);
  }
}
