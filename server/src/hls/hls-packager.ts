/**
 * HlsPackager: one stream's access units → CMAF parts and segments for LL-HLS, in a PartStore.
 * It is a Stream subscriber like a WebSocket viewer: it gets the same encoded frames, in the
 * same tick, and decodes the wire header (shared media-frame codec) for dts/pts, capture time
 * and the AVCC access unit.
 *
 * Cutting (RFC 8216bis numbers):
 * - A part closes on the frame that fills it: after a frame is added, if one more frame of the
 *   expected duration would make the part longer than PART-TARGET, the part is written now.
 *   No timer: the last frame of a part is published the moment it arrives, with its duration
 *   taken from the frame interval estimate (the next frame is not known yet).
 * - PART-TARGET is a whole number of frames nearest to `partTargetMs` (6 at 30 fps), plus 2 %
 *   for timestamp jitter, so parts are ≤ PART-TARGET and ≥ 85 % of it (4.4.4.9).
 * - A segment ends at the first key frame once it is `segmentTargetMs` long, so every segment
 *   starts with an independent frame (what a player starts and seeks at). A GOP longer than the
 *   target makes a longer segment, not a cut between key frames; only past MAX_SEGMENT_TICKS is a
 *   segment cut at any frame, to bound memory for streams that (almost) never send a key frame.
 *   The first segment of a run ends at its second key frame, to be listed complete sooner.
 * - A new SPS/PPS (at a key frame) gets a new init segment, and its first segment an
 *   EXT-X-DISCONTINUITY (6.2.1: a change in encoding parameters). A source restart with the same
 *   parameters only ends the segment: the decode timeline continues (decode-timeline.ts).
 */
import {
  decodeMediaFrame,
  H264Error,
  MediaFlags,
  NalType,
  splitAvcc,
  TIMESCALE,
  withRecoveryFrameCntZero,
  type CodecMessage,
  type MediaFrame,
  type StatusMessage,
} from '@framewire/shared';
import { avcVideoTrack, writeInitSegment, writeMediaFragment, type Fmp4Sample, type Fmp4VideoTrack } from '@framewire/shared/fmp4';
import type { Logger } from 'pino';
import { describeError, errorCode } from '../errors.js';
import type { EncodedFrame } from '../pipeline/gop-cache.js';
import type { StreamSubscriber } from '../pipeline/stream.js';
import { bytesEqual } from '../utils/bytes.js';
import { LogOnce } from '../utils/log-once.js';
import { DecodeTimeline } from './decode-timeline.js';
import type { PartStore } from './part-store.js';

/** Past this a segment is cut even without a key frame (memory bound; see the header). */
export const MAX_SEGMENT_TICKS = 20 * TIMESCALE;
/** Duration assumed for a frame whose header carries none, before any delta is known (30 fps). */
const FALLBACK_FRAME_TICKS = TIMESCALE / 30;
/** Headroom of PART-TARGET over the nominal whole-frame part duration (timestamp jitter). */
const PART_TARGET_SLACK = 1.02;

export interface HlsPackagerOptions {
  store: PartStore;
  logger: Logger;
  /** Nominal part duration, ms (rounded to whole frames). */
  partTargetMs: number;
  /** A segment ends at the first key frame after this long, ms. */
  segmentTargetMs: number;
  /** Init segments are numbered from here. */
  firstInitId: number;
  now?: () => number;
}

interface PendingSample {
  nalus: Uint8Array[];
  decodeTime: number;
  compositionOffset: number;
  key: boolean;
  estimate: number;
}

export class HlsPackager implements StreamSubscriber {
  readonly store: PartStore;
  /** The packager takes every frame (StreamSubscriber: counted in /api/streams droppedFrames). */
  readonly droppedFrames = 0;
  /** Always attached, whoever watches: not a viewer (Stream leaves it out of viewer counts). */
  readonly internal = true;
  private readonly logger: Logger;
  private readonly once: LogOnce;
  private readonly partTargetMs: number;
  private readonly segmentTargetTicks: number;
  private readonly timeline = new DecodeTimeline();
  private track: Fmp4VideoTrack | null = null;
  private sps: Uint8Array | null = null;
  private pps: Uint8Array | null = null;
  private initId = -1;
  private nextInitIdValue: number;
  private fragmentSequence = 1;
  private needKey = true;
  private pendingDiscontinuity = false;
  /** PART-TARGET in ticks, fixed by the first frame. */
  private partLimit: number | null = null;
  private pending: PendingSample[] = [];
  /** Decode time of the open segment's first sample. */
  private segmentStart: number | null = null;
  private lastDts: number | null = null;
  private lastDelta = 0;
  /** The stream ended: its next run starts a fresh window. */
  private resetOnResume = false;
  /** When the stream stopped being live (restart, publisher gone, error), wall clock ms. */
  private pausedAtMs: number | null = null;
  private readonly now: () => number;
  framesIn = 0;

  constructor(options: HlsPackagerOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.once = new LogOnce(this.logger);
    this.partTargetMs = options.partTargetMs;
    this.segmentTargetTicks = (options.segmentTargetMs * TIMESCALE) / 1000;
    this.nextInitIdValue = options.firstInitId;
    this.now = options.now ?? Date.now;
  }

  /** The init id a later packager of the same stream continues from. */
  get nextInitId(): number {
    return this.nextInitIdValue;
  }

  // StreamSubscriber ---------------------------------------------------------------------------

  onFrame(encoded: EncodedFrame): void {
    try {
      this.push(decodeMediaFrame(encoded.bytes));
    } catch (err) {
      // A frame that cannot be packaged: resume at the next key frame, keep what was published.
      this.needKey = true;
      this.pending = [];
      this.once.warn(`hls:${errorCode(err)}`, { err: describeError(err) }, 'HLS packager dropped an access unit');
    }
  }

  onCodec(_message: CodecMessage): void {
    // Parameter sets arrive in-band with every key frame (Stream inserts them); an init segment
    // is made from those bytes, so the codec message itself is not needed.
  }

  onStatus(message: StatusMessage): void {
    if (message.state === 'live') return;
    // The source stopped: publish what is pending now rather than hold it until frames come
    // back, and start the next run at a key frame in a new segment.
    this.flush();
    this.needKey = true;
    if (message.state === 'idle') {
      // An on-demand source stopped because no one watches: nothing here is worth keeping.
      this.restart();
    } else if (message.state === 'ended') {
      // The last window stays playable, with EXT-X-ENDLIST; a later run starts afresh.
      this.store.setEnded(true);
      this.resetOnResume = true;
    } else {
      // Restarting or waiting for a publisher: a short outage continues the same playlist.
      this.pausedAtMs ??= this.now();
    }
  }

  /** Ends the open part and segment with what they hold. */
  flush(): void {
    this.closePart(null);
    this.closeSegment();
  }

  // ------------------------------------------------------------------------------------------

  private push(frame: MediaFrame): void {
    let sps: Uint8Array | undefined;
    let pps: Uint8Array | undefined;
    let key = (frame.flags & MediaFlags.KEY) !== 0;
    const nalus: Uint8Array[] = [];
    for (const nal of splitAvcc(frame.payload)) {
      const type = (nal[0] ?? 0) & 0x1f;
      if (type === NalType.SPS) sps ??= nal;
      else if (type === NalType.PPS) pps ??= nal;
      else if (type !== NalType.AUD) {
        // Parameter sets live in avcC (ISO 14496-15 5.3.3), not in the samples. As in the
        // player's remuxer: a recovery point key frame gets recovery_frame_cnt 0, the only one
        // Chromium's MSE takes as a sync sample (intra refresh streams, H.264 D.2.8).
        if (type === NalType.IDR) key = true;
        nalus.push(type === NalType.SEI && (frame.flags & MediaFlags.KEY) !== 0 ? withRecoveryFrameCntZero(nal) : nal);
      }
    }
    if (nalus.length === 0) return;
    if (this.needKey && !key) return;
    this.framesIn++;
    // Back after an end, or an outage longer than the window: the old window would only show
    // stale pictures to a new client, so the playlist starts over.
    if (this.resetOnResume || (this.pausedAtMs !== null && this.now() - this.pausedAtMs > Math.max(this.store.listedDurationMs, 3 * this.store.targetDuration * 1000))) {
      this.restart();
    }
    this.resetOnResume = false;
    this.pausedAtMs = null;
    const discontinuity = (frame.flags & MediaFlags.DISCONTINUITY) !== 0;
    if (discontinuity) this.flush();
    if (key && sps && pps && (!bytesEqual(sps, this.sps) || !bytesEqual(pps, this.pps))) this.newInit(sps, pps);
    if (!this.track) return;
    this.needKey = false;

    const estimate = this.estimate(frame);
    this.partLimit ??= this.partLimitFor(estimate);
    const decodeTime = this.timeline.map(frame.dts, estimate, discontinuity);
    if (this.segmentStart !== null) {
      const elapsed = decodeTime - this.segmentStart;
      // The first segment of a run ends at its second key frame: hls.js and ffmpeg start only
      // once a playlist lists a complete segment, so the first one comes after one GOP.
      const target = this.store.lastCompleteMsn() < 0 ? 0 : this.segmentTargetTicks;
      if ((key && elapsed > 0 && elapsed + estimate / 2 >= target) || elapsed >= MAX_SEGMENT_TICKS) {
        this.closePart(decodeTime);
        this.closeSegment();
      }
    }
    if (this.segmentStart === null) {
      this.store.startSegment({ initId: this.initId, discontinuity: this.pendingDiscontinuity, programDateTimeMs: frame.captureTimeMs });
      this.pendingDiscontinuity = false;
      this.segmentStart = decodeTime;
    }
    // trun version 0 carries an unsigned composition offset: pts ≥ dts (MUXJS.md gotcha 9).
    const compositionOffset = Math.max(0, Math.round(frame.pts - frame.dts));
    this.pending.push({ nalus, decodeTime, compositionOffset, key, estimate });
    const partDuration = decodeTime + estimate - this.pending[0]!.decodeTime;
    if (partDuration + estimate > this.partLimit) this.closePart(null);
  }

  /** The frame's duration estimate from the wire header, else the last dts delta, else 30 fps. */
  private estimate(frame: MediaFrame): number {
    if (this.lastDts !== null && frame.dts > this.lastDts) this.lastDelta = frame.dts - this.lastDts;
    this.lastDts = frame.dts;
    const ticks = frame.duration > 0 ? frame.duration : this.lastDelta > 0 ? this.lastDelta : FALLBACK_FRAME_TICKS;
    return Math.max(1, Math.round(ticks));
  }

  private partLimitFor(frameTicks: number): number {
    const frames = Math.max(1, Math.round((this.partTargetMs * TIMESCALE) / 1000 / frameTicks));
    // Declared with millisecond precision, rounded up so whole-frame parts stay ≤ PART-TARGET.
    const ms = Math.ceil((frames * frameTicks * PART_TARGET_SLACK * 1000) / TIMESCALE);
    this.store.partTargetSeconds = ms / 1000;
    return (ms * TIMESCALE) / 1000;
  }

  private newInit(sps: Uint8Array, pps: Uint8Array): void {
    this.flush();
    let track: Fmp4VideoTrack;
    try {
      track = avcVideoTrack(sps, pps);
    } catch (err) {
      if (!(err instanceof H264Error)) throw err;
      // Stream has parsed this SPS already, so this is unexpected; wait for the next key frame.
      this.track = null;
      this.sps = this.pps = null;
      this.needKey = true;
      this.once.warn(`hls-sps:${err.code}`, { err: describeError(err) }, 'HLS packager cannot use this SPS');
      return;
    }
    const id = this.nextInitIdValue++;
    this.store.addInit(id, writeInitSegment(track));
    this.pendingDiscontinuity = this.track !== null;
    this.track = track;
    this.sps = sps.slice();
    this.pps = pps.slice();
    this.initId = id;
    this.logger.debug({ initId: id, width: track.width, height: track.height }, 'HLS init segment');
  }

  /**
   * Writes the pending samples as one part: one moof with a trun entry per sample (duration =
   * dts delta to the next sample; the last one's is `nextDecodeTime` − its dts when the next frame
   * is known, else its estimate).
   */
  private closePart(nextDecodeTime: number | null): void {
    const pending = this.pending;
    if (pending.length === 0 || !this.track) return;
    this.pending = [];
    const samples: Fmp4Sample[] = pending.map((s, i) => {
      const next = i + 1 < pending.length ? pending[i + 1]!.decodeTime : nextDecodeTime;
      return { nalus: s.nalus, duration: next !== null ? Math.max(1, next - s.decodeTime) : s.estimate, compositionOffset: s.compositionOffset, key: s.key };
    });
    const start = pending[0]!.decodeTime;
    const duration = samples.reduce((n, s) => n + s.duration, 0);
    const bytes = writeMediaFragment(this.track, this.fragmentSequence++, start, samples);
    this.store.addPart(bytes, duration, pending[0]!.key);
    this.timeline.written(start + duration);
  }

  /** Empties the store; the next key frame brings a new init segment. */
  private restart(): void {
    this.pending = [];
    this.segmentStart = null;
    this.track = null;
    this.sps = this.pps = null;
    this.pendingDiscontinuity = false;
    this.store.reset();
  }

  private closeSegment(): void {
    if (this.segmentStart === null) return;
    this.store.completeSegment();
    this.segmentStart = null;
  }
}
