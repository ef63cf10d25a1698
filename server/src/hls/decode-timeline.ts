/**
 * DecodeTimeline: source dts (90 kHz, the stream's clock) → decode time on the HLS media timeline
 * (the tfdt of each part). It follows the source clock exactly, so nothing drifts against capture
 * time over hours, and differs from it only where the source's clock breaks:
 *
 * - a restart (DISCONTINUITY flag) or a clock that goes back, and forward jumps longer than one
 *   frame: the timeline continues where the last written sample ended. A player then sees no hole
 *   and no overlap (MSE would stall at a hole, and overlapping samples replace each other);
 * - the first frame after a part whose last sample had only an estimated duration (a part closes
 *   on its last frame, before the next one is known): if that estimate was too long, the frame
 *   starts at the end of the estimate instead of overlapping it.
 */
export class DecodeTimeline {
  /** Source dts that maps to `base`. */
  private origin: number | null = null;
  private base = 0;
  /** End of the last sample written into a part (decode time + duration). */
  private writtenEnd: number | null = null;
  /** Where the next frame is expected: the last frame's decode time + its estimated duration. */
  private expectedNext: number | null = null;
  private lastDecodeTime: number | null = null;

  /**
   * Decode time for a frame with this dts. `estimate` is its expected duration (ticks): a forward
   * jump larger than one frame means frames are missing, and is closed.
   */
  map(dts: number, estimate: number, discontinuity: boolean): number {
    if (this.origin === null) {
      this.origin = dts;
      this.base = Math.max(0, Math.round(dts));
    } else if (this.expectedNext !== null) {
      const expected = dts - this.origin + this.base;
      const backwards = this.lastDecodeTime !== null && expected <= this.lastDecodeTime;
      const gap = expected - this.expectedNext > estimate;
      if (discontinuity || backwards || gap) {
        this.origin = dts;
        this.base = Math.max(this.expectedNext, this.writtenEnd ?? 0);
      }
    }
    let decodeTime = Math.round(dts - this.origin + this.base);
    if (this.writtenEnd !== null && decodeTime < this.writtenEnd) decodeTime = this.writtenEnd;
    if (this.lastDecodeTime !== null && decodeTime <= this.lastDecodeTime) decodeTime = this.lastDecodeTime + 1;
    this.lastDecodeTime = decodeTime;
    this.expectedNext = decodeTime + Math.max(1, Math.round(estimate));
    return decodeTime;
  }

  /** The packager wrote samples up to `end` (ticks). */
  written(end: number): void {
    this.writtenEnd = end;
  }
}
