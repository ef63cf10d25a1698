/**
 * Frames and bytes per second over a sliding window, for /api/streams. Bounded memory: one
 * sample per frame for `windowMs`, capped at `maxSamples` (older samples are overwritten).
 */
export class RateMeter {
  private readonly times: Float64Array;
  private readonly sizes: Float64Array;
  private head = 0;
  private count = 0;

  constructor(
    private readonly windowMs: number,
    maxSamples = 4096,
  ) {
    this.times = new Float64Array(maxSamples);
    this.sizes = new Float64Array(maxSamples);
  }

  add(bytes: number, nowMs = performance.now()): void {
    const i = (this.head + this.count) % this.times.length;
    this.times[i] = nowMs;
    this.sizes[i] = bytes;
    if (this.count < this.times.length) this.count++;
    else this.head = (this.head + 1) % this.times.length;
  }

  /** {fps, bitsPerSecond} over the window ending now. */
  rates(nowMs = performance.now()): { fps: number; bitsPerSecond: number } {
    while (this.count > 0 && (this.times[this.head] ?? 0) < nowMs - this.windowMs) {
      this.head = (this.head + 1) % this.times.length;
      this.count--;
    }
    if (this.count === 0) return { fps: 0, bitsPerSecond: 0 };
    let bytes = 0;
    for (let k = 0; k < this.count; k++) bytes += this.sizes[(this.head + k) % this.times.length] ?? 0;
    const seconds = this.windowMs / 1000;
    return { fps: this.count / seconds, bitsPerSecond: (bytes * 8) / seconds };
  }
}
