/**
 * PartStore: the LL-HLS media of one stream as the HTTP side sees it: init segments, a sliding
 * window of segments, each made of parts, and the counters the playlist is written from. The
 * packager (hls-packager.ts) appends; hls-routes.ts reads and waits for changes. Bytes are never
 * changed once added, which is what lets a CDN cache every part and segment for good.
 *
 * Memory is bounded by the window: at most `windowSegments` segments are listed (more only to keep
 * three target durations listed), and a segment that left the playlist is kept only as long as
 * RFC 8216bis 6.2.2 wants it fetchable (about max(2 segments, 3 target durations)), so a client
 * that just read an older playlist still gets it. A segment's bytes are stored once: its parts
 * are views into them.
 */
import { TIMESCALE } from '@framewire/shared';

export interface HlsPart {
  /** Position of the part in the stream, across segments: the N of part-RUN-N.m4s. */
  readonly number: number;
  /** Media Sequence Number of its Parent Segment. */
  readonly msn: number;
  /** Part Index within the Parent Segment (what _HLS_part counts, RFC 8216bis 6.2.5.2). */
  readonly index: number;
  /** 90 kHz ticks. */
  readonly duration: number;
  /** The part starts with a key frame (EXT-X-PART INDEPENDENT=YES, RFC 8216bis 4.4.4.9). */
  readonly independent: boolean;
  /** One CMAF fragment (moof+mdat); a view into the segment's bytes once the segment is complete. */
  bytes: Uint8Array;
}

export interface HlsSegment {
  readonly msn: number;
  /** The init segment (EXT-X-MAP) its fragments need. */
  readonly initId: number;
  /** EXT-X-DISCONTINUITY before it (RFC 8216bis 6.2.1: a change of encoding parameters). */
  readonly discontinuity: boolean;
  /** Its Discontinuity Sequence Number (4.4.3.3). */
  readonly discontinuitySequence: number;
  /** Capture time of its first frame: EXT-X-PROGRAM-DATE-TIME (4.4.4.6). */
  readonly programDateTimeMs: number;
  /** In order; the first is INDEPENDENT unless the segment was cut for memory between key frames. */
  readonly parts: HlsPart[];
  /** Sum of the parts' durations, ticks: EXTINF once complete. */
  duration: number;
  complete: boolean;
  /** The parts concatenated (a complete segment only). */
  bytes: Uint8Array | null;
  /** Set when the segment left the playlist: it is served until then. */
  expiresAtMs: number | null;
}

export interface PartStoreOptions {
  /** Segments listed in the playlist (more when needed to keep 3 × TARGETDURATION listed). */
  windowSegments: number;
  /** Nominal segment duration, ms: the smallest EXT-X-TARGETDURATION. */
  segmentTargetMs: number;
  /** First Media Sequence Number, part number and Discontinuity Sequence Number (0 for a new stream). */
  firstMsn: number;
  firstPartNumber: number;
  discontinuitySequence: number;
  now?: () => number;
}

export interface NewSegment {
  initId: number;
  discontinuity: boolean;
  programDateTimeMs: number;
}

export class PartStore {
  private readonly segments: HlsSegment[] = [];
  private readonly inits = new Map<number, Uint8Array>();
  private readonly listeners = new Set<() => void>();
  private readonly windowSegments: number;
  private readonly now: () => number;
  private nextMsnValue: number;
  private nextPartValue: number;
  private nextDiscontinuitySequence: number;
  /** EXT-X-TARGETDURATION, whole seconds; only ever grows (see targetDuration). */
  private targetDurationValue: number;
  private endedValue = false;
  /** Declared PART-TARGET, seconds; fixed by the packager from the first frame's duration. */
  partTargetSeconds = 0;

  constructor(options: PartStoreOptions) {
    this.windowSegments = Math.max(1, options.windowSegments);
    this.now = options.now ?? Date.now;
    this.nextMsnValue = options.firstMsn;
    this.nextPartValue = options.firstPartNumber;
    this.nextDiscontinuitySequence = options.discontinuitySequence;
    this.targetDurationValue = Math.max(1, Math.ceil(options.segmentTargetMs / 1000));
  }

  // -- writing (hls-packager.ts) -----------------------------------------------------------

  addInit(id: number, bytes: Uint8Array): void {
    this.inits.set(id, bytes);
  }

  /** Opens the next segment; the previous one must be complete. */
  startSegment(segment: NewSegment): void {
    const open = this.openSegment;
    if (open) throw new Error(`segment ${open.msn} is still open`);
    // The first segment listed needs no EXT-X-DISCONTINUITY (after reset() it has a new
    // Discontinuity Sequence Number already).
    const first = this.segments.length === 0;
    if (segment.discontinuity && !first) this.nextDiscontinuitySequence++;
    this.segments.push({
      msn: this.nextMsnValue++,
      initId: segment.initId,
      discontinuity: segment.discontinuity && !first,
      discontinuitySequence: this.nextDiscontinuitySequence,
      programDateTimeMs: segment.programDateTimeMs,
      parts: [],
      duration: 0,
      complete: false,
      bytes: null,
      expiresAtMs: null,
    });
    this.endedValue = false;
  }

  /** Appends a part to the open segment; it is in the playlist (and servable) from now on. */
  addPart(bytes: Uint8Array, duration: number, independent: boolean): HlsPart {
    const segment = this.openSegment;
    if (!segment) throw new Error('no open segment');
    const part: HlsPart = { number: this.nextPartValue++, msn: segment.msn, index: segment.parts.length, duration, independent, bytes };
    segment.parts.push(part);
    segment.duration += duration;
    this.changed();
    return part;
  }

  /** Closes the open segment (no-op without one, or if it has no part: it is dropped). */
  completeSegment(): void {
    const segment = this.openSegment;
    if (!segment) return;
    if (segment.parts.length === 0) {
      // Nothing was published under its number; reuse it.
      this.segments.pop();
      this.nextMsnValue--;
      return;
    }
    const total = segment.parts.reduce((n, p) => n + p.bytes.byteLength, 0);
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const part of segment.parts) {
      bytes.set(part.bytes, offset);
      part.bytes = bytes.subarray(offset, offset + part.bytes.byteLength);
      offset += part.bytes.byteLength;
    }
    segment.bytes = bytes;
    segment.complete = true;
    // RFC 8216bis 4.4.3.1: EXTINF rounded to the nearest integer must not exceed
    // EXT-X-TARGETDURATION. A segment is cut at the first key frame after the target, so a GOP
    // longer than that makes a longer segment (hls-packager.ts); TARGETDURATION then grows to
    // cover it and never shrinks again (a deviation from 6.2.1, which wants it fixed: the
    // alternative, cutting between key frames, gives segments a player cannot start at).
    this.targetDurationValue = Math.max(this.targetDurationValue, Math.round(segment.duration / TIMESCALE));
    this.slideWindow();
    this.changed();
  }

  /**
   * Forgets every segment and init segment: the stream starts again after it was idle (no one
   * watching) or ended, or after an outage longer than the window, so nothing old is worth
   * playing. Numbering continues (no URI ever names other bytes), under a new Discontinuity
   * Sequence Number.
   */
  reset(): void {
    this.segments.length = 0;
    this.inits.clear();
    this.endedValue = false;
    this.nextDiscontinuitySequence++;
    this.changed();
  }

  /** The stream ended for good: the playlist gets EXT-X-ENDLIST (until it starts again). */
  setEnded(ended: boolean): void {
    if (this.endedValue === ended) return;
    this.endedValue = ended;
    this.changed();
  }

  // -- reading (playlist.ts, hls-routes.ts) ------------------------------------------------

  get ended(): boolean {
    return this.endedValue;
  }

  get targetDuration(): number {
    return this.targetDurationValue;
  }

  /** Discontinuity Sequence Number of the first listed segment (EXT-X-DISCONTINUITY-SEQUENCE). */
  get discontinuitySequence(): number {
    return this.listed()[0]?.discontinuitySequence ?? this.nextDiscontinuitySequence;
  }

  /** The number the next part will have: the EXT-X-PRELOAD-HINT. */
  get nextPartNumber(): number {
    return this.nextPartValue;
  }

  get openSegment(): HlsSegment | null {
    const last = this.segments.at(-1);
    return last && !last.complete ? last : null;
  }

  /** Segments in the playlist, oldest first (the open one too once it has a part). */
  listed(): HlsSegment[] {
    return this.segments.filter((s) => s.expiresAtMs === null && s.parts.length > 0);
  }

  get hasParts(): boolean {
    return this.segments.some((s) => s.parts.length > 0);
  }

  /** Media listed in the playlist, ms. */
  get listedDurationMs(): number {
    return (this.listed().reduce((n, s) => n + s.duration, 0) * 1000) / TIMESCALE;
  }

  /** The newest part, if any. */
  lastPart(): HlsPart | null {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const parts = this.segments[i]!.parts;
      if (parts.length > 0) return parts.at(-1)!;
    }
    return null;
  }

  /** Newest complete segment's Media Sequence Number, or -1. */
  lastCompleteMsn(): number {
    for (let i = this.segments.length - 1; i >= 0; i--) if (this.segments[i]!.complete) return this.segments[i]!.msn;
    return -1;
  }

  segment(msn: number): HlsSegment | null {
    const first = this.segments[0];
    if (!first) return null;
    const segment = this.segments[msn - first.msn];
    return segment && segment.msn === msn && this.servable(segment) ? segment : null;
  }

  part(number: number): HlsPart | null {
    for (const segment of this.segments) {
      const first = segment.parts[0];
      if (!first || number < first.number) continue;
      const part = segment.parts[number - first.number];
      if (part) return this.servable(segment) ? part : null;
    }
    return null;
  }

  init(id: number): Uint8Array | null {
    return this.inits.get(id) ?? null;
  }

  /** Bytes held (segments, parts of the open segment, inits): for tests and /api. */
  get byteCount(): number {
    let bytes = 0;
    for (const s of this.segments) bytes += s.bytes ? s.bytes.byteLength : s.parts.reduce((n, p) => n + p.bytes.byteLength, 0);
    for (const init of this.inits.values()) bytes += init.byteLength;
    return bytes;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Calls `listener` after every change (new part, segment complete, ended); returns the remover. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ------------------------------------------------------------------------------------------

  private servable(segment: HlsSegment): boolean {
    return segment.expiresAtMs === null || segment.expiresAtMs > this.now();
  }

  /**
   * Takes the oldest complete segments out of the playlist while more than windowSegments are
   * listed, but never below three target durations of media (RFC 8216bis 6.2.2: a live playlist
   * must not get shorter than that), then forgets segments whose availability has ended and init
   * segments no retained segment uses.
   */
  private slideWindow(): void {
    const now = this.now();
    const listed = this.listed();
    let listedTicks = listed.reduce((n, s) => n + s.duration, 0);
    const floorTicks = 3 * this.targetDurationValue * TIMESCALE;
    let count = listed.length;
    for (const segment of listed) {
      if (count <= this.windowSegments || !segment.complete || listedTicks - segment.duration < floorTicks) break;
      // 6.2.2: a removed segment stays fetchable until its first appearance plus its duration
      // plus the longest playlist that listed it: about its own duration after its removal, so
      // twice that is kept. Its parts must stay fetchable three target durations after their
      // EXT-X-PART tags went (which was before the segment left the playlist).
      const segmentMs = (segment.duration * 1000) / TIMESCALE;
      segment.expiresAtMs = now + Math.max(2 * segmentMs, 3 * this.targetDurationValue * 1000);
      listedTicks -= segment.duration;
      count--;
    }
    while (this.segments[0] && this.segments[0].expiresAtMs !== null && this.segments[0].expiresAtMs <= now) this.segments.shift();
    const used = new Set(this.segments.map((s) => s.initId));
    const newest = Math.max(...this.inits.keys());
    for (const id of this.inits.keys()) if (!used.has(id) && id !== newest) this.inits.delete(id);
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
