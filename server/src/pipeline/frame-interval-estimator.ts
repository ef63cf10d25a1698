/**
 * The frame interval of a raw Annex-B source whose SPS carries no timing (VUI timing_info absent:
 * browser WebCodecs encoders, many cameras), measured from arrival times. Without it the arrival
 * timestamper assumes 30 fps: a 20 fps publisher then gets 33 ms durations 50 ms apart, and the
 * player stalls on the holes between frames (measured: 60 stalls in 12 s at 20 fps against 20 at
 * 30 fps from the same browser publisher).
 */
export class FrameIntervalEstimator {
  private last: number | null = null;
  private gaps: number[] = [];

  /** `window`: arrival gaps per estimate; a median over a second of video ignores jitter and bursts. */
  constructor(private readonly window = 30) {}

  /**
   * Adds the arrival time (ms, monotonic) of one access unit. Every `window` gaps, returns the
   * frame interval in ms (snapped to a common rate when within 4%), else null. Frames that
   * arrived in the same read (gap 0) are not gaps between pictures and are left out.
   */
  add(arrivalMs: number): number | null {
    if (this.last !== null) {
      const gap = arrivalMs - this.last;
      if (gap > 0.5) this.gaps.push(gap);
    }
    this.last = arrivalMs;
    if (this.gaps.length < this.window) return null;
    const sorted = this.gaps.sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1] as number;
    this.gaps = [];
    if (median < MIN_INTERVAL_MS || median > MAX_INTERVAL_MS) return null;
    for (const fps of COMMON_RATES) {
      const interval = 1000 / fps;
      if (Math.abs(median - interval) / interval < 0.04) return interval;
    }
    return median;
  }
}

/** 120 fps … 5 fps: outside this, arrival gaps are stalls or bursts, not a frame rate. */
const MIN_INTERVAL_MS = 1000 / 120;
const MAX_INTERVAL_MS = 1000 / 5;
const COMMON_RATES = [60, 50, 30, 25, 24, 20, 15, 12, 10, 5];
