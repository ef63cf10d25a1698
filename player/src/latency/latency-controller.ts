/**
 * LatencyController: keeps about `targetBufferFrames` frame intervals between `currentTime` and
 * the buffered end. Everything above that is latency the viewer does not need.
 *
 * Policy (LOW-LATENCY.md technique 5; CONVENTIONS.md 9): a hysteresis band with a bounded
 * playbackRate for small drift (never below 1.0 unless about to stall) and a seek to
 * `bufferedEnd - target` only for large drift: the burst of the cached GOP on join, a stall,
 * a return to a background tab. go2rtc's `playbackRate = gap` settles at ~1 s of buffer: not that.
 *
 * `decideLatencyAction()` is the whole policy as a pure function (unit-tested); the class only
 * samples the `<video>` element, filters the samples and applies the action.
 */

export interface LatencyPolicy {
  /** Desired `bufferedEnd - currentTime`, in frame intervals. */
  targetBufferFrames: number;
  /** Speed up when the (filtered) buffer exceeds target + this many frame intervals. */
  catchUpEnterFrames: number;
  /** ...and return to 1.0 once it is back within target + this many frame intervals. */
  catchUpExitFrames: number;
  /** Upper bound of playbackRate while catching up (1.1–1.25 for live). */
  maxPlaybackRate: number;
  /** Rate gain: rate = 1 + gain * excess seconds, clamped to maxPlaybackRate. */
  playbackRateGain: number;
  /** Below this buffer (seconds) playback is about to stall: play at `minPlaybackRate`. */
  stallGuardSeconds: number;
  /** playbackRate used when about to stall (1.0 disables slowing down). */
  minPlaybackRate: number;
  /** Buffer (seconds) above which we seek to the live edge instead of speeding up. */
  seekThresholdSeconds: number;
  /** Minimum time between two seeks (ms), so that a burst of frames causes one seek, not thirty. */
  seekCooldownMs: number;
}

export interface LatencyInput {
  /** End of the buffered range that contains currentTime (or the last range), seconds. */
  bufferedEnd: number;
  /** Start of that range, seconds: a seek never goes before it. */
  bufferedStart: number;
  currentTime: number;
  /**
   * The buffer after filtering (a windowed minimum), seconds: drives the rate decision so that
   * arrival jitter does not. Seeks use the raw buffer. Defaults to bufferedEnd - currentTime.
   */
  filteredBuffer?: number;
  /** Current frame interval, seconds (from the sample durations). */
  frameInterval: number;
  /** Current playbackRate of the element. */
  playbackRate: number;
  /** ms since the last seek this controller issued (Infinity if none). */
  msSinceSeek: number;
  /** The element is seeking: decide nothing. */
  seeking: boolean;
  /** Force a jump to the live edge (tab became visible again, recovered from a stall). */
  forceLiveEdge: boolean;
}

export type LatencyAction =
  | { kind: 'none' }
  | { kind: 'rate'; playbackRate: number; reason: 'catch-up' | 'in-band' | 'stall-guard' }
  | { kind: 'seek'; to: number; reason: 'drift' | 'forced' };

const NONE: LatencyAction = { kind: 'none' };

/** Stalls this soon after the first frame or a seek are start-up effects, not network jitter. */
const STARTUP_GRACE_MS = 3000;

/** The latency policy as a pure function of the element's state. */
export function decideLatencyAction(input: LatencyInput, policy: LatencyPolicy): LatencyAction {
  const { bufferedEnd, bufferedStart, currentTime, frameInterval, playbackRate } = input;
  if (input.seeking || !(bufferedEnd > bufferedStart)) return NONE;
  const target = policy.targetBufferFrames * frameInterval;
  const buffer = bufferedEnd - currentTime;
  const seekTo = Math.max(bufferedStart, bufferedEnd - target);

  if (input.forceLiveEdge || buffer > policy.seekThresholdSeconds) {
    if (!input.forceLiveEdge && input.msSinceSeek < policy.seekCooldownMs) return NONE;
    if (seekTo - currentTime <= frameInterval / 2 && !input.forceLiveEdge) return NONE;
    return { kind: 'seek', to: seekTo, reason: input.forceLiveEdge ? 'forced' : 'drift' };
  }

  const smoothed = input.filteredBuffer ?? buffer;
  const excess = smoothed - target;
  const catchingUp = playbackRate > 1;
  let rate = 1;
  let reason: 'catch-up' | 'in-band' | 'stall-guard' = 'in-band';
  if (smoothed < policy.stallGuardSeconds) {
    rate = policy.minPlaybackRate;
    reason = 'stall-guard';
  } else if (excess > policy.catchUpEnterFrames * frameInterval ||
             (catchingUp && excess > policy.catchUpExitFrames * frameInterval)) {
    rate = Math.min(policy.maxPlaybackRate, 1 + policy.playbackRateGain * excess);
    // Never let the speed-up alone drop us under the exit line within one frame.
    rate = Math.max(rate, 1.01);
    reason = 'catch-up';
  }
  rate = Math.round(rate * 100) / 100; // setting playbackRate has a cost: avoid jitter in the 3rd decimal
  if (Math.abs(rate - playbackRate) < 0.005) return NONE;
  return { kind: 'rate', playbackRate: rate, reason };
}

/** A sliding-window minimum: the headroom we could remove without stalling is the minimum buffer. */
export class WindowMin {
  private samples: { t: number; v: number }[] = [];
  constructor(private readonly windowMs: number) {}
  push(t: number, v: number): number {
    const s = this.samples;
    while (s.length && s[s.length - 1]!.v >= v) s.pop();
    s.push({ t, v });
    while (s.length && s[0]!.t < t - this.windowMs) s.shift();
    return s[0]!.v;
  }
  reset(): void {
    this.samples = [];
  }
}

export interface LatencyControllerOptions extends LatencyPolicy {
  /** Window (ms) of the minimum filter applied to the buffer samples before the rate decision. */
  bufferWindowMs: number;
  /** Each stall (`waiting` while playing) raises the target by this many frames (adaptive jitter margin)... */
  stallTargetStepFrames: number;
  /** ...up to this many extra frames... */
  stallTargetMaxFrames: number;
  /** ...and one step is given back after this many ms without a stall. */
  stallTargetDecayMs: number;
}

/**
 * Adaptive jitter margin: the extra frames added to the target after stalls, decaying over time.
 * Pure (unit-tested). A clean loopback source keeps the base target; a jittery network earns a
 * frame or two of margin instead of stalling every few seconds.
 */
export function stallMargin(stallTimes: readonly number[], now: number, o: Pick<LatencyControllerOptions, 'stallTargetStepFrames' | 'stallTargetMaxFrames' | 'stallTargetDecayMs'>): number {
  let margin = 0;
  let t = -Infinity;
  for (const s of stallTimes) {
    if (s > now) break;
    margin = Math.max(0, margin - o.stallTargetStepFrames * Math.floor((s - t) / o.stallTargetDecayMs));
    margin = Math.min(o.stallTargetMaxFrames, margin + o.stallTargetStepFrames);
    t = s;
  }
  if (t > -Infinity) margin = Math.max(0, margin - o.stallTargetStepFrames * Math.floor((now - t) / o.stallTargetDecayMs));
  return margin;
}

export interface LatencySnapshot {
  bufferSeconds: number;
  filteredBufferSeconds: number;
  seeks: number;
  /** Target in use, frames (configured + adaptive margin). */
  targetFrames: number;
  lastAction: LatencyAction;
}

/** Applies `decideLatencyAction` to a `<video>` element. */
export class LatencyController {
  private frameInterval = 1 / 30;
  private lastSeekAt = -Infinity;
  private forceLiveEdge = false;
  private readonly window: WindowMin;
  private seeks = 0;
  private lastBuffer = 0;
  private lastFiltered = 0;
  private lastAction: LatencyAction = NONE;
  private readonly stalls: number[] = [];
  private firstFrameAt = Infinity;
  private readonly onVisibility = (): void => {
    if (document.visibilityState === 'visible') this.requestLiveEdge();
  };
  private readonly onWaiting = (): void => {
    // Only stalls during steady playback count: not the start-up (first frames, the join seek),
    // not the aftermath of our own seeks.
    const now = performance.now();
    if (this.video.seeking || this.video.paused || now - this.firstFrameAt < STARTUP_GRACE_MS || now - this.lastSeekAt < STARTUP_GRACE_MS) return;
    this.stalls.push(performance.now());
    if (this.stalls.length > 32) this.stalls.shift();
  };

  constructor(private readonly video: HTMLVideoElement, private readonly policy: LatencyControllerOptions,
              private readonly log: (msg: string) => void = () => {}) {
    this.window = new WindowMin(policy.bufferWindowMs);
    document.addEventListener('visibilitychange', this.onVisibility);
    video.addEventListener('waiting', this.onWaiting);
  }

  destroy(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.video.removeEventListener('waiting', this.onWaiting);
  }

  /** Current target in frames: the configured one plus the adaptive jitter margin. */
  targetFrames(now = performance.now()): number {
    return this.policy.targetBufferFrames + stallMargin(this.stalls, now, this.policy);
  }

  setFrameInterval(seconds: number): void {
    if (seconds > 0 && seconds < 1) this.frameInterval = seconds;
  }

  /** Jump to the live edge at the next evaluation (tab return, reconnect). */
  requestLiveEdge(): void {
    this.forceLiveEdge = true;
  }

  snapshot(): LatencySnapshot {
    return { bufferSeconds: this.lastBuffer, filteredBufferSeconds: this.lastFiltered, seeks: this.seeks, targetFrames: this.targetFrames(), lastAction: this.lastAction };
  }

  /**
   * Call after every append (no argument) and for every presented frame (with the frame's
   * `mediaTime` from requestVideoFrameCallback).
   *
   * Measured in Chromium 156: `currentTime` lags the frame actually on screen by about one frame
   * interval and jitters by a few ms, so `bufferedEnd - currentTime` is a poor signal at the
   * one-frame scale. The rate decision therefore uses the presented frame itself: the media
   * appended beyond it, `bufferedEnd - (mediaTime + frameInterval)`, i.e. frames waiting in the
   * buffer when a frame reaches the screen (0 = running at the very edge). Seeks for large drift
   * use the raw `bufferedEnd - currentTime`, which is good enough at the 0.5 s scale.
   */
  evaluate(presentedMediaTime?: number, now = performance.now()): void {
    const v = this.video;
    const ranges = v.buffered;
    if (ranges.length === 0) return;
    let i = ranges.length - 1;
    for (let k = 0; k < ranges.length; k++) {
      if (v.currentTime >= ranges.start(k) - 0.001 && v.currentTime <= ranges.end(k) + 0.001) { i = k; break; }
    }
    // Playback sits in an older range (a gap after a reconnect): go to the newest one.
    const inLast = i === ranges.length - 1;
    const bufferedEnd = ranges.end(ranges.length - 1);
    const bufferedStart = inLast ? ranges.start(i) : ranges.start(ranges.length - 1);
    const buffer = bufferedEnd - v.currentTime;
    this.lastBuffer = buffer;
    let filtered: number | undefined;
    if (presentedMediaTime !== undefined && this.firstFrameAt === Infinity) this.firstFrameAt = now;
    if (presentedMediaTime !== undefined && !v.seeking) {
      const queued = Math.max(0, bufferedEnd - (presentedMediaTime + this.frameInterval));
      filtered = this.window.push(now, queued);
      this.lastFiltered = filtered;
    } else if (buffer <= this.policy.seekThresholdSeconds && !this.forceLiveEdge && inLast) {
      return; // appends only matter for the large-drift seek
    }
    const action = decideLatencyAction({
      bufferedEnd,
      bufferedStart,
      currentTime: v.currentTime,
      ...(filtered !== undefined ? { filteredBuffer: filtered } : {}),
      frameInterval: this.frameInterval,
      playbackRate: v.playbackRate,
      msSinceSeek: now - this.lastSeekAt,
      seeking: v.seeking,
      forceLiveEdge: this.forceLiveEdge || !inLast,
    }, { ...this.policy, targetBufferFrames: this.targetFrames(now) });
    if (action.kind === 'none') return;
    this.lastAction = action;
    if (action.kind === 'rate') {
      v.playbackRate = action.playbackRate;
    } else {
      this.forceLiveEdge = false;
      this.lastSeekAt = now;
      this.seeks++;
      this.window.reset();
      this.log(`seek ${v.currentTime.toFixed(3)} -> ${action.to.toFixed(3)} (${action.reason}, buffer ${buffer.toFixed(3)} s)`);
      v.playbackRate = 1;
      v.currentTime = action.to;
    }
  }
}
