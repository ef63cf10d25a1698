/**
 * Timestamps for a source without any (raw Annex-B): arrival time in 90 kHz ticks, smoothed.
 *
 * With nominal frame duration D, a frame arriving within D/2 of the predicted time (prev + D)
 * gets exactly prev + D, so network/pipe jitter produces perfectly uniform timestamps and,
 * because each prediction re-anchors on the previous one, there is no drift over hours
 * (LOW-LATENCY.md: synthetic timestamps drift, arrival times jitter). A frame outside the band
 * resyncs to its arrival time (source stalled, or frame rate changed). Frames arriving in a burst
 * (several in one chunk, arrival <= prev) keep nominal spacing, so dts is strictly increasing.
 */
export class ArrivalTimestamper {
  private prev: number | null = null;

  constructor(private frameTicks: number) {}

  /** Nominal duration D in 90 kHz ticks (may be fractional, e.g. 3003 for 29.97 fps). */
  get duration(): number {
    return this.frameTicks;
  }

  setFrameTicks(ticks: number): void {
    if (ticks > 0 && Number.isFinite(ticks)) this.frameTicks = ticks;
  }

  /** dts for a frame that arrived at `arrivalTicks` (monotonic clock, 90 kHz). */
  next(arrivalTicks: number): number {
    const d = this.frameTicks;
    let dts: number;
    if (this.prev === null) dts = arrivalTicks;
    else {
      const predicted = this.prev + d;
      if (Math.abs(arrivalTicks - predicted) < d / 2) dts = predicted;
      else if (arrivalTicks > this.prev) dts = arrivalTicks;
      else dts = predicted;
    }
    this.prev = dts;
    return dts;
  }

  reset(): void {
    this.prev = null;
  }
}
