/**
 * CaptureTimeMap: media time of each appended sample → its capture wall-clock time and the
 * time it reached the player (performance.now()), bounded.
 * `requestVideoFrameCallback` reports the presented frame's `mediaTime` in seconds, rounded by
 * the browser to microseconds, so lookup is "nearest entry within half a frame", not exact.
 */
export class CaptureTimeMap {
  private readonly times: number[] = [];
  private readonly captures: number[] = [];
  private readonly arrivals: number[] = [];

  constructor(private readonly capacity: number) {}

  /** Adds an entry; media times normally arrive increasing. */
  set(mediaTime: number, captureTimeMs: number, arrivalMs: number): void {
    const t = this.times;
    if (t.length && mediaTime <= t[t.length - 1]!) {
      // Timeline went backwards (new timeline after reset): start over.
      if (mediaTime < t[t.length - 1]! - 1) this.clear();
    }
    t.push(mediaTime);
    this.captures.push(captureTimeMs);
    this.arrivals.push(arrivalMs);
    if (t.length > this.capacity) {
      const drop = t.length - this.capacity;
      t.splice(0, drop);
      this.captures.splice(0, drop);
      this.arrivals.splice(0, drop);
    }
  }

  /** The sample nearest `mediaTime` within `tolerance` seconds, or undefined. */
  get(mediaTime: number, tolerance: number): { captureTimeMs: number; arrivalMs: number } | undefined {
    const t = this.times;
    let lo = 0;
    let hi = t.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (t[mid]! < mediaTime) lo = mid + 1;
      else hi = mid;
    }
    let best = -1;
    for (const i of [lo - 1, lo]) {
      if (i >= 0 && i < t.length && Math.abs(t[i]! - mediaTime) <= tolerance &&
          (best < 0 || Math.abs(t[i]! - mediaTime) < Math.abs(t[best]! - mediaTime))) best = i;
    }
    return best >= 0 ? { captureTimeMs: this.captures[best]!, arrivalMs: this.arrivals[best]! } : undefined;
  }

  get size(): number {
    return this.times.length;
  }

  clear(): void {
    this.times.length = 0;
    this.captures.length = 0;
    this.arrivals.length = 0;
  }
}
