import {
  avcCodecString,
  describeSps,
  encodeMediaFrame,
  H264Error,
  NalType,
  nalType,
  parseSps,
  spsPlaybackRisks,
  type AccessUnit,
  type CodecMessage,
  type ErrorCode,
  type StatusMessage,
  type StreamState,
} from '@framewire/shared';
import type { Logger } from 'pino';
import { describeError, errorCode, ServerErrorCode } from '../errors.js';
import type { Source, SourceSink } from '../sources/source.js';
import { bytesEqual } from '../utils/bytes.js';
import { LogOnce } from '../utils/log-once.js';
import { withParameterSets } from '../utils/parameter-sets.js';
import { GopCache, type EncodedFrame } from './gop-cache.js';
import { RateMeter } from './rate-meter.js';
import { ViewerDemand } from './viewer-demand.js';

/** A viewer (transport/ws-session.ts) as the stream sees it. Called synchronously; must not throw or block. */
export interface StreamSubscriber {
  onFrame(frame: EncodedFrame): void;
  onCodec(message: CodecMessage): void;
  onStatus(message: StatusMessage): void;
  /** Access units this viewer did not get (for /api/streams). */
  readonly droppedFrames: number;
  /** An in-process consumer that is always attached (the LL-HLS packager), not a viewer: left out of viewer counts. */
  readonly internal?: boolean;
}

export interface StreamOptions {
  name: string;
  logger: Logger;
  gopCacheMaxFrames: number;
  gopCacheMaxBytes: number;
  statsWindowMs: number;
}

/** One row of GET /api/streams. */
export interface StreamSnapshot {
  name: string;
  state: StreamState;
  reason?: string;
  /** The SOURCE kind (demo, file, camera, ffmpeg, url, stdin, publish); never the URL, which may hold a password. */
  source: string | null;
  /** The source runs only while someone watches (config "onDemand"). */
  onDemand: boolean;
  /** How many times the source was started again after it ended or failed (FfmpegSource). */
  restarts: number;
  /** `publish` streams only: a publisher is connected now. */
  publisher?: boolean;
  /**
   * Set while the stream's H.264 uses features many browsers cannot decode (10-bit, 4:2:2/4:4:4,
   * interlaced): it still plays where the decoder can (Chromium with FFmpeg), the player reports
   * a clear error where it cannot.
   */
  warning?: string;
  codec: string | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  bitrateKbps: number;
  viewers: number;
  framesIn: number;
  skippedBeforeKey: number;
  droppedFrames: number;
}

/**
 * One named live stream: takes timed access units from a source, makes every key frame
 * self-sufficient (SPS/PPS), encodes each access unit once and hands the same bytes to every
 * subscriber in the tick it arrived. Nothing thrown by bad input or a viewer escapes push().
 */
export class Stream implements SourceSink {
  readonly name: string;
  private readonly logger: Logger;
  private readonly once: LogOnce;
  private readonly gop: GopCache;
  private readonly meter: RateMeter;
  private readonly subscribers = new Set<StreamSubscriber>();
  /** Viewers that want the picture now; an on-demand source listens to it (sources/on-demand-source.ts). */
  readonly demand = new ViewerDemand();
  /** What /api/streams reports about the source (app.ts attachSource()). */
  private sourceInfo: { source: Source; kind: string; onDemand: boolean } | null = null;

  private sps: Uint8Array | null = null;
  private pps: Uint8Array[] = [];
  private codecInfo: CodecMessage | null = null;
  /** A source is started right after its stream is made (on-demand ones go `idle` at once). */
  private stateValue: StreamState = 'starting';
  private reasonValue: string | undefined;
  private codeValue: ErrorCode | undefined;
  private warningValue: string | undefined;
  /**
   * Until a start point arrives (at start, after malformed input) delta frames cannot be decoded.
   * A start point is an IDR or a recovery point (H.264 D.2.8: periodic intra refresh streams
   * have an IDR only as their very first picture).
   */
  private needKey = true;
  private sequence = 0;
  /** dts of the last frame sent, to flag timeline breaks. */
  private lastDts: number | null = null;
  /** Set when the source stops: its next run starts a new timeline. */
  private pendingDiscontinuity = false;

  framesIn = 0;
  bytesIn = 0;
  skippedBeforeKey = 0;
  malformedDropped = 0;
  /** Drops of viewers that have left, so the /api/streams total does not go backwards. */
  private departedDrops = 0;
  /**
   * metrics/metrics.ts: told, once per access unit that had subscribers, how many ms passed from
   * its arrival (captureTimeMs) to the end of the fan-out. Null: no metrics, no clock read.
   */
  private deliveryObserver: ((ms: number) => void) | null = null;

  constructor(options: StreamOptions) {
    this.name = options.name;
    this.logger = options.logger.child({ stream: options.name });
    this.once = new LogOnce(this.logger);
    this.gop = new GopCache({ maxFrames: options.gopCacheMaxFrames, maxBytes: options.gopCacheMaxBytes });
    this.meter = new RateMeter(options.statsWindowMs);
  }

  get state(): StreamState {
    return this.stateValue;
  }

  get reason(): string | undefined {
    return this.reasonValue;
  }

  get codec(): CodecMessage | null {
    return this.codecInfo;
  }

  get viewerCount(): number {
    let n = 0;
    for (const sub of this.subscribers) if (sub.internal !== true) n++;
    return n;
  }

  get warning(): string | undefined {
    return this.warningValue;
  }

  statusMessage(): StatusMessage {
    const message: StatusMessage = { type: 'status', state: this.stateValue };
    if (this.reasonValue !== undefined) message.reason = this.reasonValue;
    if (this.codeValue !== undefined) message.code = this.codeValue;
    if (this.stateValue === 'live' && this.skippedBeforeKey > 0) message.skippedBeforeKey = this.skippedBeforeKey;
    return message;
  }

  /** The encoded frames since the last start point (first one is a key frame), for a joining viewer. */
  cachedGop(): readonly EncodedFrame[] {
    return this.gop.snapshot();
  }

  /**
   * Registers one viewer that wants this stream's pictures, whatever the transport: WS sessions
   * call it as they start, an HLS server should call it per client (on its first playlist or
   * part request) and call the returned release when that client has stopped asking. An
   * on-demand source starts on the first holder and stops `onDemandCloseAfterMs` after the last
   * release; always-on sources ignore it. The release is idempotent.
   */
  addViewerDemand(): () => void {
    return this.demand.acquire();
  }

  /** app.ts: the stream's source, for the restarts/publisher fields of /api/streams. */
  attachSource(source: Source, info: { kind: string; onDemand: boolean }): void {
    this.sourceInfo = { source, ...info };
  }

  /** metrics/metrics.ts: the server-latency histogram of this stream. */
  observeDelivery(observer: ((ms: number) => void) | null): void {
    this.deliveryObserver = observer;
  }

  subscribe(subscriber: StreamSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => {
      if (this.subscribers.delete(subscriber)) this.departedDrops += subscriber.droppedFrames;
    };
  }

  // SourceSink -------------------------------------------------------------------------------

  accessUnit(au: AccessUnit): void {
    try {
      this.ingest(au);
    } catch (err) {
      // A bug or an unexpected input shape: drop this AU, resume at the next IDR.
      this.needKey = true;
      this.malformedDropped++;
      this.once.warn(`ingest:${errorCode(err)}`, { err: describeError(err) }, 'dropped an access unit');
    }
  }

  ended(reason: string): void {
    this.setState('ended', reason);
  }

  restarting(reason: string): void {
    this.setState('waiting', reason);
  }

  failed(err: Error): void {
    this.setState('error', describeError(err), errorCode(err) === ServerErrorCode.NOT_H264 ? 'CODEC_UNSUPPORTED' : 'SOURCE_FAILED');
  }

  setState(state: StreamState, reason?: string, code?: ErrorCode): void {
    if (state === this.stateValue && reason === this.reasonValue) return;
    this.stateValue = state;
    this.reasonValue = reason;
    this.codeValue = state === 'error' ? code : undefined;
    const log = state === 'error' ? this.logger.error.bind(this.logger) : this.logger.info.bind(this.logger);
    log({ state, reason }, `stream "${this.name}" is ${state}${reason ? `: ${reason}` : ''}`);
    if (state !== 'live') {
      // A new source run must start at an IDR with its own parameter sets (the encoder's
      // settings may have changed), not have the old run's spliced in.
      this.needKey = true;
      this.gop.clear();
      this.sps = null;
      this.pps = [];
      this.pendingDiscontinuity = this.lastDts !== null;
    }
    const message = this.statusMessage();
    for (const sub of this.subscribers) this.safely(() => sub.onStatus(message));
  }

  /** Access units not sent to viewers that fell behind, since start (viewers that left included). */
  get droppedFrames(): number {
    let dropped = this.departedDrops;
    for (const sub of this.subscribers) dropped += sub.droppedFrames;
    return dropped;
  }

  /** How many times the source was started again (FfmpegSource respawns; 0 for others). */
  get sourceRestarts(): number {
    return this.sourceInfo?.source.restarts ?? 0;
  }

  /** Ingest frame rate and bitrate over the stats window ending now. */
  ingestRates(): { fps: number; bitsPerSecond: number } {
    return this.meter.rates();
  }

  snapshot(): StreamSnapshot {
    const { bitsPerSecond } = this.meter.rates();
    const dropped = this.droppedFrames;
    const row: StreamSnapshot = {
      name: this.name,
      state: this.stateValue,
      // Right after the state it explains (JSON readers see keys in this order).
      ...(this.reasonValue !== undefined ? { reason: this.reasonValue } : {}),
      source: this.sourceInfo?.kind ?? null,
      onDemand: this.sourceInfo?.onDemand ?? false,
      restarts: this.sourceRestarts,
      codec: this.codecInfo?.codec ?? null,
      width: this.codecInfo?.width ?? null,
      height: this.codecInfo?.height ?? null,
      // The SPS rate when it has one, else what we measure.
      fps: this.codecInfo?.fps ?? (this.meter.rates().fps > 0 ? Math.round(this.meter.rates().fps * 100) / 100 : null),
      bitrateKbps: Math.round(bitsPerSecond / 1000),
      viewers: this.viewerCount,
      framesIn: this.framesIn,
      skippedBeforeKey: this.skippedBeforeKey,
      droppedFrames: dropped,
    };
    const publishing = this.sourceInfo?.source.publishing;
    if (publishing !== undefined) row.publisher = publishing;
    if (this.warningValue !== undefined) row.warning = this.warningValue;
    return row;
  }

  /** Measured frame rate over the stats window (the SPS value may be absent). */
  measuredFps(): number {
    return this.meter.rates().fps;
  }

  // ------------------------------------------------------------------------------------------

  private ingest(input: AccessUnit): void {
    let au = input;
    let sps: Uint8Array | undefined;
    const pps: Uint8Array[] = [];
    for (const nal of au.nalus) {
      const type = nalType(nal);
      if (type === NalType.SPS) sps ??= nal;
      else if (type === NalType.PPS) pps.push(nal);
    }
    if (sps && !bytesEqual(sps, this.sps) && !this.acceptSps(sps)) return;
    if (pps.length > 0) this.pps = pps;

    // A recovery point goes out exactly like an IDR: with SPS/PPS and the KEY flag, so the GOP
    // cache restarts there, late joiners and slow viewers resume there and the player makes it a
    // sync sample. The decoder's pictures may be partly stale for recovery_frame_cnt frames (D.2.8).
    const start = au.key || au.recoveryPoint === true;
    if (start) {
      if (!this.sps || this.pps.length === 0) {
        this.skippedBeforeKey++;
        this.once.warn('key-without-config', {}, 'start point (IDR or recovery point) without SPS/PPS seen so far: skipping until one carries them');
        this.needKey = true;
        return;
      }
      // Every key frame sent out carries SPS/PPS, so a viewer (or a decoder reset) can start at it.
      if (!sps || pps.length === 0) au = { ...au, nalus: withParameterSets(au.nalus, [this.sps], this.pps) };
      this.needKey = false;
    } else if (this.needKey) {
      this.skippedBeforeKey++;
      this.once.info('skip-before-key', {}, 'skipping access units until the first IDR or recovery point');
      return;
    }

    // A restarted source (or one whose clock jumped back) starts a new timeline: tell the player
    // so it re-bases instead of appending media "in the past".
    const discontinuity = this.pendingDiscontinuity || (this.lastDts !== null && au.dts <= this.lastDts);
    if (discontinuity) this.logger.info({ dts: au.dts, lastDts: this.lastDts }, 'timeline discontinuity');
    this.pendingDiscontinuity = false;
    this.lastDts = au.dts;
    const bytes = encodeMediaFrame(au, { sequence: this.sequence, discontinuity });
    this.sequence = (this.sequence + 1) >>> 0;
    const frame: EncodedFrame = { bytes, key: start };
    this.gop.add(frame);
    this.framesIn++;
    this.bytesIn += bytes.byteLength;
    this.meter.add(bytes.byteLength);
    if (this.stateValue !== 'live') {
      if (this.skippedBeforeKey > 0) this.logger.info({ skippedBeforeKey: this.skippedBeforeKey }, `skipped ${this.skippedBeforeKey} access units before the first start point`);
      this.setState('live');
    }
    for (const sub of this.subscribers) this.safely(() => sub.onFrame(frame));
    // Date.now() like captureTimeMs (both whole ms): a monotonic clock would drift from it over days.
    if (this.deliveryObserver !== null && this.viewerCount > 0) this.deliveryObserver(Date.now() - au.captureTimeMs);
  }

  /** Parses a new SPS; on malformed input drops the AU and waits for the next valid IDR. */
  private acceptSps(sps: Uint8Array): boolean {
    let message: CodecMessage;
    let risks: string[];
    let description: string;
    try {
      const info = parseSps(sps);
      message = { type: 'codec', codec: avcCodecString(sps), width: info.width, height: info.height, fps: info.fps };
      risks = spsPlaybackRisks(info);
      description = describeSps(info);
    } catch (err) {
      if (!(err instanceof H264Error)) throw err;
      this.malformedDropped++;
      this.needKey = true;
      this.once.warn(`sps:${err.code}`, { err: describeError(err) }, 'malformed SPS: dropping until the next valid IDR');
      return false;
    }
    this.sps = sps;
    this.warningValue = risks.length === 0 ? undefined
      : `${description} (${message.codec}): many browsers cannot decode ${risks.join('; ')}`;
    if (this.warningValue !== undefined) {
      this.once.warn(`risk:${message.codec}:${risks.join()}`, { codec: message.codec },
        `${this.warningValue}; it plays only where the browser's decoder supports it (Chromium with FFmpeg does), others show an error`);
    }
    const old = this.codecInfo;
    if (!old || old.codec !== message.codec || old.width !== message.width || old.height !== message.height || old.fps !== message.fps) {
      this.codecInfo = message;
      this.logger.info({ codec: message.codec, width: message.width, height: message.height, fps: message.fps }, 'codec');
      for (const sub of this.subscribers) this.safely(() => sub.onCodec(message));
    }
    return true;
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.once.warn(`subscriber:${errorCode(err)}`, { err: describeError(err) }, 'a viewer threw; other viewers unaffected');
    }
  }
}
