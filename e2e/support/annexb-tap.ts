/**
 * An Annex-B pass-through for the intra refresh spec (issue 3): counts pictures, notes which
 * ones are IDRs or carry a recovery point SEI, and can cut off the start of the stream so that
 * the server never sees the IDR (a source joined mid-way).
 *
 * Decisions are made at each start code from the NAL header and the byte after it, like
 * StripRepeatedParameterSets, so bytes go on at once (no frame of delay):
 *   - a picture starts at a slice (type 1 or 5) whose first_mb_in_slice is 0 (first bit 1);
 *   - a recovery point is an SEI NAL whose first sei_message has payloadType 6. That is how
 *     x264 writes it (its own SEI NAL unit); a general parser is shared/src/h264/sei.ts.
 */
import { Transform, type TransformCallback } from 'node:stream';

export interface AnnexBTapOptions {
  /** Drop every byte before the first slice of this picture (0-based); default 0 (drop nothing). */
  dropBeforePicture?: number;
}

export class AnnexBTap extends Transform {
  /** Pictures started so far (including dropped ones). */
  pictures = 0;
  /** Ordinals of pictures holding an IDR slice. */
  readonly idrs: number[] = [];
  /** Ordinals of pictures preceded by a recovery point SEI. */
  readonly recoveryPoints: number[] = [];
  /** Bytes not passed on. */
  droppedBytes = 0;
  private dropping: boolean;
  private pendingRecoveryPoint = false;
  private held: Buffer = Buffer.alloc(0);

  constructor(private readonly options: AnnexBTapOptions = {}) {
    super();
    this.dropping = (options.dropBeforePicture ?? 0) > 0;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const buf = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = Buffer.alloc(0);
    const out: Buffer[] = [];
    let from = 0; // start of the range not yet passed on or dropped
    let i = 0;
    let holdFrom = buf.length;
    for (; i + 2 < buf.length; i++) {
      if (buf[i] !== 0 || buf[i + 1] !== 0 || buf[i + 2] !== 1) continue;
      const scStart = i > 0 && buf[i - 1] === 0 ? i - 1 : i;
      const h = i + 3;
      if (h + 1 >= buf.length) {
        // Header (or the byte after it) not here yet: decide when it arrives.
        holdFrom = scStart;
        break;
      }
      this.flushRange(buf, from, scStart, out);
      from = scStart;
      this.onNal(buf[h] as number, buf[h + 1] as number);
      i = h;
    }
    if (holdFrom === buf.length) {
      // A start code may be split across chunks: keep trailing zeros (a NAL unit never ends in 00).
      let end = buf.length;
      if (end >= 3 && buf[end - 3] === 0 && buf[end - 2] === 0 && buf[end - 1] === 1) end -= 3;
      while (end > from && buf.length - end < 4 && buf[end - 1] === 0) end--;
      holdFrom = Math.max(end, from);
    }
    this.flushRange(buf, from, holdFrom, out);
    this.held = Buffer.from(buf.subarray(holdFrom));
    if (out.length) this.push(Buffer.concat(out));
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.held.length && !this.dropping) this.push(this.held);
    cb();
  }

  private onNal(header: number, next: number): void {
    const type = header & 0x1f;
    if (type === 6 && next === 6) this.pendingRecoveryPoint = true;
    if ((type === 1 || type === 5) && (next & 0x80) !== 0) {
      const n = this.pictures++;
      if (type === 5) this.idrs.push(n);
      if (this.pendingRecoveryPoint) this.recoveryPoints.push(n);
      this.pendingRecoveryPoint = false;
      if (n >= (this.options.dropBeforePicture ?? 0)) this.dropping = false;
    }
  }

  private flushRange(buf: Buffer, from: number, to: number, out: Buffer[]): void {
    if (to <= from) return;
    if (this.dropping) this.droppedBytes += to - from;
    else out.push(buf.subarray(from, to));
  }
}
