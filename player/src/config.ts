/**
 * PlayerConfig: one defaults object; every key names the component that reads it.
 * `mergeConfig()` validates: contradictions throw (programmer error), out-of-range values are
 * clamped with a warning (hls.js src/config.ts mergeConfig style).
 */
import type { LatencyControllerOptions } from './latency/latency-controller.js';
import { FALLBACK_SETTINGS, type FallbackSetting } from './fallback/mode-selector.js';

export interface PlayerConfig extends LatencyControllerOptions {
  /** RemuxInterface: run the remuxer in a Web Worker (inline on the main thread if false or if `new Worker` throws). */
  enableWorker: boolean;
  /** WsClient (transport/reconnect-policy.ts): delay of the first reconnect attempt, ms (well under a second: LOW-LATENCY.md 11). */
  reconnectInitialDelayMs: number;
  /**
   * WsClient: each further attempt waits this factor longer... (1.5: after a short outage such as
   * a server restart, the wait for the next attempt is at most about half the outage; 2 would
   * make it as long as the outage)
   */
  reconnectBackoffFactor: number;
  /** WsClient: ...up to this cap, ms. */
  reconnectMaxDelayMs: number;
  /** WsClient: 0..1, the randomized fraction of each delay, so viewers of a restarted server do not retry in lock-step. */
  reconnectJitter: number;
  /** WsClient: give up after this many consecutive failed attempts (Infinity = never). */
  reconnectMaxAttempts: number;
  /** BackBuffer: seconds of media kept behind currentTime; older ranges are removed. */
  backBufferSeconds: number;
  /** BackBuffer: trim at most every this many ms. */
  backBufferTrimIntervalMs: number;
  /** MseController: prefer ManagedMediaSource when the browser has it (iOS 17.1+, Safari). */
  preferManagedMediaSource: boolean;
  /** StatsCollector: period of the STATS event, ms (~4/s). */
  statsIntervalMs: number;
  /** StatsCollector: how many pts → captureTime entries to keep for latency lookup. */
  latencyMapSize: number;
  /**
   * FramewirePlayer (lifecycle/autoplay.ts): call video.play() when data arrives and the element is
   * paused; where the browser refuses sound, play muted and emit AUTOPLAY_MUTED.
   */
  autoPlay: boolean;
  /**
   * FramewirePlayer (lifecycle/visibility.ts): after the page has been hidden this long (ms), stop
   * consuming (close the socket, drop buffered media) until it is visible again, then reconnect at
   * the live edge. A shorter absence keeps everything and jumps to the live edge on return.
   * Infinity = never suspend.
   */
  hiddenSuspendDelayMs: number;
  /** Logger: print debug logs to the console. */
  debug: boolean;
  /**
   * Fmp4Remuxer: when the SPS has no VUI bitstream_restriction and the stream shows no reordering,
   * give the decoder an SPS saying max_num_reorder_frames = 0 (remux/no-reorder-signal.ts;
   * LOW-LATENCY.md "Decoder reorder window").
   */
  signalNoReorder: boolean;
  /**
   * WsClient, HlsController: a viewer token (a JWT from `framewire token NAME` or the site's own
   * back end) for streams that require one; '' = none. Sent as the WebSocket subprotocol
   * `framewire.token.<JWT>` (out of the URL), and as `?token=` on LL-HLS requests (hls.js cannot
   * avoid a CORS preflight per URL for a header). Also `?token=` on the pages.
   */
  token: string;
  /**
   * FramewirePlayer (fallback/mode-selector.ts): 'auto' = WebSocket + MSE, then LL-HLS through
   * hls.js when the WebSocket cannot connect, native HLS when MSE is absent; 'hls' / 'native' start
   * with LL-HLS; 'ws' never falls back. Also `?fallback=hls` on the pages.
   */
  fallback: FallbackSetting;
  /**
   * FramewirePlayer: the first WebSocket connection must be established (first server message)
   * within this many ms, else LL-HLS takes over (fallback 'auto'). Later reconnects of a socket that
   * worked once stay on the WebSocket.
   */
  wsConnectTimeoutMs: number;
  /** FramewirePlayer: the LL-HLS playlist URL; '' = derived from the socket URL (`/hls/NAME/index.m3u8`, fallback/hls-url.ts). */
  hlsUrl: string;
  /**
   * HlsController: hls.js target latency (live edge → playhead), seconds; 0 = the playlist's
   * PART-HOLD-BACK (3 part targets from Framewire's server), which hls.js uses in low-latency mode.
   */
  hlsTargetLatency: number;
  /** HlsController: hls.js `maxLiveSyncPlaybackRate`: catch-up rate when behind the target (hls.js default 1: none). */
  hlsMaxLiveSyncPlaybackRate: number;
  /** HlsController: hls.js `liveMaxLatencyDuration`: further than this behind the live edge (s), hls.js seeks to the target. */
  hlsMaxLatency: number;
  /** TargetLatencyRatchet: seconds added to the hls.js target per stall (replaces hls.js's `liveSyncOnStallIncrease`)... */
  hlsStallLatencyStep: number;
  /** TargetLatencyRatchet: ...up to this much above the base target, seconds... */
  hlsStallLatencyMaxExtra: number;
  /** TargetLatencyRatchet: ...and one step back down after this many ms without a stall. */
  hlsStallRecoveryMs: number;
}

export const defaultPlayerConfig: Readonly<PlayerConfig> = Object.freeze({
  enableWorker: true,
  reconnectInitialDelayMs: 250,
  reconnectBackoffFactor: 1.5,
  reconnectMaxDelayMs: 10_000,
  reconnectJitter: 0.5,
  reconnectMaxAttempts: Infinity,
  backBufferSeconds: 10,
  backBufferTrimIntervalMs: 2000,
  preferManagedMediaSource: true,
  statsIntervalMs: 250,
  latencyMapSize: 600,
  autoPlay: true,
  hiddenSuspendDelayMs: 5000,
  debug: false,
  signalNoReorder: true,
  token: '',
  fallback: 'auto',
  wsConnectTimeoutMs: 2000,
  hlsUrl: '',
  // LL-HLS through hls.js (hls/hls-config.ts; measured values in player/README.md "LL-HLS fallback")
  hlsTargetLatency: 0,
  hlsMaxLiveSyncPlaybackRate: 1.5,
  hlsMaxLatency: 2,
  hlsStallLatencyStep: 0.25,
  hlsStallLatencyMaxExtra: 1,
  hlsStallRecoveryMs: 10_000,
  // LatencyController (see latency-controller.ts for the meaning of each; values measured in
  // Chromium 156, see player/README.md "Latency controller"; the hold-time floor and band)
  targetBufferFrames: 1,
  catchUpEnterFrames: 0.5,
  catchUpExitFrames: 0.15,
  maxPlaybackRate: 1.1,
  playbackRateGain: 1.5,
  backlogFrames: 5,
  seekThresholdSeconds: 0.5,
  seekCooldownMs: 1000,
  holdFloorWindowMs: 10_000,
  holdRecentWindowMs: 500,
});

export class PlayerConfigError extends Error {
  readonly code = 'PLAYER_ERR_CONFIG';
}

function clamp(config: PlayerConfig, key: keyof PlayerConfig, min: number, max: number, warn: (m: string) => void): void {
  const value = config[key] as unknown;
  if (typeof value !== 'number' || Number.isNaN(value)) throw new PlayerConfigError(`config.${key} must be a number`);
  if (value < min || value > max) {
    const clamped = Math.min(max, Math.max(min, value));
    warn(`config.${key} = ${value} is out of range [${min}, ${max}]; using ${clamped}`);
    (config as unknown as Record<string, unknown>)[key] = clamped;
  }
}

/** Defaults ← user values, validated. Unknown keys throw (typos should not pass silently). */
export function mergeConfig(user: Partial<PlayerConfig> = {}, warn: (m: string) => void = console.warn): PlayerConfig {
  for (const key of Object.keys(user)) {
    if (!(key in defaultPlayerConfig)) throw new PlayerConfigError(`unknown config key "${key}"`);
  }
  const config: PlayerConfig = { ...defaultPlayerConfig, ...user };
  clamp(config, 'reconnectInitialDelayMs', 0, 60_000, warn);
  clamp(config, 'reconnectBackoffFactor', 1, 10, warn);
  clamp(config, 'reconnectMaxDelayMs', 0, 600_000, warn);
  clamp(config, 'reconnectJitter', 0, 1, warn);
  clamp(config, 'hiddenSuspendDelayMs', 0, Infinity, warn);
  clamp(config, 'backBufferSeconds', 1, 3600, warn);
  clamp(config, 'statsIntervalMs', 50, 10_000, warn);
  clamp(config, 'latencyMapSize', 16, 100_000, warn);
  clamp(config, 'targetBufferFrames', 0, 30, warn);
  clamp(config, 'maxPlaybackRate', 1, 2, warn);
  clamp(config, 'backlogFrames', 1, 300, warn);
  clamp(config, 'holdRecentWindowMs', 0, 10_000, warn);
  clamp(config, 'holdFloorWindowMs', 1000, 600_000, warn);
  clamp(config, 'wsConnectTimeoutMs', 100, 60_000, warn);
  clamp(config, 'hlsTargetLatency', 0, 30, warn);
  clamp(config, 'hlsMaxLiveSyncPlaybackRate', 1, 2, warn); // hls.js caps it at 2 itself
  clamp(config, 'hlsMaxLatency', 0.5, 120, warn);
  clamp(config, 'hlsStallLatencyStep', 0, 5, warn);
  clamp(config, 'hlsStallLatencyMaxExtra', 0, 30, warn);
  clamp(config, 'hlsStallRecoveryMs', 0, 600_000, warn);
  if (!FALLBACK_SETTINGS.includes(config.fallback)) {
    throw new PlayerConfigError(`config.fallback must be one of ${FALLBACK_SETTINGS.map((f) => `"${f}"`).join(', ')} (got "${String(config.fallback)}")`);
  }
  if (typeof config.hlsUrl !== 'string') throw new PlayerConfigError('config.hlsUrl must be a string');
  // A WebSocket subprotocol must be an RFC 7230 token (RFC 6455 4.1): a JWT's base64url parts and dots are.
  if (typeof config.token !== 'string' || !/^[A-Za-z0-9._~-]*$/.test(config.token)) {
    throw new PlayerConfigError('config.token must be a JWT (base64url parts joined by ".")');
  }
  if (config.hlsTargetLatency > 0 && config.hlsMaxLatency <= config.hlsTargetLatency + config.hlsStallLatencyMaxExtra) {
    // hls.js itself throws on liveMaxLatencyDuration <= liveSyncDuration; the ratchet may add its extra on top.
    throw new PlayerConfigError('hlsMaxLatency must be above hlsTargetLatency + hlsStallLatencyMaxExtra');
  }
  if (config.reconnectInitialDelayMs > config.reconnectMaxDelayMs) {
    throw new PlayerConfigError('reconnectInitialDelayMs must not exceed reconnectMaxDelayMs');
  }
  if (config.catchUpExitFrames > config.catchUpEnterFrames) {
    throw new PlayerConfigError('catchUpExitFrames must not exceed catchUpEnterFrames (hysteresis band)');
  }
  if (config.seekThresholdSeconds <= config.targetBufferFrames / 10) {
    // 10 fps is the slowest frame rate we tune for: the seek line must sit above the target.
    throw new PlayerConfigError('seekThresholdSeconds must be above the target buffer');
  }
  return config;
}
