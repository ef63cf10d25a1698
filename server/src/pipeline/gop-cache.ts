/** One encoded access unit as it went out to viewers (the bytes of encodeMediaFrame). */
export interface EncodedFrame {
  bytes: Uint8Array;
  key: boolean;
}

export interface GopCacheLimits {
  maxFrames: number;
  maxBytes: number;
}

/**
 * The encoded access units since the last key frame (an IDR, or a recovery point of an intra
 * refresh stream: Stream sends both as key frames), so a late joiner starts at a key frame and
 * catches up to the live edge at once (LOW-LATENCY.md technique 3). Bounded: past a limit the
 * cache stops growing and stays empty until the next key frame (a truncated GOP is useless anyway:
 * the viewer could not decode past the gap).
 */
export class GopCache {
  private frames: EncodedFrame[] = [];
  private bytes = 0;
  /** True from an over-limit GOP until the next IDR. */
  private overflowed = false;

  constructor(private readonly limits: GopCacheLimits) {}

  add(frame: EncodedFrame): void {
    if (frame.key) {
      this.frames = [];
      this.bytes = 0;
      this.overflowed = false;
    } else if (this.overflowed || this.frames.length === 0) {
      // No IDR to start from: caching delta frames would give a joiner nothing decodable.
      return;
    }
    if (this.frames.length + 1 > this.limits.maxFrames || this.bytes + frame.bytes.byteLength > this.limits.maxBytes) {
      this.clear();
      this.overflowed = true;
      return;
    }
    this.frames.push(frame);
    this.bytes += frame.bytes.byteLength;
  }

  /** A snapshot: the caller may iterate while new frames arrive. First entry is always a key frame. */
  snapshot(): readonly EncodedFrame[] {
    return this.frames.slice();
  }

  clear(): void {
    this.frames = [];
    this.bytes = 0;
  }

  get frameCount(): number {
    return this.frames.length;
  }

  get byteCount(): number {
    return this.bytes;
  }
}
