import { frameTicks } from '@framewire/shared';

const TICKS_PER_MS = 90;
const DEFAULT_FPS = 30;

/**
 * FLV timestamps (whole ms) → 90 kHz dts/pts/duration.
 *
 * FLV rounds to the millisecond (30 fps → 33, 33, 34 ms), and LOW-LATENCY.md technique 6 says
 * never to round frame times. When the SPS gives a nominal frame duration D, a timestamp within
 * 1 ms of base + n·D is snapped to it, which recovers the exact timeline of a constant-rate
 * stream; anything else (variable rate, a jump) re-anchors on the raw value. dts is kept strictly
 * increasing; duration is the previous delta (or D for the first frame).
 */
export class FlvTimeline {
  private frameTicksValue: number | null = null;
  private base: number | null = null;
  private prevDts: number | null = null;

  setFps(fps: number | null): void {
    this.frameTicksValue = fps !== null && fps > 0 ? frameTicks(fps) : null;
    this.base = null;
  }

  map(dtsMs: number, ctsMs: number): { dts: number; pts: number; duration: number } {
    const raw = dtsMs * TICKS_PER_MS;
    const d = this.frameTicksValue;
    let dts = raw;
    let cts = ctsMs * TICKS_PER_MS;
    if (d !== null) {
      if (this.base === null) this.base = raw;
      const snapped = this.base + Math.round((raw - this.base) / d) * d;
      if (Math.abs(snapped - raw) <= TICKS_PER_MS) dts = snapped;
      else this.base = raw;
      const snappedCts = Math.round(cts / d) * d;
      if (Math.abs(snappedCts - cts) <= TICKS_PER_MS) cts = snappedCts;
    }
    if (this.prevDts !== null && dts <= this.prevDts) dts = this.prevDts + 1;
    const nominal = d ?? frameTicks(DEFAULT_FPS);
    const duration = this.prevDts === null ? nominal : dts - this.prevDts;
    this.prevDts = dts;
    return { dts, pts: dts + Math.max(0, cts), duration };
  }
}
