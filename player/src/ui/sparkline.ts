/**
 * Sparkline: the last ~30 s of one figure (the overlay's capture → present latency) as a line on
 * a small canvas. The data side is pure and bounded: a fixed-capacity ring of (time, value)
 * samples, and a function from samples to canvas points; only Sparkline touches the DOM.
 *
 * A gap (no value: before the first frame, while reconnecting) breaks the line instead of being
 * drawn as 0, so an outage reads as an outage.
 */

export interface Sample {
  /** ms, any monotonic clock (performance.now()). */
  t: number;
  /** null: no value at that time (a gap). */
  v: number | null;
}

/** Fixed-capacity ring of samples, oldest first. O(1) push; memory never grows past `capacity`. */
export class SampleRing {
  private readonly buf: Sample[] = [];
  private start = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('SampleRing capacity must be at least 1');
  }

  get size(): number {
    return this.buf.length;
  }

  push(t: number, v: number | null): void {
    const s = { t, v: v !== null && Number.isFinite(v) ? v : null };
    if (this.buf.length < this.capacity) this.buf.push(s);
    else {
      this.buf[this.start] = s;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** Samples oldest first; with `since`, only those at or after it. */
  toArray(since = -Infinity): Sample[] {
    const out: Sample[] = [];
    for (let i = 0; i < this.buf.length; i++) {
      const s = this.buf[(this.start + i) % this.buf.length]!;
      if (s.t >= since) out.push(s);
    }
    return out;
  }

  clear(): void {
    this.buf.length = 0;
    this.start = 0;
  }
}

/**
 * Top of the y axis: the largest value in view rounded up to 1, 2 or 5 × 10^n, at least `floor`
 * (so a steady 40 ms does not fill the whole height and look like a wild swing).
 */
export function niceMax(values: readonly number[], floor = 100): number {
  const max = Math.max(floor, ...values);
  const p = Math.pow(10, Math.floor(Math.log10(max)));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/**
 * Canvas polylines for the samples within `windowMs` before `now`: x from 0 (now − windowMs) to
 * `width` (now), y from `height` (0) to 0 (`max`), clamped. One array per unbroken run.
 */
export function sparklinePaths(samples: readonly Sample[], now: number, windowMs: number, width: number, height: number, max: number): [number, number][][] {
  const paths: [number, number][][] = [];
  let current: [number, number][] | null = null;
  const t0 = now - windowMs;
  for (const s of samples) {
    if (s.t < t0 || s.t > now) continue;
    if (s.v === null) {
      current = null;
      continue;
    }
    const x = ((s.t - t0) / windowMs) * width;
    const y = height - (Math.min(Math.max(s.v, 0), max) / max) * height;
    if (!current) paths.push((current = []));
    current.push([Math.round(x * 10) / 10, Math.round(y * 10) / 10]);
  }
  return paths;
}

export interface SparklineOptions {
  /** Span of the x axis, ms. */
  windowMs: number;
  /** CSS pixels. */
  width: number;
  height: number;
  /** The y axis reaches at least this value. */
  floorMax: number;
  color: string;
}

const DEFAULTS: SparklineOptions = { windowMs: 30_000, width: 180, height: 40, floorMax: 100, color: '#b9f6ca' };

export class Sparkline {
  readonly canvas: HTMLCanvasElement;
  private readonly ring: SampleRing;
  private readonly o: SparklineOptions;

  constructor(options: Partial<SparklineOptions> = {}, capacity = 512) {
    this.o = { ...DEFAULTS, ...options };
    this.ring = new SampleRing(capacity);
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'fw-sparkline';
    this.canvas.style.width = `${this.o.width}px`;
    this.canvas.style.height = `${this.o.height}px`;
    // Sharp lines on high-DPI screens: the backing store in device pixels.
    const dpr = Math.max(1, Math.min(3, globalThis.devicePixelRatio || 1));
    this.canvas.width = Math.round(this.o.width * dpr);
    this.canvas.height = Math.round(this.o.height * dpr);
  }

  push(t: number, v: number | null): void {
    this.ring.push(t, v);
  }

  /** The samples now in view (for tests and the e2e). */
  visible(now: number): Sample[] {
    return this.ring.toArray(now - this.o.windowMs);
  }

  draw(now: number): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const { width: w, height: h } = this.canvas;
    const samples = this.visible(now);
    const values = samples.flatMap((s) => (s.v === null ? [] : [s.v]));
    const max = niceMax(values, this.o.floorMax);
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = 'rgba(0, 0, 0, 0.35)';
    ctx.fillRect(0, 0, w, h);
    ctx.strokeStyle = this.o.color;
    ctx.lineWidth = Math.max(1, w / this.o.width);
    for (const path of sparklinePaths(samples, now, this.o.windowMs, w, h, max)) {
      ctx.beginPath();
      path.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
      if (path.length === 1) ctx.lineTo(path[0]![0] + 1, path[0]![1]);
      ctx.stroke();
    }
    ctx.fillStyle = '#ccc';
    ctx.font = `${Math.round(10 * (w / this.o.width))}px ui-monospace, monospace`;
    ctx.textBaseline = 'top';
    ctx.fillText(`${max} ms`, 3, 2);
    this.canvas.dataset['max'] = String(max);
    this.canvas.dataset['points'] = String(values.length);
  }
}
