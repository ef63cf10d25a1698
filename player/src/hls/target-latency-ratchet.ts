/**
 * TargetLatencyRatchet: the hls.js target latency after stalls, raised and lowered again.
 *
 * hls.js raises its target latency by `liveSyncOnStallIncrease` (default 1 s, capped at one target
 * duration) on every BUFFER_STALLED_ERROR and never lowers it while the stream runs
 * (latency-controller.ts `stallCount`; hls.js#6350: "3 stalls in an hour and the target drifts
 * from 1.4 to 4.4 s"). For a sub-second LL-HLS target one stall would double it for good.
 * So the player sets `liveSyncOnStallIncrease: 0` and keeps the ratchet here instead:
 *   - each stall raises the target by `step`, to at most `base + maxExtra` (a network that cannot
 *     hold the target gets a little more buffer, as hls.js intends);
 *   - each `recoveryMs` without a stall lowers it by one `step`, back to `base`.
 * The player applies the result with the `hls.targetLatency` setter (hls.js PR #6473), which also
 * resets hls.js's own stallCount. Pure: time is an input, so the policy is a unit test.
 */
export interface RatchetOptions {
  /** Seconds added per stall. */
  step: number;
  /** Most the target may rise above `base`, seconds. */
  maxExtra: number;
  /** Stall-free ms before one step back down. */
  recoveryMs: number;
}

export class TargetLatencyRatchet {
  private base = 0;
  private extra = 0;
  /** When the target last moved (a stall or a step down), ms. */
  private lastChangeAt = -Infinity;

  constructor(private readonly options: RatchetOptions) {}

  /** The target without stalls (PART-HOLD-BACK or the configured one), seconds. */
  setBase(seconds: number): void {
    this.base = seconds;
  }

  get target(): number {
    return this.base + this.extra;
  }

  /** How far the target currently sits above the base, seconds. */
  get raisedBy(): number {
    return this.extra;
  }

  /** A stall at `now` (ms): the new target, seconds. */
  stall(now: number): number {
    this.extra = Math.min(this.options.maxExtra, this.extra + this.options.step);
    this.lastChangeAt = now;
    return this.target;
  }

  /** Called periodically: the new target when it steps down at `now` (ms), else null. */
  tick(now: number): number | null {
    if (this.extra <= 0 || now - this.lastChangeAt < this.options.recoveryMs) return null;
    // Floating-point steps must land exactly on the base, not 1e-17 above it.
    this.extra = this.extra - this.options.step > 1e-9 ? this.extra - this.options.step : 0;
    this.lastChangeAt = now;
    return this.target;
  }
}
