/**
 * LatencyController: removes every millisecond a frame waits in the player beyond what decoding
 * and display need.
 *
 * The signal is the *hold time* of each presented frame: presentation time
 * (`requestVideoFrameCallback` expectedDisplayTime) minus the time its fragment reached the
 * player, both on `performance.now()`. Its minimum over a long window is the floor of this
 * machine's path (worker, append, decode, compositor); the minimum over a short window above that
 * floor is latency we can remove by playing slightly faster.
 *
 * Why not `bufferedEnd - currentTime` (LOW-LATENCY.md technique 5)? Measured in Chromium 156:
 * - `currentTime` trails the frame on screen by about a frame and jitters by a few ms;
 * - the number of frames queued behind the presented one is 0 or 1: with one fragment per frame
 *   the buffer is quantized in whole frames, so a controller on it keeps a whole spare frame
 *   (33 ms) or none;
 * - Chromium renders 29.97 fps on a 30 fps cadence at 60 Hz (VideoRendererAlgorithm), so frames
 *   are shown 1 ms/s earlier until one arrives too late for its slot; that slip adds a whole
 *   frame of hold time, which only a continuous signal sees and removes.
 *
 * Policy: a hysteresis band with a bounded playbackRate for small excess (never below 1.0), a
 * seek to the live edge only for large drift: the burst of the cached GOP on join, a tab return,
 * a stall. go2rtc's `playbackRate = gap` settles at ~1 s of buffer: not that.
 *
 * `decideLatencyAction()` is the whole policy as a pure function (unit-tested); the class only
 * samples the `<video>` element and the hold times, and applies the action.
 */

export interface LatencyPolicy {
  /**
   * Media (frame intervals) left between the seek target and the buffered end after a live-edge
   * seek: 1 = the start of the newest frame, so it is shown at once.
   */
  targetBufferFrames: number;
  /** Speed up when the hold time exceeds its floor by more than this many frame intervals... */
  catchUpEnterFrames: number;
  /** ...and return to 1.0 once the excess is below this many frame intervals. */
  catchUpExitFrames: number;
  /** Upper bound of playbackRate while catching up (1.1–1.25 for live). */
  maxPlaybackRate: number;
  /** Rate gain: rate = 1 + gain * excess seconds, clamped to maxPlaybackRate. */
  playbackRateGain: number;
  /**
   * Buffer (frame intervals, bufferedEnd - currentTime) above which playback is behind whatever
   * the hold signal says: the part above it counts as excess too. The hold signal needs about a
   * second of frames after a join before its floor is believed, and a floor measured while a
   * backlog is held (the join seek decodes the cached GOP from its key frame while live frames
   * keep arriving: 150–300 ms at 720p on a loaded 2-core machine) would hide that backlog. In
   * steady state the buffer measured 1–4 frames here, so this only catches a real backlog.
   */
  backlogFrames: number;
  /** Buffer (seconds, bufferedEnd - currentTime) above which we seek to the live edge instead of speeding up. */
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
  /** Hold time above its floor, seconds (undefined until there are hold samples). */
  excessHold?: number;
  /** Current frame interval, seconds (from the sample durations). */
  frameInterval: number;
  /** Current playbackRate of the element. */
  playbackRate: number;
  /** ms since the last seek this controller issued (Infinity if none). */
  msSinceSeek: number;
  /** The element is seeking: decide nothing. */
  seeking: boolean;
  /**
   * The element is paused (by the viewer, or by the browser in a background tab): only a forced
   * live-edge jump is done. Otherwise the buffer grows while paused and every second would bring
   * a drift seek, each decoding from the key frame for a picture nobody watches.
   */
  paused?: boolean;
  /** Force a jump to the live edge (tab became visible again, playback sits in an old range). */
  forceLiveEdge: boolean;
  /**
   * Forced jumps only: aim about this many seconds past the newest buffered frame (rounded to
   * whole frames). A seek decodes from the key frame before showing anything (~100 ms for a 720p
   * GOP here) while live frames keep arriving, so a jump to the newest frame starts playback that
   * much late; aiming at a frame about to arrive makes the element wait for it instead (an HTML
   * seek to a position not yet buffered completes once MSE has appended it).
   */
  leadSeconds?: number;
}

export type LatencyAction =
  /** `done`: a forced live-edge jump found playback already at the edge. */
  | { kind: 'none'; done?: boolean }
  | { kind: 'rate'; playbackRate: number; reason: 'catch-up' | 'in-band' }
  | { kind: 'seek'; to: number; reason: 'drift' | 'forced' };

const NONE: LatencyAction = { kind: 'none' };

/**
 * After a seek with a carried floor, the hold excess is believed after this many ms of frames
 * instead of a full recent window (500 ms). Every frame presented after the seek was held by the
 * decode the seek needed (it starts from the key frame while live frames keep arriving), so
 * their minimum is real excess from the first frames on; waiting for a full window let a tab
 * return sit 70 ms late for half a second on a loaded CI machine (119 ms vs 46 before hiding,
 * at the edge only 664 ms after the page was shown).
 */
const SEEK_TRUST_MS = 150;

/** The latency policy as a pure function of the element's state. */
export function decideLatencyAction(input: LatencyInput, policy: LatencyPolicy): LatencyAction {
  const { bufferedEnd, bufferedStart, currentTime, frameInterval, playbackRate } = input;
  if (input.seeking || !(bufferedEnd > bufferedStart)) return NONE;
  if (input.paused && !input.forceLiveEdge) return NONE;
  const buffer = bufferedEnd - currentTime;
  const edge = Math.max(bufferedStart, bufferedEnd - policy.targetBufferFrames * frameInterval);

  if (input.forceLiveEdge || buffer > policy.seekThresholdSeconds) {
    if (!input.forceLiveEdge && input.msSinceSeek < policy.seekCooldownMs) return NONE;
    // Already there: a seek would only flush the decoder and re-decode from the key frame.
    if (Math.abs(edge - currentTime) <= frameInterval / 2) return input.forceLiveEdge ? { kind: 'none', done: true } : NONE;
    // The lead (forced jumps only) applies to a seek that is needed anyway, never causes one.
    const lead = input.forceLiveEdge ? Math.round(Math.max(0, input.leadSeconds ?? 0) / frameInterval) : 0;
    return { kind: 'seek', to: edge + lead * frameInterval, reason: input.forceLiveEdge ? 'forced' : 'drift' };
  }
  const backlog = Math.max(0, buffer - policy.backlogFrames * frameInterval);
  const catchingUp = playbackRate > 1;
  if (input.excessHold === undefined && backlog === 0 && !catchingUp) return NONE;

  const excess = Math.max(input.excessHold ?? 0, backlog);
  let rate = 1;
  let reason: 'catch-up' | 'in-band' = 'in-band';
  if (excess > policy.catchUpEnterFrames * frameInterval ||
      (catchingUp && excess > policy.catchUpExitFrames * frameInterval)) {
    // At least 1% faster, so a small excess is gone within a couple of seconds.
    rate = Math.max(1.01, Math.min(policy.maxPlaybackRate, 1 + policy.playbackRateGain * excess));
    reason = 'catch-up';
  }
  rate = Math.round(rate * 100) / 100; // setting playbackRate has a cost: avoid jitter in the 3rd decimal
  if (Math.abs(rate - playbackRate) < 0.005) return NONE;
  return { kind: 'rate', playbackRate: rate, reason };
}

/** A sliding-window minimum (monotonic deque): O(1) amortized per sample. */
export class WindowMin {
  private samples: { t: number; v: number }[] = [];
  private startT = NaN;
  constructor(private readonly windowMs: number) {}
  push(t: number, v: number): number {
    if (Number.isNaN(this.startT)) this.startT = t;
    const s = this.samples;
    while (s.length && s[s.length - 1]!.v >= v) s.pop();
    s.push({ t, v });
    while (s.length && s[0]!.t < t - this.windowMs) s.shift();
    return s[0]!.v;
  }
  /** How long (ms) samples have been pushed since the last reset. */
  spanMs(now: number): number {
    return Number.isNaN(this.startT) ? 0 : now - this.startT;
  }
  reset(): void {
    this.samples = [];
    this.startT = NaN;
  }
}

export interface LatencyControllerOptions extends LatencyPolicy {
  /** Window (ms) of the minimum that estimates the floor of the hold time (decode + display). */
  holdFloorWindowMs: number;
  /** Window (ms) of the minimum that estimates the current hold time (filters one-off late frames). */
  holdRecentWindowMs: number;
}

export interface LatencySnapshot {
  bufferSeconds: number;
  /** Floor and current (windowed minimum) hold time, ms. */
  holdFloorMs: number;
  holdRecentMs: number;
  seeks: number;
  lastAction: LatencyAction;
}

/** Applies `decideLatencyAction` to a `<video>` element. */
export class LatencyController {
  private frameInterval = 1 / 30;
  private lastSeekAt = -Infinity;
  private forceLiveEdge = false;
  private leadSeconds = 0;
  /** The floor window holds a floor carried over the last seek (see evaluate). */
  private floorCarried = false;
  private readonly floor: WindowMin;
  private readonly recent: WindowMin;
  private seeks = 0;
  private lastBuffer = 0;
  private holdFloor = NaN;
  private holdRecent = NaN;
  private lastAction: LatencyAction = NONE;

  constructor(private readonly video: HTMLVideoElement, private readonly policy: LatencyControllerOptions,
              private readonly log: (msg: string) => void = () => {}) {
    this.floor = new WindowMin(policy.holdFloorWindowMs);
    this.recent = new WindowMin(policy.holdRecentWindowMs);
  }

  /** Nothing to release: the facade owns the element's listeners (tab return: lifecycle/visibility.ts). */
  destroy(): void {}

  setFrameInterval(seconds: number): void {
    if (seconds > 0 && seconds < 1) this.frameInterval = seconds;
  }

  /** The floor window has seen enough frames of its own to be believed. */
  private floorTrusted(now: number): boolean {
    return this.floor.spanMs(now) > this.policy.holdRecentWindowMs * 2;
  }

  /** Jump to the live edge at the next evaluation (tab return, reconnect); `leadSeconds`: see LatencyInput. */
  requestLiveEdge(leadSeconds = 0): void {
    this.forceLiveEdge = true;
    this.leadSeconds = leadSeconds;
  }

  snapshot(): LatencySnapshot {
    return { bufferSeconds: this.lastBuffer, holdFloorMs: this.holdFloor, holdRecentMs: this.holdRecent, seeks: this.seeks, lastAction: this.lastAction };
  }

  /**
   * Call after every append (no argument) and for every presented frame with its hold time
   * (ms from the fragment reaching the player to the frame's presentation).
   */
  evaluate(holdMs?: number, now = performance.now()): void {
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
    let excessHold: number | undefined;
    // Hold times only while playing: a paused element shows a seek's target at once, which says
    // nothing about the decode-and-display path.
    if (holdMs !== undefined && !v.seeking && !v.paused) {
      this.holdFloor = this.floor.push(now, holdMs);
      this.holdRecent = this.recent.push(now, holdMs);
      // Trust the excess only once the floor window has seen a few seconds of frames, or, with a
      // floor carried over a seek, after SEEK_TRUST_MS of frames: the backlog a seek leaves is
      // then caught up from ~0.15 s after it instead of ~1 s.
      if (this.floorTrusted(now) || (this.floorCarried && this.recent.spanMs(now) >= Math.min(SEEK_TRUST_MS, this.policy.holdRecentWindowMs))) {
        excessHold = (this.holdRecent - this.holdFloor) / 1000;
      }
    } else if (buffer <= this.policy.seekThresholdSeconds && !this.forceLiveEdge && inLast) {
      return; // appends only matter for the large-drift seek
    }
    const action = decideLatencyAction({
      bufferedEnd,
      bufferedStart,
      currentTime: v.currentTime,
      ...(excessHold !== undefined ? { excessHold } : {}),
      frameInterval: this.frameInterval,
      playbackRate: v.playbackRate,
      msSinceSeek: now - this.lastSeekAt,
      seeking: v.seeking,
      paused: v.paused,
      forceLiveEdge: this.forceLiveEdge || !inLast,
      leadSeconds: this.forceLiveEdge ? this.leadSeconds : 0,
    }, this.policy);
    if (action.kind === 'none') {
      if (action.done) {
        this.forceLiveEdge = false;
        this.leadSeconds = 0;
      }
      return;
    }
    this.lastAction = action;
    if (action.kind === 'rate') {
      v.playbackRate = action.playbackRate;
    } else {
      this.forceLiveEdge = false;
      this.leadSeconds = 0;
      this.lastSeekAt = now;
      this.seeks++;
      // Hold times before the seek describe the old position: start both windows afresh, but
      // carry the floor over as one sample. The floor is the machine's decode-and-display path,
      // which a seek does not change; without it, the frames the seek itself puts behind the
      // playhead (a seek decodes from the key frame: ~100 ms for a 720p GOP here, while live
      // frames keep arriving) would become the new floor and never be caught up (measured on tab
      // return: +107 ms held for good). It ages out of the window like any sample. Only a floor
      // trusted by the rule below (over a second of frames) is carried: not the few frames of a
      // join burst before its live-edge seek, which behaves as before.
      const floor = this.floorTrusted(now) || this.floorCarried ? this.holdFloor : Number.NaN;
      this.floor.reset();
      this.recent.reset();
      this.floorCarried = Number.isFinite(floor);
      if (this.floorCarried) this.floor.push(now, floor);
      this.log(`seek ${v.currentTime.toFixed(3)} -> ${action.to.toFixed(3)} (${action.reason}, buffer ${buffer.toFixed(3)} s)`);
      v.playbackRate = 1;
      v.currentTime = action.to;
    }
  }
}
