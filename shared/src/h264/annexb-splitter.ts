import { countTrailingZeros, findStartCode } from './start-code.js';

export interface AnnexBSplitterOptions {
  /**
   * Longest NAL unit kept, in bytes (default 8 MiB: far above any real slice at 4K, small enough
   * that garbage input cannot grow memory). Longer NAL units are dropped and counted in
   * `oversizeNalCount`.
   */
  maxNalBytes?: number;
}

export const DEFAULT_MAX_NAL_BYTES = 8 * 1024 * 1024;

/** Looking for a start code: bytes are discarded (before the first start code, or after an oversize NAL). */
const STATE_SYNC = 0;
/** Inside a NAL unit: bytes are kept until the next start code or flush(). */
const STATE_NAL = 1;

const MIN_GROW_BYTES = 64 * 1024;
/** A pending buffer grown beyond this is released after use rather than kept for the next NAL. */
const MAX_RETAINED_BYTES = 1024 * 1024;

const EMPTY = new Uint8Array(0);

/**
 * Incremental Annex-B splitter (H.264 Annex B): push byte chunks of any size, get NAL units
 * (header byte first, no start code) as soon as they are known to be complete.
 *
 * An explicit state machine in the style of ws `lib/receiver.js`: the only state carried between
 * chunks is the parse state (SYNC or NAL), the length of the run of 0x00 bytes at the end of the
 * data so far (so a start code split across chunks is still found; the run itself is counted, never
 * buffered) and a copy of the pending NAL's bytes up to that run.
 *
 * Bytes before the first start code are discarded (counted in `droppedBytes`). A NAL unit growing
 * past `maxNalBytes` is dropped as soon as it does (counted in `oversizeNalCount`), nothing more of
 * it is buffered, and the splitter resyncs at the next start code: on any input, the splitter's own
 * buffer never exceeds maxNalBytes. push() never throws on bad data.
 *
 * A NAL unit is complete when the next start code arrives. The last one stays pending until then
 * or until `flush()`: a raw byte stream has no end-of-NAL marker (see LOW-LATENCY.md "Where does an
 * access unit end?"), so the caller flushes on an idle gap or at the end of input.
 *
 * Ownership: a NAL unit that lies wholly inside one chunk is returned as a view of that chunk (no
 * copy), so **the caller must not reuse or modify a chunk after pushing it** (Node stream chunks
 * are fresh Buffers, which is fine; copy first if you recycle a read buffer). A NAL unit that spans
 * chunks is returned as a fresh copy. Either way, returned NAL units stay valid after later
 * pushes, flushes and resets.
 */
export class AnnexBSplitter {
  private readonly maxNalBytes: number;
  private state = STATE_SYNC;
  /** Consecutive 0x00 bytes at the end of the current state's data so far (may be a start-code prefix). */
  private zeros = 0;
  /** Copy of the current NAL's bytes from earlier chunks; only pendingLength bytes are valid. */
  private pending: Uint8Array = EMPTY;
  private pendingLength = 0;
  private dropped = 0;
  private oversize = 0;

  constructor(options: AnnexBSplitterOptions = {}) {
    const max = options.maxNalBytes ?? DEFAULT_MAX_NAL_BYTES;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxNalBytes must be a positive integer, got ${max}`);
    this.maxNalBytes = max;
  }

  /**
   * Bytes discarded: those before the first start code, oversize NAL units, and whatever follows a
   * flush() or an oversize NAL unit up to the next start code. Start codes, the zero bytes before
   * them and trailing zero bytes are not counted, so for a clean stream this stays 0.
   */
  get droppedBytes(): number {
    return this.dropped;
  }

  /** NAL units dropped because they grew past maxNalBytes. */
  get oversizeNalCount(): number {
    return this.oversize;
  }

  /** Bytes of the pending (incomplete) NAL unit held in the splitter's own buffer, excluding a trailing zero run. Never above maxNalBytes. */
  get pendingBytes(): number {
    return this.pendingLength;
  }

  /** Capacity of the splitter's own buffer: the memory it retains. Never above maxNalBytes. */
  get retainedBytes(): number {
    return this.pending.length;
  }

  /** Feeds the next chunk; returns the NAL units this chunk completed, in stream order. */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    const n = chunk.length;
    if (n === 0) return out;

    // Start of the current state's bytes within this chunk, and whether they began in an earlier chunk.
    let regionStart = 0;
    let continued = true;

    // A start code can straddle the boundary: its zeros at the end of the previous chunk(s).
    let k: number;
    if (this.zeros >= 2 && chunk[0] === 1) k = 0;
    else if (this.zeros >= 1 && n >= 2 && chunk[0] === 0 && chunk[1] === 1) k = 1;
    else k = findStartCode(chunk, 0, n);

    while (k >= 0) {
      // All 0x00 bytes before the 0x01 belong to the start code (zero_byte, trailing_zero_8bits, B.2).
      const zerosHere = countTrailingZeros(chunk, regionStart, k);
      const end = k - zerosHere;
      if (this.state === STATE_NAL) {
        this.completeNal(chunk, regionStart, end, continued, out);
      } else {
        // Garbage up to the zero run of this start code; carried zeros are garbage only if
        // something other than this start code followed them.
        this.dropped += end - regionStart + (continued && end > regionStart ? this.zeros : 0);
      }
      this.state = STATE_NAL;
      this.zeros = 0;
      regionStart = k + 1;
      continued = false;
      k = findStartCode(chunk, regionStart, n);
    }

    // No further start code in this chunk: carry its tail.
    const tail = n - regionStart;
    const tz = countTrailingZeros(chunk, regionStart, n);
    const zerosBroken = !(continued && tz === tail);
    if (this.state === STATE_SYNC) {
      // A zero run at the end may be the start of a start code: count it only once it is not.
      if (zerosBroken) this.dropped += tail - tz + (continued ? this.zeros : 0);
    }
    if (this.state === STATE_NAL && zerosBroken) {
      // The pending NAL unit grows by: the zeros carried from the previous chunk (not a start code
      // after all, 7.4.1 allows 00 00 03 / 00 00 0x≥4), then this chunk's bytes up to its own
      // trailing zero run. That run is only counted in this.zeros, never buffered, so a NAL unit
      // followed by any number of trailing_zero_8bits cannot grow memory or count as oversize.
      const gap = continued ? this.zeros : 0;
      const bytes = tail - tz;
      const length = this.pendingLength + gap + bytes;
      if (length > this.maxNalBytes) {
        // Stop buffering: drop what we have and resync at the next start code (bounded memory).
        this.oversize++;
        this.dropped += length;
        this.pendingLength = 0;
        this.state = STATE_SYNC;
      } else {
        this.reserve(length);
        // The buffer is reused: write the gap's zeros explicitly.
        if (gap > 0) this.pending.fill(0, this.pendingLength, this.pendingLength + gap);
        this.pending.set(chunk.subarray(regionStart, n - tz), this.pendingLength + gap);
        this.pendingLength = length;
      }
    }
    this.zeros = zerosBroken ? tz : this.zeros + tz;
    return out;
  }

  /**
   * Emits the pending NAL unit now (idle gap or end of input). Trailing zero bytes are held back:
   * they may be the start of the next start code, which the next push() then completes.
   * Returns [] or [nal].
   */
  flush(): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.state !== STATE_NAL || this.pendingLength === 0) return out;
    // pendingLength never includes the trailing zero run (see push), so this is the whole NAL unit.
    out.push(this.pending.slice(0, this.pendingLength));
    // The held-back zeros (this.zeros) now wait in SYNC state for a 0x01 that would make them a start code.
    this.pendingLength = 0;
    this.releaseIfLarge();
    this.state = STATE_SYNC;
    return out;
  }

  /** Forgets all state and counters, as if newly constructed (e.g. the source restarted). */
  reset(): void {
    this.state = STATE_SYNC;
    this.zeros = 0;
    this.pending = EMPTY;
    this.pendingLength = 0;
    this.dropped = 0;
    this.oversize = 0;
  }

  /**
   * Ends the current NAL unit at chunk[end]. `continued`: it began in an earlier chunk, so its first
   * bytes are in `pending`, followed by this.zeros zero bytes that are NAL data only if more NAL
   * bytes follow them in this chunk (end > 0); otherwise they belong to the start code.
   */
  private completeNal(chunk: Uint8Array, regionStart: number, end: number, continued: boolean, out: Uint8Array[]): void {
    if (!continued) {
      const length = end - regionStart;
      if (length > this.maxNalBytes) {
        this.oversize++;
        this.dropped += length;
      } else if (length > 0) {
        out.push(chunk.subarray(regionStart, end));
      }
      return;
    }
    const head = this.pendingLength;
    const gap = end > 0 ? this.zeros : 0;
    const length = head + gap + end;
    if (length > this.maxNalBytes) {
      this.oversize++;
      this.dropped += length;
    } else if (length > 0) {
      // The only copy on the hot path: a NAL unit that spans chunks. (A fresh array is zero-filled,
      // which writes the gap.)
      const nal = new Uint8Array(length);
      nal.set(this.pending.subarray(0, head));
      if (end > 0) nal.set(chunk.subarray(0, end), head + gap);
      out.push(nal);
    }
    this.pendingLength = 0;
    this.releaseIfLarge();
  }

  /** Grows the pending buffer to hold `length` bytes (amortized doubling, capped at maxNalBytes). */
  private reserve(length: number): void {
    if (length <= this.pending.length) return;
    const capacity = Math.min(this.maxNalBytes, Math.max(length, this.pending.length * 2, MIN_GROW_BYTES));
    const grown = new Uint8Array(capacity);
    grown.set(this.pending.subarray(0, this.pendingLength));
    this.pending = grown;
  }

  /** After one unusually large NAL unit, do not keep its buffer for the lifetime of the stream. */
  private releaseIfLarge(): void {
    if (this.pending.length > MAX_RETAINED_BYTES) this.pending = EMPTY;
  }
}
