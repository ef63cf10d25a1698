/**
 * HlsController: LL-HLS through hls.js, loaded on demand.
 *
 * `import('hls.js/light')` is dynamic so that a page on the WebSocket path never downloads it:
 * Vite puts hls.js in a chunk of its own, fetched only when the player falls back.
 *
 * Latency policy (hls/hls-config.ts): low-latency mode with PART-HOLD-BACK as the target,
 * catch-up up to `hlsMaxLiveSyncPlaybackRate`, the stall ratchet of hls.js replaced by
 * TargetLatencyRatchet, and a seek back to the target beyond `hlsMaxLatency`.
 *
 * Errors: hls.js retries loads itself and reports `fatal` once it gives up. Then: a 404 playlist
 * is STREAM_NOT_FOUND (fatal); a rejected codec goes to the facade (which may switch to native
 * HLS); a fatal media error gets `recoverMediaError()` (hls.js API.md "Fatal Error Recovery"), at
 * most MAX_RECOVERIES a minute; a fatal network error reloads after the player's reconnect
 * backoff, up to `reconnectMaxAttempts` in a row.
 */
import type Hls from 'hls.js/light';
import type { ErrorData, FragLoadedData, LevelUpdatedData, BufferCodecsData } from 'hls.js/light';
import type { PlayerConfig } from '../config.js';
import { ErrorDetails, ErrorTypes } from '../errors.js';
import { reconnectDelay } from '../transport/reconnect-policy.js';
import { lowLatencyHlsConfig, maxLatencyFor } from './hls-config.js';
import type { HlsLatency, HlsPlayback, HlsPlaybackHandlers } from './hls-playback.js';
import { captureTimeAt, type DatedFragment } from './program-date-time.js';
import { loadHlsJs } from './hls-js-loader.js';
import { TargetLatencyRatchet } from './target-latency-ratchet.js';

type HlsModule = typeof import('hls.js/light');

const MAX_RECOVERIES = 3;
const RECOVERY_WINDOW_MS = 60_000;
/** After a resume, play without the live seek if no playlist update came in this long. */
const RESUME_WAIT_MS = 2000;
/** A resumed playhead less than this behind the live sync point is left where it is (a seek flushes the decoder). */
const LIVE_SEEK_MARGIN_S = 0.5;
/** hls.js errors that mean "MediaSource cannot take this codec". */
const CODEC_ERRORS: ReadonlySet<string> = new Set(['manifestIncompatibleCodecsError', 'bufferAddCodecError', 'bufferIncompatibleCodecsError']);

export class HlsController implements HlsPlayback {
  readonly mode = 'hls.js' as const;
  private hls: Hls | null = null;
  private mod: HlsModule | null = null;
  private destroyed = false;
  private readonly ratchet: TargetLatencyRatchet;
  private ratchetTimer: ReturnType<typeof setInterval> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private retries = 0;
  private manifestLoaded = false;
  private suspended = false;
  private levelSeen = false;
  /** After a resume: called at the first playlist update, once the playhead is at the live sync point. */
  private atLiveEdge: (() => void) | null = null;
  private resumeTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly recoveries: number[] = [];

  constructor(private readonly video: HTMLVideoElement, private readonly url: string, private readonly config: Readonly<PlayerConfig>,
              private readonly streamName: string, private readonly h: HlsPlaybackHandlers) {
    this.ratchet = new TargetLatencyRatchet({ step: config.hlsStallLatencyStep, maxExtra: config.hlsStallLatencyMaxExtra, recoveryMs: config.hlsStallRecoveryMs });
  }

  start(): void {
    loadHlsJs().then((mod) => {
      if (this.destroyed) return;
      this.mod = mod;
      if (!mod.default.isSupported()) {
        this.fail(ErrorTypes.MEDIA_ERROR, ErrorDetails.MSE_UNSUPPORTED, 'hls.js: this browser has no usable MediaSource');
        return;
      }
      this.create();
    }, (err: Error) => {
      // A chunk that fails to load (offline, blocked by a proxy, deleted by a redeploy).
      if (!this.destroyed) this.fail(ErrorTypes.NETWORK_ERROR, ErrorDetails.HLS_ERROR, `could not load hls.js: ${err.message}`, err);
    });
  }

  private create(): void {
    const { default: HlsCtor, Events } = this.mod!;
    const hls = new HlsCtor(lowLatencyHlsConfig(this.config));
    this.hls = hls;
    hls.on(Events.ERROR, (_e, data) => this.onError(data));
    hls.on(Events.MANIFEST_LOADED, () => {
      this.manifestLoaded = true;
    });
    hls.on(Events.LEVEL_UPDATED, (_e, data) => this.onLevelUpdated(data));
    hls.on(Events.FRAG_LOADED, (_e, data) => this.onFragLoaded(data));
    hls.on(Events.BUFFER_CODECS, (_e, data) => this.onBufferCodecs(data));
    hls.on(Events.FRAG_BUFFERED, () => {
      if (this.video.paused) this.h.requestPlay();
    });
    hls.attachMedia(this.video);
    hls.loadSource(this.url);
    this.ratchetTimer = setInterval(() => {
      const target = this.ratchet.tick(performance.now());
      if (target !== null && this.hls) {
        this.hls.targetLatency = target;
        this.h.log(`hls.js target latency back down to ${target.toFixed(2)} s`);
      }
    }, 1000);
  }

  captureTimeAt(mediaTime: number): number | undefined {
    const details = this.hls?.latestLevelDetails;
    if (!details) return undefined;
    const frags: DatedFragment[] = details.fragments;
    return captureTimeAt(details.fragmentHint ? [...frags, details.fragmentHint] : frags, mediaTime);
  }

  latency(): HlsLatency {
    const hls = this.hls;
    if (!hls?.latestLevelDetails) return { edge: null, target: null };
    return { edge: hls.latency, target: hls.targetLatency };
  }

  suspend(): void {
    this.suspended = true;
    this.hls?.stopLoad();
  }

  /**
   * Loads again and, at the first playlist update, seeks to hls.js's live sync point. hls.js would
   * jump there by itself only once the playhead fell behind liveMaxLatencyDuration, and a player
   * that played on at once first showed what was buffered before the page was hidden (measured:
   * the first frame after a 7 s absence was 4.5 s old). `atLiveEdge` (the facade's play) waits for
   * that seek, or RESUME_WAIT_MS at most.
   */
  resume(atLiveEdge?: () => void): void {
    if (!this.suspended) return;
    this.suspended = false;
    if (!this.hls || this.destroyed) {
      atLiveEdge?.();
      return;
    }
    this.atLiveEdge = atLiveEdge ?? (() => {});
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => this.resumed(), RESUME_WAIT_MS);
    if (this.manifestLoaded) this.hls.startLoad(-1);
    else this.hls.loadSource(this.url);
  }

  private resumed(): void {
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.resumeTimer = null;
    const done = this.atLiveEdge;
    this.atLiveEdge = null;
    done?.();
  }

  destroy(): void {
    this.destroyed = true;
    if (this.ratchetTimer) clearInterval(this.ratchetTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.ratchetTimer = this.retryTimer = this.resumeTimer = null;
    this.atLiveEdge = null;
    // hls.js detaches its MediaSource and removes the element's src itself.
    this.hls?.destroy();
    this.hls = null;
  }

  private onLevelUpdated({ details }: LevelUpdatedData): void {
    if (this.atLiveEdge && this.hls) {
      const live = this.hls.liveSyncPosition;
      if (live !== null && live !== undefined && this.video.currentTime < live - LIVE_SEEK_MARGIN_S) {
        this.h.log(`resumed: seek ${this.video.currentTime.toFixed(3)} -> ${live.toFixed(3)} (hls.js live sync point)`);
        this.video.currentTime = live;
      }
      this.resumed();
    }
    if (this.levelSeen || !this.hls) return;
    this.levelSeen = true;
    // The target without stalls: the configured one, else what hls.js derives from the playlist
    // (PART-HOLD-BACK in low-latency mode).
    const base = this.config.hlsTargetLatency || details.partHoldBack || details.holdBack || 3 * details.targetduration;
    this.ratchet.setBase(base);
    if (this.config.hlsTargetLatency <= 0) {
      // hls.js reads this at each use (stream-controller synchronizeToLiveEdge); it could not be
      // given at construction without also fixing liveSyncDuration (hls-config.ts).
      this.hls.config.liveMaxLatencyDuration = maxLatencyFor(base, this.config);
    }
    this.h.log(`LL-HLS: part target ${details.partTarget} s, target latency ${base} s, max ${this.hls.config.liveMaxLatencyDuration ?? '∞'} s`);
  }

  private onFragLoaded({ payload }: FragLoadedData): void {
    this.retries = 0; // media flows: the next outage starts with the short delay again
    this.h.onBytes(payload.byteLength);
  }

  private onBufferCodecs(data: BufferCodecsData): void {
    const codec = data.video?.codec ?? data.audiovideo?.codec;
    if (!codec) return;
    const report = (): void => this.h.onVideoInfo({ codec, width: this.video.videoWidth, height: this.video.videoHeight });
    if (this.video.videoWidth) report();
    else this.video.addEventListener('loadedmetadata', report, { once: true });
  }

  private onError(data: ErrorData): void {
    if (this.destroyed) return;
    const d = this.mod!.ErrorDetails;
    if (data.details === d.BUFFER_STALLED_ERROR) {
      const target = this.ratchet.stall(performance.now());
      if (this.hls) this.hls.targetLatency = target;
      this.h.log(`hls.js stalled: target latency ${target.toFixed(2)} s`);
      return;
    }
    if (!data.fatal) {
      this.h.log(`hls.js ${data.type} ${data.details} (recovering itself)`);
      return;
    }
    const reason = `hls.js ${data.details}${data.reason ? `: ${data.reason}` : data.error ? `: ${data.error.message}` : ''}`;
    if (CODEC_ERRORS.has(data.details)) {
      this.hls?.stopLoad(); // nothing more to load: native HLS takes over, or the error is final
      this.h.onCodecRejected(codecOf(data.mimeType) ?? this.hls?.levels[0]?.videoCodec ?? '', reason);
      return;
    }
    if (data.type === this.mod!.ErrorTypes.NETWORK_ERROR) {
      if (data.details === d.MANIFEST_LOAD_ERROR && data.response?.code === 404) {
        this.fail(ErrorTypes.NETWORK_ERROR, ErrorDetails.STREAM_NOT_FOUND, `Stream "${this.streamName}" does not exist (LL-HLS playlist: HTTP 404)`);
        return;
      }
      this.retryLoad(reason);
      return;
    }
    if (data.type === this.mod!.ErrorTypes.MEDIA_ERROR) {
      const now = performance.now();
      while (this.recoveries.length && now - this.recoveries[0]! > RECOVERY_WINDOW_MS) this.recoveries.shift();
      if (this.recoveries.length < MAX_RECOVERIES) {
        this.recoveries.push(now);
        this.h.onError({ type: ErrorTypes.MEDIA_ERROR, details: ErrorDetails.HLS_ERROR, fatal: false, reason: `${reason}; recovering` });
        this.hls?.recoverMediaError();
        return;
      }
    }
    this.fail(data.type === this.mod!.ErrorTypes.MEDIA_ERROR ? ErrorTypes.MEDIA_ERROR : ErrorTypes.OTHER_ERROR, ErrorDetails.HLS_ERROR, reason, data.error);
  }

  /** hls.js gave up loading: try again after the same backoff as the WebSocket (ws-client.ts). */
  private retryLoad(reason: string): void {
    this.retries++;
    if (this.retries > this.config.reconnectMaxAttempts) {
      this.fail(ErrorTypes.NETWORK_ERROR, ErrorDetails.HLS_ERROR, reason);
      return;
    }
    const delay = reconnectDelay(this.retries, { initialDelayMs: this.config.reconnectInitialDelayMs, backoffFactor: this.config.reconnectBackoffFactor, maxDelayMs: this.config.reconnectMaxDelayMs, jitter: this.config.reconnectJitter });
    this.h.onError({ type: ErrorTypes.NETWORK_ERROR, details: ErrorDetails.HLS_ERROR, fatal: false, reason: `${reason}; retrying in ${Math.round(delay)} ms` });
    this.hls?.stopLoad();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.hls || this.destroyed || this.suspended) return;
      // Before the first playlist there is nothing to resume: load the source again.
      if (this.manifestLoaded) this.hls.startLoad(-1);
      else this.hls.loadSource(this.url);
    }, delay);
  }

  private fail(type: ErrorTypes, details: ErrorDetails, reason: string, error?: Error): void {
    this.hls?.stopLoad(); // keep the last picture on screen, load nothing more
    this.h.onError({ type, details, fatal: true, reason, ...(error ? { error } : {}) });
  }
}

/** `video/mp4;codecs="avc1.64001f"` → `avc1.64001f`. */
function codecOf(mimeType: string | undefined): string | undefined {
  return mimeType ? /codecs="?([^";]+)/.exec(mimeType)?.[1] : undefined;
}
