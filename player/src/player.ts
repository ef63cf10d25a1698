/**
 * FramewirePlayer: the facade and composition root (hls.js hls.ts style).
 *
 *   WsClient ──binary──▶ RemuxInterface (worker: Fmp4Remuxer) ──init/fragment──▶ MseController
 *      │ control                                                   (AppendQueue, back buffer)
 *      ▼                                                                 │ appended
 *   events (CODEC, STATUS, ERROR)        LatencyController ◀── <video> ◀─┘   StatsCollector (rVFC)
 *
 * Misuse (load() before attachMedia(), use after destroy(), bad config) throws; everything that
 * goes wrong at runtime is an ERROR event {type, details, fatal, reason}.
 */
import { CloseCode, TIMESCALE, type ServerMessage } from '@framewire/shared';
import { mergeConfig, type PlayerConfig } from './config.js';
import { ErrorDetails, ErrorTypes, type PlayerErrorData } from './errors.js';
import { EventEmitter, PlayerEvents, type PlayerListeners } from './events.js';
import { LatencyController } from './latency/latency-controller.js';
import { MseController, findMediaSource } from './mse/mse-controller.js';
import { RemuxInterface } from './remux/remux-interface.js';
import { decodeFailureMessage, type CodecSummary } from './remux/describe-codec.js';
import type { RemuxResult } from './remux/fmp4-remuxer.js';
import type { WorkerMessage } from './remux/worker-messages.js';
import { emptyStats, StatsCollector, type PlayerStats } from './stats/stats-collector.js';
import { WsClient } from './transport/ws-client.js';

/** ws(s):// URL for a stream on the page's host: `/live/NAME` (the server's viewer socket). */
export function liveSocketUrl(name: string, base: { protocol: string; host: string } = location): string {
  return `${base.protocol === 'https:' ? 'wss' : 'ws'}://${base.host}/live/${encodeURIComponent(name)}`;
}

/** At most this many media-error recoveries within RECOVERY_WINDOW_MS before giving up. */
const MAX_RECOVERIES = 3;
const RECOVERY_WINDOW_MS = 60_000;

export class FramewirePlayer extends EventEmitter<PlayerListeners> {
  /** True when this browser has MSE (or ManagedMediaSource) and can decode H.264 Baseline. */
  static isSupported(): boolean {
    const found = findMediaSource(true);
    return !!found && found.ctor.isTypeSupported('video/mp4; codecs="avc1.42c01e"');
  }

  readonly config: Readonly<PlayerConfig>;
  private video: HTMLVideoElement | null = null;
  private mse: MseController | null = null;
  private remux: RemuxInterface | null = null;
  private ws: WsClient | null = null;
  private latency: LatencyController | null = null;
  private collector: StatsCollector | null = null;
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private destroyed = false;
  private fatal = false;
  private url = '';
  private pendingRemux = 0;
  /** A `live-edge` message arrived: jump to the newest frame once the burst before it is appended. */
  private liveEdgePending = false;
  /** When media-error recoveries happened (performance.now()), for the bound below. */
  private readonly recoveries: number[] = [];
  private reconnects = 0;
  private connectedOnce = false;
  private streamName = '';
  /** From the last init segment: names the likely cause when the decoder gives up. */
  private codecSummary: CodecSummary | null = null;

  constructor(config: Partial<PlayerConfig> = {}) {
    super();
    this.config = Object.freeze(mergeConfig(config));
  }

  /** The attached element, if any. */
  get media(): HTMLVideoElement | null {
    return this.video;
  }

  /** Current statistics (a fresh copy). */
  get stats(): PlayerStats {
    if (!this.collector) return emptyStats();
    return { ...this.collector.update({ seeks: this.latency?.snapshot().seeks ?? 0, reconnects: this.reconnects }) };
  }

  attachMedia(video: HTMLVideoElement): void {
    this.assertAlive('attachMedia');
    if (!(video instanceof HTMLVideoElement)) throw new TypeError('attachMedia() needs an HTMLVideoElement');
    if (this.video) throw new Error('attachMedia(): a media element is already attached (call destroy() first)');
    this.video = video;
    video.addEventListener('error', this.onVideoError);
    document.addEventListener('visibilitychange', this.onVisibility);
    this.collector = new StatsCollector(video, this.config.latencyMapSize, (first, holdMs) => this.onPresented(first, holdMs));
    this.latency = new LatencyController(video, this.config, (m) => this.log(m));
    this.mse = this.createMse(video);
    this.statsTimer = setInterval(() => {
      if (this.collector) this.emit(PlayerEvents.STATS, this.stats);
    }, this.config.statsIntervalMs);
  }

  /**
   * Starts playing a live stream. `url`: a ws(s):// URL, an http(s):// URL (mapped to ws(s)), or
   * a path such as `/live/NAME` resolved against the page.
   */
  load(url: string): void {
    this.assertAlive('load');
    if (!this.video || !this.mse) throw new Error('load() called before attachMedia()');
    if (this.ws) throw new Error('load(): already loading a stream (create a new player for another one)');
    const resolved = new URL(url, typeof location !== 'undefined' ? location.href : undefined);
    if (resolved.protocol === 'http:') resolved.protocol = 'ws:';
    else if (resolved.protocol === 'https:') resolved.protocol = 'wss:';
    if (resolved.protocol !== 'ws:' && resolved.protocol !== 'wss:') throw new TypeError(`load(): unsupported URL ${url}`);
    this.url = resolved.href;
    this.streamName = decodeURIComponent(resolved.pathname.split('/').filter(Boolean).pop() ?? '');
    this.remux = this.createRemux();
    this.ws = new WsClient(this.url, {
      initialDelayMs: this.config.reconnectInitialDelayMs,
      backoffFactor: this.config.reconnectBackoffFactor,
      maxDelayMs: this.config.reconnectMaxDelayMs,
      maxAttempts: this.config.reconnectMaxAttempts,
    }, {
      onOpen: (attempt) => {
        if (this.connectedOnce) {
          this.reconnects++;
          this.remux?.discontinuity(); // the new session's GOP continues our timeline
        }
        this.connectedOnce = true;
        this.liveEdgePending = false; // the new session sends its own cached GOP and `live-edge`
        this.emit(PlayerEvents.CONNECTED, { url: this.url, attempt });
      },
      onControl: (m) => this.onControl(m),
      onMedia: (data) => {
        this.collector?.onBytes(data.byteLength);
        this.pendingRemux++;
        this.remux?.push(data);
      },
      onClose: (code, reason, delayMs) => this.onClose(code, reason, delayMs),
    });
    this.ws.connect();
  }

  private createMse(video: HTMLVideoElement): MseController {
    const mse = new MseController(video, {
      preferManaged: this.config.preferManagedMediaSource,
      backBufferSeconds: this.config.backBufferSeconds,
      trimIntervalMs: this.config.backBufferTrimIntervalMs,
    }, {
      onOpen: (kind) => this.emit(PlayerEvents.MEDIA_ATTACHED, { mediaSource: kind }),
      onAppended: () => this.onAppended(),
      onError: (kind, message, error) => {
        // Appends fail once the element itself has failed: its `error` event decides (onVideoError).
        if (this.video?.error) return;
        const details = {
          'mse-unsupported': ErrorDetails.MSE_UNSUPPORTED,
          'codec-unsupported': ErrorDetails.CODEC_UNSUPPORTED,
          'source-buffer': ErrorDetails.SOURCE_BUFFER_ERROR,
          append: ErrorDetails.APPEND_ERROR,
          quota: ErrorDetails.BUFFER_FULL,
        }[kind];
        this.error({ type: ErrorTypes.MEDIA_ERROR, details, fatal: true, reason: message, ...(error ? { error } : {}) });
      },
    });
    mse.attach();
    return mse;
  }

  private createRemux(): RemuxInterface {
    return new RemuxInterface(this.config.enableWorker, {
      onMessage: (m) => this.onRemuxMessage(m),
      onWorkerError: (reason) => {
        this.pendingRemux = 0;
        this.error({ type: ErrorTypes.OTHER_ERROR, details: ErrorDetails.WORKER_ERROR, fatal: false, reason });
      },
    }, { signalNoReorder: this.config.signalNoReorder });
  }

  /** Stops everything and detaches from the element. The instance cannot be reused. */
  destroy(): void {
    if (this.destroyed) return;
    this.emit(PlayerEvents.DESTROYING, {});
    this.destroyed = true;
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.ws?.close();
    this.remux?.destroy();
    this.latency?.destroy();
    this.collector?.destroy();
    this.mse?.destroy();
    this.video?.removeEventListener('error', this.onVideoError);
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.ws = null;
    this.remux = null;
    this.latency = null;
    this.collector = null;
    this.mse = null;
    this.video = null;
    this.removeAllListeners();
  }

  private assertAlive(method: string): void {
    if (this.destroyed) throw new Error(`${method}() called after destroy()`);
  }

  private log(message: string): void {
    if (this.config.debug) console.debug(`[framewire] ${message}`);
  }

  private error(data: PlayerErrorData): void {
    if (this.fatal) return; // one fatal error is enough; later ones are consequences
    if (data.fatal) {
      this.fatal = true;
      this.ws?.close();
    }
    this.log(`error ${data.details}: ${data.reason}`);
    this.emit(PlayerEvents.ERROR, data);
  }

  private onControl(m: ServerMessage): void {
    switch (m.type) {
      case 'hello':
        break;
      case 'codec':
        if (m.fps && m.fps > 0) {
          this.latency?.setFrameInterval(1 / m.fps);
          this.collector?.setFrameInterval(1 / m.fps);
        }
        this.emit(PlayerEvents.CODEC, { codec: m.codec, width: m.width, height: m.height, fps: m.fps });
        break;
      case 'status':
        this.emit(PlayerEvents.STATUS, m.reason !== undefined ? { state: m.state, reason: m.reason } : { state: m.state });
        if (typeof m.skippedBeforeKey === 'number') this.collector?.setSourceSkipped(m.skippedBeforeKey);
        if (m.state === 'ended') this.sourceEnded(m.reason);
        else if (m.state === 'error') {
          // Not fatal: the socket stays open and the stream plays when its source recovers
          // (a valid H.264 stream follows, a pulled source comes back).
          const unsupported = m.code === 'CODEC_UNSUPPORTED';
          this.error({
            type: unsupported ? ErrorTypes.MEDIA_ERROR : ErrorTypes.NETWORK_ERROR,
            details: unsupported ? ErrorDetails.CODEC_UNSUPPORTED : ErrorDetails.SERVER_ERROR,
            fatal: false,
            reason: `Stream "${this.streamName}" cannot be played${m.reason ? `: ${m.reason}` : ''}`,
          });
        }
        break;
      case 'live-edge':
        // Everything before this was the cached GOP, sent at once: jump to its newest frame as
        // soon as all of it is appended (one seek, not one per partial burst).
        this.liveEdgePending = true;
        this.jumpToLiveEdgeWhenIdle();
        break;
      case 'stats':
        this.collector?.setServerDropped(m.droppedFrames);
        break;
      case 'error':
        if (m.code === 'STREAM_NOT_FOUND') this.streamNotFound();
        else this.error({ type: ErrorTypes.NETWORK_ERROR, details: ErrorDetails.SERVER_ERROR, fatal: m.code === 'BAD_REQUEST', reason: `${m.code}: ${m.message}` });
        break;
    }
  }

  private streamNotFound(): void {
    this.error({ type: ErrorTypes.NETWORK_ERROR, details: ErrorDetails.STREAM_NOT_FOUND, fatal: true, reason: `Stream "${this.streamName}" does not exist` });
  }

  private sourceEnded(reason?: string): void {
    this.error({ type: ErrorTypes.NETWORK_ERROR, details: ErrorDetails.SOURCE_ENDED, fatal: true,
      reason: `The source of stream "${this.streamName}" ended${reason ? `: ${reason}` : ''}` });
  }

  private onClose(code: number, reason: string, delayMs: number): void {
    this.emit(PlayerEvents.DISCONNECTED, { code, reason, willReconnect: delayMs >= 0, delayMs });
    if (code === CloseCode.STREAM_NOT_FOUND) this.streamNotFound();
    else if (code === CloseCode.SOURCE_ENDED) this.sourceEnded(reason);
    else {
      this.error({ type: ErrorTypes.NETWORK_ERROR, details: ErrorDetails.SOCKET_ERROR, fatal: delayMs < 0,
        reason: `connection closed (${code}${reason ? ` ${reason}` : ''})${delayMs >= 0 ? `; reconnecting in ${Math.round(delayMs)} ms` : ''}` });
    }
  }

  private onRemuxMessage(m: WorkerMessage): void {
    switch (m.type) {
      case 'remuxed':
        this.pendingRemux = Math.max(0, this.pendingRemux - 1);
        this.onRemuxed(m.result);
        break;
      case 'skipped':
        this.pendingRemux = Math.max(0, this.pendingRemux - 1);
        if (m.reason === 'waiting-for-keyframe') this.collector?.onSkipped();
        this.log(`frame ${m.sequence} skipped: ${m.reason}`);
        break;
      case 'error':
        this.pendingRemux = Math.max(0, this.pendingRemux - 1);
        this.error({ type: ErrorTypes.MUX_ERROR, details: ErrorDetails.REMUX_ERROR, fatal: false, reason: `frame ${m.sequence}: ${m.message}` });
        break;
      case 'log':
        if (m.level === 'debug') this.log(m.message);
        else console[m.level](`[framewire remux] ${m.message}`);
        break;
      case 'ready':
        break;
    }
  }

  private onRemuxed(r: RemuxResult): void {
    if (!this.mse || this.fatal) return;
    if (r.init) {
      this.codecSummary = r.init.summary;
      if (!this.mse.appendInit(r.init.data, r.init.codec, r.init.summary)) return;
      if (this.collector) Object.assign(this.collector.stats, { width: r.init.width, height: r.init.height, codec: r.init.codec });
      this.emit(PlayerEvents.INIT_SEGMENT, { codec: r.init.codec, width: r.init.width, height: r.init.height });
    }
    const interval = r.duration / TIMESCALE;
    this.latency?.setFrameInterval(interval);
    this.collector?.setFrameInterval(interval);
    this.collector?.onSample(r.mediaTime, r.captureTimeMs);
    this.mse.appendFragment(r.fragment, `#${r.sequence}`);
  }

  private onAppended(): void {
    const v = this.video;
    if (!v) return;
    if (this.config.autoPlay && v.paused && v.buffered.length) {
      v.play().catch((err: Error) => this.log(`play() rejected: ${err.name}`));
    }
    // Decide only once a burst (the cached GOP on join) is fully appended: one seek, not several.
    if (this.pendingRemux === 0 && (this.mse?.queueLength ?? 0) === 0) {
      this.jumpToLiveEdgeWhenIdle();
      this.latency?.evaluate();
    }
  }

  private jumpToLiveEdgeWhenIdle(): void {
    if (!this.liveEdgePending || this.pendingRemux > 0 || (this.mse?.queueLength ?? 0) > 0) return;
    if (!this.video?.buffered.length) return;
    this.liveEdgePending = false;
    this.latency?.requestLiveEdge();
    this.latency?.evaluate();
  }

  private onPresented(first: boolean, holdMs: number | undefined): void {
    if (first && this.collector) this.emit(PlayerEvents.FIRST_FRAME, { firstFrameMs: this.collector.stats.firstFrameMs ?? 0 });
    this.latency?.evaluate(holdMs);
  }

  /**
   * Chrome pauses video-only elements in background tabs (LOW-LATENCY.md 10): on return, resume.
   * The LatencyController jumps to the live edge on the same event.
   */
  private readonly onVisibility = (): void => {
    const v = this.video;
    if (document.visibilityState !== 'visible' || !v || this.fatal) return;
    if (this.config.autoPlay && v.paused && v.buffered.length) v.play().catch((err: Error) => this.log(`play() rejected: ${err.name}`));
  };

  private readonly onVideoError = (): void => {
    const err = this.video?.error;
    const reason = `media element error ${err?.code ?? '?'}: ${err?.message ?? ''}`;
    // MEDIA_ERR_DECODE: a damaged frame reached the decoder (a source that cut a frame, a
    // corrupt camera stream). The element is dead, but a new MediaSource fed from the next key
    // frame plays again (LOW-LATENCY.md technique 7). Bounded: a stream that breaks the decoder
    // every time ends with a fatal error instead of a reload loop.
    const now = performance.now();
    while (this.recoveries.length && now - this.recoveries[0]! > RECOVERY_WINDOW_MS) this.recoveries.shift();
    const recoverable = err?.code === MediaError.MEDIA_ERR_DECODE && this.recoveries.length < MAX_RECOVERIES && this.ws !== null;
    this.error({ type: ErrorTypes.MEDIA_ERROR, details: ErrorDetails.MEDIA_ELEMENT_ERROR, fatal: !recoverable,
      reason: recoverable ? `${reason}; recovering from the next key frame` : decodeFailureMessage(reason, this.codecSummary) });
    if (recoverable) this.recoverMedia(now);
  };

  /** New MediaSource + a new remuxer instance (late results of the old one are dropped), then reconnect for a fresh GOP. */
  private recoverMedia(now: number): void {
    const video = this.video;
    if (!video || !this.ws) return;
    this.recoveries.push(now);
    this.log('recovering from a media error');
    this.mse?.destroy();
    this.remux?.destroy();
    this.pendingRemux = 0;
    this.liveEdgePending = false;
    this.remux = this.createRemux();
    this.mse = this.createMse(video);
    this.ws.close();
    this.ws.connect();
  }
}
