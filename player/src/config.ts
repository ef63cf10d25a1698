/**
 * PlayerConfig: one defaults object; every key names the component that reads it.
 * `mergeConfig()` validates: contradictions throw (programmer error), out-of-range values are
 * clamped with a warning (hls.js src/config.ts mergeConfig style).
 */
import type { LatencyControllerOptions } from './latency/latency-controller.js';

export interface PlayerConfig extends LatencyControllerOptions {
  /** RemuxInterface: run the remuxer in a Web Worker (inline on the main thread if false or if `new Worker` throws). */
  enableWorker: boolean;
  /** WsClient: delay of the first reconnect attempt, ms (well under a second: LOW-LATENCY.md 11). */
  reconnectInitialDelayMs: number;
  /** WsClient: each further attempt waits this factor longer... */
  reconnectBackoffFactor: number;
  /** WsClient: ...up to this cap, ms. */
  reconnectMaxDelayMs: number;
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
  /** FramewirePlayer: call video.play() when data arrives and the element is paused (autoplay). */
  autoPlay: boolean;
  /** Logger: print debug logs to the console. */
  debug: boolean;
  /**
   * Fmp4Remuxer: when the SPS has no VUI bitstream_restriction and the stream shows no reordering,
   * give the decoder an SPS saying max_num_reorder_frames = 0 (remux/no-reorder-signal.ts;
   * LOW-LATENCY.md "Decoder reorder window").
   */
  signalNoReorder: boolean;
}

export const defaultPlayerConfig: Readonly<PlayerConfig> = Object.freeze({
  enableWorker: true,
  reconnectInitialDelayMs: 250,
  reconnectBackoffFactor: 2,
  reconnectMaxDelayMs: 5000,
  reconnectMaxAttempts: Infinity,
  backBufferSeconds: 10,
  backBufferTrimIntervalMs: 2000,
  preferManagedMediaSource: true,
  statsIntervalMs: 250,
  latencyMapSize: 600,
  autoPlay: true,
  debug: false,
  signalNoReorder: true,
  // LatencyController (see latency-controller.ts for the meaning of each; values measured in
  // Chromium 156, see player/README.md "Latency controller"; the hold-time floor and band)
  targetBufferFrames: 1,
  catchUpEnterFrames: 0.5,
  catchUpExitFrames: 0.15,
  maxPlaybackRate: 1.1,
  playbackRateGain: 1.5,
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
  clamp(config, 'backBufferSeconds', 1, 3600, warn);
  clamp(config, 'statsIntervalMs', 50, 10_000, warn);
  clamp(config, 'latencyMapSize', 16, 100_000, warn);
  clamp(config, 'targetBufferFrames', 0, 30, warn);
  clamp(config, 'maxPlaybackRate', 1, 2, warn);
  clamp(config, 'holdRecentWindowMs', 0, 10_000, warn);
  clamp(config, 'holdFloorWindowMs', 1000, 600_000, warn);
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
