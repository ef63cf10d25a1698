/**
 * Frame-counter sources for the stream-variant spec (issue 3, "Every real H.264 stream plays").
 *
 * Each generated yuv420p frame carries its index (0, 1, 2, …) in the barcode of barcode.ts (the
 * 48-bit field holds the index instead of a time), so the page reader (barcode-reader.ts) reads
 * the index of every presented frame back. Two ways to produce a stream:
 *   - CounterSource: live, real time, x264 with the variant's options → Annex-B on stdout (for
 *     `--stream NAME=stdin`), optionally with SPS/PPS kept only before the first picture;
 *   - encodeCounterClip: a clip encoded as fast as possible into a file (for `file:` sources,
 *     which carry real timestamps and so can hold B-frames).
 */
import { spawn } from 'node:child_process';
import { Transform, type TransformCallback } from 'node:stream';
import { Background, BarcodeSource, makeBarcodeFrame, rawInputArgs } from './barcode-source.js';

/**
 * Removes every SPS (7) and PPS (8) NAL unit after the first picture's, so only the start of the
 * stream carries them. Annex-B byte stream in, Annex-B out; a start code split across chunks is
 * held back until its NAL header arrives.
 */
export class StripRepeatedParameterSets extends Transform {
  private seenSlice = false;
  private dropping = false;
  private held: Buffer = Buffer.alloc(0);
  /** SPS/PPS NAL units removed. */
  removed = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const buf = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = Buffer.alloc(0);
    const out: Buffer[] = [];
    let emitFrom = 0; // start of the range not yet decided
    let i = 0;
    for (; i + 2 < buf.length; i++) {
      if (buf[i] !== 0 || buf[i + 1] !== 0 || buf[i + 2] !== 1) continue;
      const h = i + 3;
      if (h >= buf.length) break; // start code at the very end: wait for the NAL header
      const type = (buf[h] as number) & 31;
      const scStart = i > 0 && buf[i - 1] === 0 ? i - 1 : i;
      // Close the range before this start code.
      if (!this.dropping && scStart > emitFrom) out.push(buf.subarray(emitFrom, scStart));
      emitFrom = scStart;
      if (type === 1 || type === 5) this.seenSlice = true;
      this.dropping = this.seenSlice && (type === 7 || type === 8);
      if (this.dropping) this.removed++;
      i = h;
    }
    // Hold back what may be (part of) a start code whose NAL header has not arrived yet: a
    // trailing 00 00 01, or trailing zero bytes (a NAL unit never ends in 00: rbsp_stop_bit).
    let end = buf.length;
    if (end >= 3 && buf[end - 3] === 0 && buf[end - 2] === 0 && buf[end - 1] === 1) end -= 3;
    while (end > 0 && buf.length - end < 4 && buf[end - 1] === 0) end--;
    if (end < emitFrom) end = emitFrom;
    this.held = Buffer.from(buf.subarray(end));
    if (!this.dropping && end > emitFrom) out.push(buf.subarray(emitFrom, end));
    if (out.length) this.push(Buffer.concat(out));
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.held.length) this.push(this.held);
    cb();
  }
}

export interface CounterSourceOptions {
  width: number;
  height: number;
  /** Encoder arguments between the raw input and `-f h264 pipe:1`, e.g. ['-c:v', 'libx264', …]. */
  codecArgs: string[];
  /** Keep SPS/PPS only before the first picture. */
  headersOnce?: boolean;
}

/**
 * A live counter stream: the barcode source (real time, 29.97 fps, x264 with the variant's options
 * → Annex-B) with the frame index as its stamp. The index is the schedule slot, so a slot the
 * source skipped shows up as a missing index (absent from `generatedAt`).
 */
export class CounterSource extends BarcodeSource {
  /** Epoch ms at which each index was generated. */
  readonly generatedAt: Map<number, number>;

  constructor(o: CounterSourceOptions) {
    const generatedAt = new Map<number, number>();
    super({
      width: o.width,
      height: o.height,
      stamp: 'frame-index',
      codecArgs: o.codecArgs,
      ...(o.headersOnce ? { through: new StripRepeatedParameterSets() } : {}),
      onFrame: (slot, epochMs) => generatedAt.set(slot, epochMs),
    });
    this.generatedAt = generatedAt;
  }
}

/** Encodes frames 0…frames−1 (as fast as possible) into `path` (container from its extension). */
export function encodeCounterClip(
  path: string,
  o: { width: number; height: number; frames: number; codecArgs: string[]; /** Default 30. */ fps?: number },
): Promise<void> {
  const proc = spawn('ffmpeg', [...rawInputArgs(o.width, o.height, o.fps ?? 30, 1), ...o.codecArgs, '-y', path], { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d: Buffer) => {
    if (err.length < 8000) err += d.toString();
  });
  proc.stdin.on('error', () => {});
  const done = new Promise<void>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited with ${code} encoding ${path}\n${err}`))));
  });
  const bg = new Background(o.width, o.height);
  void (async () => {
    for (let n = 0; n < o.frames; n++) {
      if (!proc.stdin.write(makeBarcodeFrame(o.width, o.height, n, n, bg))) {
        await new Promise<void>((r) => proc.stdin.once('drain', () => r()));
      }
    }
    proc.stdin.end();
  })();
  return done;
}
