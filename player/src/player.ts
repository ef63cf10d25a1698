/**
 * FramewirePlayer: the facade and composition root (hls.js hls.ts style).
 *
 *   WsClient ──binary──▶ RemuxInterface (worker: Fmp4Remuxer) ──init/fragment──▶ MseController
 *      │ control                                                   (AppendQueue, back buffer)
 *      ▼                                                                 │ appended
 *   events (CODEC, STATUS, ERROR)        LatencyController ◀── <video> ◀─┘   StatsCollector (rVFC)
 *
 * Fallback chain (fallback/fallback-controller.ts): the path above ('ws', or 'mms' on
 * ManagedMediaSource) when MSE exists; LL-HLS through hls.js (loaded on demand) when the first
 * WebSocket connection is not established within `wsConnectTimeoutMs`; the element's own HLS when
 * MSE is absent. `config.fallback` forces or forbids them; each choice is a MODE_CHANGE event.
 *
 * Behaviour over days (player/README.md "Behaviour over days"): reconnects by
 * transport/reconnect-policy.ts and resumes at the live edge; a page hidden longer than
 * `hiddenSuspendDelayMs` stops consuming and reconnects at the live edge when shown again
 * (lifecycle/visibility.ts); autoplay falls back to muted where sound is refused
 * (lifecycle/autoplay.ts).
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
import { FallbackController } from './fallback/fallback-controller.js';
import { isWsMode, type PlaybackMode } from './fallback/mode-selector.js';
import { VisibilityLifecycle } from './lifecycle/visibility.js';
import { AutoplayController } from './lifecycle/autoplay.js';

/** ws(s):// URL for a stream on the page's host: `/live/NAME` (the server's viewer socket). */
export function liveSocketUrl(name: string, base: { protocol: string; host: string } = location): string {
  return `${base.protocol === 'https:' ? 'wss' : 'ws'}://${base.host}/live/${encodeURIComponent(name)}`;
}

/** At most this many media-error recoveries within RECOVERY_WINDOW_MS before giving up. */
const MAX_RECOVERIES = 3;
const RECOVERY_WINDOW_MS = 60_000;
/**
 * After a resume, playback waits for the jump to the live edge (the server's `live-edge` message
 * after its cached GOP) so the stale start of the GOP is not shown; at most this long.
 */
const RESUME_HOLD_MS = 1500;
/**
 * The live-edge jump after a reconnect or a resume aims this far (s) past the newest frame: the
 * seek decodes the whole cached GOP from its key frame first (~100 ms at 720p on a 2-core machine)
 * while live frames keep arriving, so a jump to the newest frame started playback ~3 frames late
 * (tab return: +106 ms, caught up by the rate controller only over ~2 s); aimed ahead, the element
 * waits for that frame and plays from it (LatencyInput.leadSeconds). Also on a tab return within
 * the grace period (the same seek over a grown buffer). Not on the first join, whose element is
 * already playing the cached GOP when the jump comes (tuned and measured as it is).
 */
const REJOIN_LEAD_SECONDS = 0.1;

export class FramewirePlayer extends EventEmitter<PlayerListeners> {
  /** True when this browser has MSE (or ManagedMediaSource) and can decode H.264 Baseline, or plays HLS itself. */
  static isSupported(): boolean {
    const found = findMediaSource(true);
    if (found?.ctor.isTypeSupported('video/mp4; codecs="avc1.42c01e"')) return true;
    return typeof document !== 'undefined' && document.createElement('video').canPlayType('application/vnd.apple.mpegurl') !== '';
  }

  readonly config: Readonly<PlayerConfig>;
  private video: HTMLVideoElement | null = null;
  private mse: MseController | null = null;
  private remux: RemuxInterface | null = null;
  private ws: WsClient | null = null;
  private latencyController: LatencyController | null = null;
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
  /** Codec string of the last init segment handed to MSE (for the codec-rejected fallback). */
  private lastInitCodec = '';
  private fallback: FallbackController | null = null;
  private lifecycle: VisibilityLifecycle | null = null;
  private autoplay: AutoplayController | null = null;
  /** Hidden past the grace period: the socket is closed and media dropped (lifecycle/visibility.ts). */
  private suspended = false;
  /** The next socket open is a resume after suspension, not a reconnect (not counted). */
  private resuming = false;
  /** After a resume: do not start playback before the live-edge jump (RESUME_HOLD_MS at most). */
  private holdPlayUntil = 0;
  /**
   * The video played (or autoPlay is on) when the page was suspended: play it again after the
   * resume, also with autoPlay off (the `<framewire-player>` element relies on the video's
   * `autoplay` attribute, which does not restart a video paused by suspend()).
   */
  private playAfterResume = false;
  /** The socket opened again (reconnect or resume): its live-edge jump aims ahead (REJOIN_LEAD_SECONDS). */
  private rejoined = false;

  constructor(config: Partial<PlayerConfig> = {}) {
    super();
    this.config = Object.freeze(mergeConfig(config));
  }

  /** The attached element, if any. */
  get media(): HTMLVideoElement | null {
    return this.video;
  }

  /** How the stream is played now ('ws' | 'mms' | 'hls.js' | 'native-hls'); null before load() or when nothing can play it. */
  get mode(): PlaybackMode | null {
    return this.fallback?.mode ?? null;
  }

  /**
   * Capture → present latency of the last presented frame, seconds, measured end to end in every
   * mode (stats.latencyMs); null before the first frame. Seconds, as hls.js's `latency`.
   */
  get latency(): number | null {
    const ms = this.collector?.stats.latencyMs ?? null;
    return ms === null ? null : ms / 1000;
  }

  /**
   * The LL-HLS engine's target (hls.js `targetLatency`: live edge → playhead), seconds. null on
   * the WebSocket path, which has no target to hold: it shows each frame as soon as it is decoded.
   */
  get targetLatency(): number | null {
    return this.fallback?.latency()?.target ?? null;
  }

  /** Current statistics (a fresh copy). */
  get stats(): PlayerStats {
    if (!this.collector) return emptyStats();
    const s = this.collector.update({ seeks: this.latencyController?.snapshot().seeks ?? 0, reconnects: this.reconnects });
    const l = this.fallback?.latency();
    s.edgeLatencyMs = l?.edge != null ? Math.round(l.edge * 1000) : null;
    s.targetLatencyMs = l?.target != null ? Math.round(l.target * 1000) : null;
    return { ...s };
  }

  attachMedia(video: HTMLVideoElement): void {
    this.assertAlive('attachMedia');
    if (!(video instanceof HTMLVideoElement)) throw new TypeError('attachMedia() needs an HTMLVideoElement');
    if (this.video) throw new Error('attachMedia(): a media element is already attached (call destroy() first)');
    this.video = video;
    video.addEventListener('error', this.onVideoError);
    this.autoplay = new AutoplayController(video, {
      mutedFallback: (reason) => {
        this.log(reason);
        this.emit(PlayerEvents.AUTOPLAY_MUTED, { reason });
      },
      blocked: (reason) => this.error({ type: ErrorTypes.MEDIA_ERROR, details: ErrorDetails.AUTOPLAY_BLOCKED, fatal: false, reason }),
      log: (m) => this.log(m),
      pauseIsOurs: () => this.suspended || !!this.lifecycle?.hidden || document.visibilityState !== 'visible',
    });
    this.lifecycle = new VisibilityLifecycle(document, this.config.hiddenSuspendDelayMs, {
      suspend: (hiddenMs) => this.suspend(hiddenMs),
      resume: (hiddenMs) => this.resume(hiddenMs),
      returned: (hiddenMs) => this.returned(hiddenMs),
    });
    if (typeof window !== 'undefined') window.addEventListener('online', this.onOnline);
    const collector = new StatsCollector(video, this.config.latencyMapSize, (first, holdMs) => this.onPresented(first, holdMs));
    this.collector = collector;
    const fallback = new FallbackController(video, {
      config: this.config,
      isFatal: () => this.fatal,
      startWs: () => this.startWs(),
      stopWs: () => this.stopWs(),
      modeChanged: (data) => {
        collector.stats.mode = data.mode;
        this.log(`mode ${data.mode} (${data.reason})`);
        this.emit(PlayerEvents.MODE_CHANGE, data);
      },
      error: (e) => this.error(e),
      setCaptureTimeSource: (source) => collector.setCaptureTimeSource(source),
      framesPresented: () => collector.stats.framesPresented,
      hlsEvents: {
        onBytes: (n) => collector.onBytes(n),
        onVideoInfo: (info) => {
          Object.assign(collector.stats, info);
          this.emit(PlayerEvents.CODEC, { ...info, fps: null });
        },
        log: (m) => this.log(m),
        requestPlay: () => this.requestPlay(),
      },
    });
    this.fallback = fallback;
    if (fallback.startsOnWebSocket) {
      // The WebSocket path: open the MediaSource now, so it is ready when the first frame arrives.
      this.latencyController = new LatencyController(video, this.config, (m) => this.log(m));
      this.mse = this.createMse(video);
    } else if (fallback.initial.action === 'fail') {
      this.error({ type: ErrorTypes.MEDIA_ERROR, details: ErrorDetails.MSE_UNSUPPORTED, fatal: true, reason: fallback.initial.reason });
    }
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
    if (!this.video || !this.fallback) throw new Error('load() called before attachMedia()');
    if (this.url) throw new Error('load(): already loading a stream (create a new player for another one)');
    const resolved = new URL(url, typeof location !== 'undefined' ? location.href : undefined);
    if (resolved.protocol === 'http:') resolved.protocol = 'ws:';
    else if (resolved.protocol === 'https:') resolved.protocol = 'wss:';
    if (resolved.protocol !== 'ws:' && resolved.protocol !== 'wss:') throw new TypeError(`load(): unsupported URL ${url}`);
    this.url = resolved.href;
    this.streamName = decodeURIComponent(resolved.pathname.split('/').filter(Boolean).pop() ?? '');
    this.fallback.start(this.url, this.streamName);
  }

  /** The low-latency path: WebSocket → remux worker → MSE (FallbackController decides when). */
  private startWs(): void {
    this.remux = this.createRemux();
    this.ws = new WsClient(this.url, {
      initialDelayMs: this.config.reconnectInitialDelayMs,
      backoffFactor: this.config.reconnectBackoffFactor,
      maxDelayMs: this.config.reconnectMaxDelayMs,
      maxAttempts: this.config.reconnectMaxAttempts,
      jitter: this.config.reconnectJitter,
      token: this.config.token,
    }, {
      onOpen: (attempt) => {
        if (this.connectedOnce) {
          if (!this.resuming) this.reconnects++; // a resume after a hidden page is not a reconnect
          this.remux?.discontinuity(); // the new session's GOP continues our timeline
        }
        this.resuming = false;
        this.rejoined = this.connectedOnce;
        this.connectedOnce = true;
        this.liveEdgePending = false; // the new session sends its own cached GOP and `live-edge`
        this.emit(PlayerEvents.CONNECTED, { url: this.url, attempt });
      },
      onControl: (m) => {
        this.fallback?.wsEstablished();
        this.onControl(m);
      },
      onMedia: (data) => {
        this.fallback?.wsEstablished();
        this.collector?.onBytes(data.byteLength);
        this.pendingRemux++;
        this.remux?.push(data);
      },
      onClose: (code, reason, delayMs) => this.onClose(code, reason, delayMs),
    });
    this.ws.connect();
  }

  /** Tears the WebSocket path down for a fallback (socket, worker, MediaSource, latency controller); the element stays. */
  private stopWs(): void {
    this.ws?.close();
    this.remux?.destroy();
    this.latencyController?.destroy();
    this.mse?.destroy();
    this.ws = null;
    this.remux = null;
    this.latencyController = null;
    this.mse = null;
    this.pendingRemux = 0;
    this.liveEdgePending = false;
    if (this.video) this.video.playbackRate = 1; // the latency controller may have left it above 1
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
        // MSE said no to the codec: native HLS may still play it (then nothing to report here).
        if (kind === 'codec-unsupported' && !this.fatal && this.fallback?.codecRejectedByMse(this.lastInitCodec, message)) return;
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
    this.fallback?.destroy();
    this.fallback = null;
    this.ws?.close();
    this.remux?.destroy();
    this.latencyController?.destroy();
    this.collector?.destroy();
    this.mse?.destroy();
    this.video?.removeEventListener('error', this.onVideoError);
    this.lifecycle?.destroy();
    this.autoplay?.destroy();
    this.lifecycle = null;
    this.autoplay = null;
    if (typeof window !== 'undefined') window.removeEventListener('online', this.onOnline);
    this.ws = null;
    this.remux = null;
    this.latencyController = null;
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
    if (this.fallback) data = this.fallback.explain(data);
    if (data.fatal) {
      this.fatal = true;
      this.fallback?.stopTimer();
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
          this.latencyController?.setFrameInterval(1 / m.fps);
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
    this.resuming = false; // the resume's connection failed: the next one is a reconnect
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
    if (!this.mse || this.fatal || this.suspended) return; // suspended: late results of the closed socket
    if (r.init) {
      this.codecSummary = r.init.summary;
      this.lastInitCodec = r.init.codec;
      if (!this.mse.appendInit(r.init.data, r.init.codec, r.init.summary)) return;
      if (this.collector) Object.assign(this.collector.stats, { width: r.init.width, height: r.init.height, codec: r.init.codec });
      this.emit(PlayerEvents.INIT_SEGMENT, { codec: r.init.codec, width: r.init.width, height: r.init.height });
    }
    const interval = r.duration / TIMESCALE;
    this.latencyController?.setFrameInterval(interval);
    this.collector?.setFrameInterval(interval);
    this.collector?.onSample(r.mediaTime, r.captureTimeMs);
    this.mse.appendFragment(r.fragment, `#${r.sequence}`);
  }

  private onAppended(): void {
    const v = this.video;
    if (!v) return;
    if (v.paused && v.buffered.length) this.requestPlay(this.playAfterResume);
    // Decide only once a burst (the cached GOP on join) is fully appended: one seek, not several.
    if (this.pendingRemux === 0 && (this.mse?.queueLength ?? 0) === 0) {
      this.jumpToLiveEdgeWhenIdle();
      this.latencyController?.evaluate();
    }
  }

  private jumpToLiveEdgeWhenIdle(): void {
    if (!this.liveEdgePending || this.pendingRemux > 0 || (this.mse?.queueLength ?? 0) > 0) return;
    if (!this.video?.buffered.length) return;
    this.liveEdgePending = false;
    // After a reconnect or a resume, aim a little past the newest frame: see REJOIN_LEAD_SECONDS.
    this.latencyController?.requestLiveEdge(this.rejoined ? REJOIN_LEAD_SECONDS : 0);
    this.rejoined = false;
    this.latencyController?.evaluate();
    if (this.holdPlayUntil) {
      this.holdPlayUntil = 0; // at the live edge: playback may start (after a resume)
      this.requestPlay(this.playAfterResume);
    }
  }

  /**
   * autoPlay: play if paused, muted where the browser refuses sound (lifecycle/autoplay.ts). Not
   * while the page is hidden: Chrome pauses video-only media in background tabs and a player
   * that restarts it decodes frames nobody sees. Not before the live-edge jump after a resume.
   */
  private requestPlay(afterResume = false): void {
    if (!(this.config.autoPlay || afterResume) || this.fatal || this.suspended || this.lifecycle?.hidden) return;
    if (this.holdPlayUntil && performance.now() < this.holdPlayUntil) return;
    this.holdPlayUntil = 0;
    this.playAfterResume = false;
    this.autoplay?.request();
  }

  /**
   * Hidden for `hiddenSuspendDelayMs` (lifecycle/visibility.ts): stop consuming. WebSocket path:
   * close the socket, drop late remux results and every buffered frame, pause. Nothing arrives
   * while hidden, so nothing grows. False (asked again later) before the first connection is
   * established, so a page opened in a background tab is not mistaken for a blocked socket.
   */
  private suspend(hiddenMs: number): boolean {
    const v = this.video;
    if (!v || this.fatal || this.destroyed) return true; // nothing to suspend
    if (isWsMode(this.mode)) {
      if (!this.ws || !this.connectedOnce) return false;
      this.playAfterResume = this.config.autoPlay || !v.paused;
      this.suspended = true;
      this.ws.close();
      this.liveEdgePending = false;
      v.pause(); // before the removal: a paused element does not report a stall
      this.mse?.removeAll();
    } else {
      this.playAfterResume = this.config.autoPlay || !v.paused;
      this.suspended = true;
      this.fallback?.suspendHls();
      v.pause();
    }
    this.log(`hidden for ${Math.round(hiddenMs)} ms: suspended`);
    this.emit(PlayerEvents.SUSPENDED, { hiddenMs });
    return true;
  }

  /** Visible again after suspend(): reconnect; the server's cached GOP and `live-edge` put playback at the live edge. */
  private resume(hiddenMs: number): void {
    if (!this.suspended) return;
    this.suspended = false;
    this.log(`visible again after ${Math.round(hiddenMs)} ms: resuming at the live edge`);
    this.emit(PlayerEvents.RESUMED, { hiddenMs, suspended: true });
    if (this.fatal || this.destroyed) return;
    this.autoplay?.reset();
    if (isWsMode(this.mode) && this.ws) {
      this.resuming = true;
      this.holdPlayUntil = performance.now() + RESUME_HOLD_MS;
      this.remux?.discontinuity();
      this.ws.connect();
    } else {
      // Play once the HLS engine is at the live edge, not from what was buffered before hiding.
      const play = this.playAfterResume;
      this.fallback?.resumeHls(() => {
        if (!this.suspended) this.requestPlay(play);
      });
    }
  }

  /**
   * Visible again within the grace period: Chrome paused the video-only element in the background
   * (LOW-LATENCY.md 10), so play again and jump to the live edge with what is buffered.
   */
  private returned(hiddenMs: number): void {
    this.emit(PlayerEvents.RESUMED, { hiddenMs, suspended: false });
    if (this.fatal || this.destroyed) return;
    this.autoplay?.reset();
    this.requestPlay();
    // The seek decodes from the key frame while live frames keep arriving: aim ahead, as on a rejoin.
    this.latencyController?.requestLiveEdge(REJOIN_LEAD_SECONDS);
    this.latencyController?.evaluate();
  }

  /** The browser is online again: a reconnect waiting out its backoff goes now. */
  private readonly onOnline = (): void => {
    if (!this.suspended) this.ws?.retryNow();
  };

  private onPresented(first: boolean, holdMs: number | undefined): void {
    if (first && this.collector) this.emit(PlayerEvents.FIRST_FRAME, { firstFrameMs: this.collector.stats.firstFrameMs ?? 0 });
    this.latencyController?.evaluate(holdMs);
  }

  private readonly onVideoError = (): void => {
    if (!isWsMode(this.mode)) return; // hls.js and native HLS watch the element themselves
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
