/**
 * Makes a live x264 stream look like one from an encoder that writes no VUI bitstream_restriction
 * (x264 always writes it): every SPS NAL unit in the Annex-B byte stream is rewritten by the
 * shared rewriteSpsBitstreamRestriction in 'remove' mode. Everything else passes through
 * untouched and undelayed, except an SPS whose end has not arrived yet (held until the next start
 * code: the PPS follows it in the same encoder write).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { rewriteSpsBitstreamRestriction } from '@framewire/shared';

const NAL_SPS = 7;

/** Index of the next 00 00 01 at or after `from`, or -1. */
function startCode(buf: Buffer, from: number): number {
  for (let i = from; i + 2 < buf.length; i++) {
    if (buf[i] === 0 && buf[i + 1] === 0 && buf[i + 2] === 1) return i;
  }
  return -1;
}

export class StripBitstreamRestriction extends Transform {
  /** SPS NAL units rewritten. */
  rewritten = 0;
  private held: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const buf = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = Buffer.alloc(0);
    const out: Buffer[] = [];
    let emitted = 0;
    let sc = startCode(buf, 0);
    while (sc >= 0) {
      const header = sc + 3;
      if (header >= buf.length) {
        // A start code at the very end: its NAL type is unknown yet.
        this.held = Buffer.from(buf.subarray(sc));
        break;
      }
      const next = startCode(buf, header);
      if ((buf[header]! & 0x1f) !== NAL_SPS) {
        sc = next;
        continue;
      }
      if (next < 0) {
        this.held = Buffer.from(buf.subarray(sc));
        break;
      }
      // The SPS ends before the next start code and its leading zero byte(s) (a NAL unit never ends in 0x00).
      let end = next;
      while (end > header && buf[end - 1] === 0) end--;
      out.push(buf.subarray(emitted, header));
      out.push(Buffer.from(rewriteSpsBitstreamRestriction(buf.subarray(header, end), { mode: 'remove' })));
      this.rewritten++;
      emitted = end;
      sc = next;
    }
    if (!this.held.length) {
      // Trailing zero bytes may be the start of a start code split across reads. Holding them
      // delays nothing that ends a picture: a NAL unit never ends in 0x00 (rbsp_stop_one_bit).
      let zeros = 0;
      while (zeros < 3 && buf.length - zeros > emitted && buf[buf.length - 1 - zeros] === 0) zeros++;
      if (zeros) this.held = Buffer.from(buf.subarray(buf.length - zeros));
    }
    const until = buf.length - this.held.length;
    if (until > emitted) out.push(buf.subarray(emitted, until));
    if (out.length) this.push(Buffer.concat(out));
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.held.length) this.push(this.held);
    cb();
  }
}
