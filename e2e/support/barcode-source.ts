/**
 * A live H.264 source whose frames carry their capture time as a barcode (barcode.ts).
 *
 * Raw yuv420p frames are generated in this process on an absolute, drift-free schedule at a
 * non-integer rate (29.97 = 30000/1001: at exactly 30 fps the source and a 60 Hz display keep a
 * fixed phase for a whole run, LOW-LATENCY.md), stamped with Date.now() at the moment each frame
 * is generated, and piped through x264 (ultrafast, zerolatency, no B-frames, GOP 30,
 * -flush_packets 1 so each access unit leaves ffmpeg in one burst). `output` is ffmpeg's Annex-B
 * stdout, ready to pipe into `framewire serve --stream cam=stdin`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Readable, Transform } from 'node:stream';
import { paintBarcode, paintBarcodeChroma } from './barcode.js';

export interface BarcodeSourceOptions {
  width?: number;
  height?: number;
  /** Frame rate as a fraction; default 30000/1001. */
  fpsNum?: number;
  fpsDen?: number;
  gop?: number;
  /** Stop generating after this many frames (the encoder then flushes and exits). */
  maxFrames?: number;
  /** What the barcode carries: the capture time (latency tests) or the frame index (frame-order checks). */
  stamp?: 'capture-time' | 'frame-index';
  /** Encoder arguments between the raw input and the Annex-B output; default lowLatencyX264(gop). */
  codecArgs?: string[];
  /** A filter between ffmpeg's stdout and `output` (e.g. StripRepeatedParameterSets). */
  through?: Transform;
  /** Called for each frame handed to the encoder with its schedule slot and the epoch ms it was made. */
  onFrame?: (slot: number, epochMs: number) => void;
}

/** ffmpeg input arguments for raw yuv420p frames on stdin. */
export function rawInputArgs(width: number, height: number, fpsNum = 30000, fpsDen = 1001): string[] {
  return ['-hide_banner', '-loglevel', 'error', '-nostdin',
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${width}x${height}`, '-r', `${fpsNum}/${fpsDen}`, '-i', 'pipe:0'];
}

/** x264 as a live low-latency encoder would run: ultrafast, zerolatency, no B-frames. */
export function lowLatencyX264(gop = 30): string[] {
  return ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-bf', '0', '-g', String(gop), '-pix_fmt', 'yuv420p'];
}

/** Annex-B on stdout, each access unit flushed in one burst. */
const ANNEXB_OUT = ['-flush_packets', '1', '-f', 'h264', 'pipe:1'];

/** The x264 command line used for the barcode source (also used by the codec round-trip test). */
export function encoderArgs(width: number, height: number, fpsNum = 30000, fpsDen = 1001, gop = 30): string[] {
  return [...rawInputArgs(width, height, fpsNum, fpsDen), ...lowLatencyX264(gop), ...ANNEXB_OUT];
}

/**
 * A moving background: a precomputed textured pattern wider than the frame, shifted a few pixels
 * per frame, so the encoder has realistic motion-compensation work (and a realistic bitrate) at
 * the cost of one memcpy per row.
 */
export class Background {
  private readonly span = 512;
  private readonly yPat: Uint8Array;
  private readonly uPat: Uint8Array;
  private readonly vPat: Uint8Array;

  constructor(private readonly width: number, private readonly height: number) {
    const pw = width + this.span;
    this.yPat = new Uint8Array(pw * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < pw; x++) {
        // Periodic in x with period `span` so the shift wraps seamlessly.
        const a = (2 * Math.PI * x) / this.span;
        let h = Math.imul(x * 374761393 + y * 668265263, 1274126177);
        h ^= h >>> 13;
        const noise = ((h >>> 24) & 15) - 8;
        const v = 128 + 55 * Math.sin(a * 3 + y / 37) + 30 * Math.sin(a * 16) * Math.cos(y / 11) + noise;
        this.yPat[y * pw + x] = Math.max(16, Math.min(235, Math.round(v)));
      }
    }
    const cw = width >> 1;
    const ch = height >> 1;
    const cpw = cw + this.span / 2;
    this.uPat = new Uint8Array(cpw * ch);
    this.vPat = new Uint8Array(cpw * ch);
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cpw; x++) {
        const a = (2 * Math.PI * x) / (this.span / 2);
        this.uPat[y * cpw + x] = Math.round(128 + 40 * Math.sin(a * 2 + y / 50));
        this.vPat[y * cpw + x] = Math.round(128 + 40 * Math.cos(a + y / 30));
      }
    }
  }

  /** Writes frame `n` of the background into a yuv420p buffer. */
  fill(frame: Uint8Array, n: number): void {
    const { width, height } = this;
    const pw = width + this.span;
    const shift = (n * 4) % this.span;
    for (let y = 0; y < height; y++) {
      const src = y * pw + shift;
      frame.set(this.yPat.subarray(src, src + width), y * width);
    }
    const cw = width >> 1;
    const ch = height >> 1;
    const cpw = cw + this.span / 2;
    const cshift = shift >> 1;
    const uOff = width * height;
    const vOff = uOff + cw * ch;
    for (let y = 0; y < ch; y++) {
      const src = y * cpw + cshift;
      frame.set(this.uPat.subarray(src, src + cw), uOff + y * cw);
      frame.set(this.vPat.subarray(src, src + cw), vOff + y * cw);
    }
  }
}

/** Makes one complete barcode frame (background `n` + stamp `value`: a time in ms or a frame index). */
export function makeBarcodeFrame(width: number, height: number, n: number, value: number, bg?: Background): Uint8Array {
  const frame = new Uint8Array((width * height * 3) / 2);
  (bg ?? new Background(width, height)).fill(frame, n);
  paintBarcode(frame, width, height, value);
  const cw = width >> 1;
  const ch = height >> 1;
  paintBarcodeChroma(
    frame.subarray(width * height, width * height + cw * ch),
    frame.subarray(width * height + cw * ch),
    width,
    height,
  );
  return frame;
}

export class BarcodeSource {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** Frames handed to the encoder. */
  generated = 0;
  /** Schedule slots skipped because this process or the encoder fell behind. */
  skipped = 0;
  /** ...of which because this process's timer fired more than two intervals late. */
  skippedLate = 0;
  /** ...of which because the encoder had more than three frames queued on its stdin. */
  skippedEncoderBusy = 0;
  /** Largest timer lateness seen, ms. */
  maxLateMs = 0;
  readonly ffmpeg: ChildProcessWithoutNullStreams;
  /** Resolves with ffmpeg's exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** ffmpeg's Annex-B output (through `options.through` if given). */
  readonly output: Readable;
  private stderr = '';
  private timer: NodeJS.Timeout | undefined;
  private startAt = 0;
  private slot = 0;
  private stopped = false;
  private readonly bg: Background;
  private readonly intervalMs: number;
  private readonly frameBytes: number;

  constructor(private readonly options: BarcodeSourceOptions = {}) {
    this.width = options.width ?? 1280;
    this.height = options.height ?? 720;
    const num = options.fpsNum ?? 30000;
    const den = options.fpsDen ?? 1001;
    this.fps = num / den;
    this.intervalMs = (1000 * den) / num;
    this.frameBytes = (this.width * this.height * 3) / 2;
    this.bg = new Background(this.width, this.height);
    const codecArgs = options.codecArgs ?? lowLatencyX264(options.gop ?? 30);
    this.ffmpeg = spawn('ffmpeg', [...rawInputArgs(this.width, this.height, num, den), ...codecArgs, ...ANNEXB_OUT], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.ffmpeg.stderr.setEncoding('utf8');
    this.ffmpeg.stderr.on('data', (d: string) => {
      if (this.stderr.length < 8000) this.stderr += d;
    });
    this.ffmpeg.stdin.on('error', () => {}); // EPIPE once the encoder is gone: reported via `exited`
    this.exited = new Promise((resolve) => this.ffmpeg.once('exit', (code) => resolve(code)));
    this.output = options.through ? this.ffmpeg.stdout.pipe(options.through) : this.ffmpeg.stdout;
  }

  /** One line for reports. */
  describe(): string {
    return `generated ${this.generated}, skipped ${this.skipped} (timer late ${this.skippedLate}, encoder busy ${this.skippedEncoderBusy}), max timer lateness ${this.maxLateMs.toFixed(1)} ms`;
  }

  get encoderStderr(): string {
    return this.stderr;
  }

  /** Starts generating frames on the absolute schedule start + n × 1001/30 ms. */
  start(): this {
    this.startAt = performance.now();
    this.slot = 0;
    this.tick();
    return this;
  }

  private tick = (): void => {
    if (this.stopped) return;
    const now = performance.now();
    let due = this.startAt + this.slot * this.intervalMs;
    // Fell more than two intervals behind (GC, loaded machine): skip slots, keep the schedule.
    if (now - due > this.maxLateMs) this.maxLateMs = now - due;
    while (now - due > 2 * this.intervalMs) {
      this.slot++;
      this.skipped++;
      this.skippedLate++;
      due = this.startAt + this.slot * this.intervalMs;
    }
    if (now >= due - 0.5) {
      if (this.ffmpeg.stdin.writableLength > 3 * this.frameBytes) {
        this.skipped++; // encoder is not keeping up: do not queue stale frames
        this.skippedEncoderBusy++;
      } else {
        const value = this.options.stamp === 'frame-index' ? this.slot : Date.now();
        this.options.onFrame?.(this.slot, performance.timeOrigin + performance.now());
        this.ffmpeg.stdin.write(makeBarcodeFrame(this.width, this.height, this.slot, value, this.bg));
        this.generated++;
      }
      this.slot++;
      if (this.options.maxFrames !== undefined && this.generated >= this.options.maxFrames) {
        this.stopped = true;
        this.ffmpeg.stdin.end();
        return;
      }
      due = this.startAt + this.slot * this.intervalMs;
    }
    this.timer = setTimeout(this.tick, Math.max(0, due - performance.now()));
  };

  /** Stops generating; the encoder flushes and exits. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.ffmpeg.stdin.destroyed) this.ffmpeg.stdin.end();
    const t = setTimeout(() => this.ffmpeg.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(t);
  }

  /** Kills the encoder abruptly (source-exit test): its stdout ends. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.ffmpeg.kill(signal);
  }
}
