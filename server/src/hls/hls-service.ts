/**
 * HlsService: the LL-HLS side of the server, one HlsPackager + PartStore per stream.
 *
 * Packaging is always on, from the stream's first frame: hls.js and ffmpeg start only once a
 * playlist lists a complete segment, so a packager made on the first request would make the first
 * viewer wait one to two GOPs. Memory stays bounded per stream by the window (part-store.ts), and
 * an idle on-demand stream holds nothing (the packager empties its store when the source stops).
 * The packager subscribes as an internal consumer: it is not a viewer in /api/streams and does
 * not keep an on-demand source running.
 *
 * Viewer demand (Stream.addViewerDemand) follows the HLS clients instead: the first request for
 * a stream takes one demand (so an on-demand source starts), and it is released after
 * `idleTimeoutMs` without any HLS request for that stream. HTTP gives no client identity, so it is
 * one demand for all the HLS clients of a stream.
 *
 * HLS clients are counted as viewers (hls-clients.ts) and admitted under the same limits as
 * WebSocket viewers: a new client over a limit gets 503 with Retry-After on its playlist request.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Stream } from '../pipeline/stream.js';
import type { ViewerCounts, ViewerLimitRefusal, ViewerLimits } from '../security/viewer-limits.js';
import { hlsClientKey, HlsClients } from './hls-clients.js';
import { HlsPackager } from './hls-packager.js';
import { handleHlsRequest } from './hls-routes.js';
import { PartStore } from './part-store.js';

export interface HlsServiceOptions {
  streams: ReadonlyMap<string, Stream>;
  logger: Logger;
  /** Nominal part duration, ms (config hlsPartTargetMs). */
  partTargetMs: number;
  /** A segment ends at the first key frame after this long, ms (hlsSegmentTargetMs). */
  segmentTargetMs: number;
  /** Segments listed in a playlist (hlsWindowSegments). */
  windowSegments: number;
  /** Blocking playlist / hinted part requests give up after this long, ms; 0 = 3 × TARGETDURATION (hlsBlockTimeoutMs). */
  blockTimeoutMs: number;
  /** The viewer demand of a stream is released after this long without an HLS request, ms (hlsIdleTimeoutMs). */
  idleTimeoutMs: number;
  /** maxViewers / maxViewersPerStream, shared with the WebSocket viewers; absent = no limits. */
  limits?: ViewerLimits;
  now?: () => number;
}

/**
 * A client that has not asked for a playlist for this long has left: LL-HLS clients ask every
 * part (~0.2 s) and plain HLS clients every target duration (2–6 s here). Forgotten by sweep(),
 * so a client that left still counts for up to one sweep interval (≤ 5 s) more.
 */
export const HLS_CLIENT_TTL_MS = 10_000;

/** One stream's packaging state, as the routes use it. */
export interface HlsEntry {
  readonly name: string;
  readonly packager: HlsPackager;
  readonly store: PartStore;
  /** Aborted when the service closes: blocked requests end. */
  readonly signal: AbortSignal;
}

interface EntryState extends HlsEntry {
  readonly stream: Stream;
  readonly unsubscribe: () => void;
  releaseDemand: (() => void) | null;
  lastRequestMs: number;
  /** Requests in progress (a blocked one keeps the demand past the idle timeout). */
  active: number;
}

export class HlsService {
  /** Part of every media URI, so names from an earlier server run are never served stale by a cache. */
  readonly runId = randomBytes(5).toString('hex');
  private readonly options: HlsServiceOptions;
  private readonly now: () => number;
  private readonly entries = new Map<string, EntryState>();
  private readonly controller = new AbortController();
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly clients: HlsClients;

  constructor(options: HlsServiceOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.clients = new HlsClients(HLS_CLIENT_TTL_MS, this.now);
    for (const [name, stream] of options.streams) this.create(name, stream);
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(100, Math.min(5_000, options.idleTimeoutMs / 2)));
    this.sweepTimer.unref();
  }

  /** http-server.ts hands every /hls/ request here. */
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    return handleHlsRequest(req, res, pathname, this);
  }

  hasStream(name: string): boolean {
    return this.options.streams.has(name);
  }

  /** The HLS clients now (hls-clients.ts), for /api/streams, /metrics and the WebSocket limits. */
  readonly viewers: ViewerCounts = { total: () => this.clients.total(), of: (stream) => this.clients.of(stream) };

  /**
   * A playlist request: counts its client, or refuses a new client over a viewer limit (the
   * WebSocket viewers count too). Clients already watching are never cut off.
   */
  admit(req: IncomingMessage, stream: string): ViewerLimitRefusal | null {
    const key = hlsClientKey(req);
    if (!this.clients.has(stream, key)) {
      const refusal = this.options.limits?.check(stream);
      if (refusal) return refusal;
    }
    this.clients.touch(stream, key);
    return null;
  }

  /** The entry of a stream for an HLS request: takes the stream's viewer demand if not held. */
  entry(name: string): HlsEntry | null {
    let entry = this.entries.get(name);
    if (!entry) {
      const stream = this.options.streams.get(name);
      if (!stream || this.controller.signal.aborted) return null;
      entry = this.create(name, stream); // a stream added after start
    }
    entry.lastRequestMs = this.now();
    if (!entry.releaseDemand && !this.controller.signal.aborted) entry.releaseDemand = entry.stream.addViewerDemand();
    return entry;
  }

  /** Marks the entry busy while `work` runs, so its demand is not released under a blocked request. */
  async using<T>(entry: HlsEntry, work: () => Promise<T>): Promise<T> {
    const state = this.entries.get(entry.name);
    if (state !== entry) return work();
    state.active++;
    try {
      return await work();
    } finally {
      state.active--;
      state.lastRequestMs = this.now();
    }
  }

  /** How long a blocking request waits: RFC 8216bis 6.2.5.2 suggests 503 after 3 target durations. */
  blockTimeoutMs(store: PartStore): number {
    return this.options.blockTimeoutMs > 0 ? this.options.blockTimeoutMs : 3 * store.targetDuration * 1000;
  }

  /** Releases the demand of streams with no HLS request for idleTimeoutMs (on a timer; public for tests). */
  sweep(): void {
    this.clients.expire();
    const now = this.now();
    for (const entry of this.entries.values()) {
      if (entry.releaseDemand && entry.active === 0 && now - entry.lastRequestMs > this.options.idleTimeoutMs) {
        entry.releaseDemand();
        entry.releaseDemand = null;
        this.options.logger.debug({ stream: entry.name, component: 'hls' }, 'no HLS request lately: viewer demand released');
      }
    }
  }

  close(): void {
    clearInterval(this.sweepTimer);
    this.controller.abort();
    for (const entry of this.entries.values()) {
      entry.unsubscribe();
      entry.releaseDemand?.();
      entry.releaseDemand = null;
    }
  }

  private create(name: string, stream: Stream): EntryState {
    const store = new PartStore({
      windowSegments: this.options.windowSegments,
      segmentTargetMs: this.options.segmentTargetMs,
      firstMsn: 0,
      firstPartNumber: 0,
      discontinuitySequence: 0,
      now: this.now,
    });
    const packager = new HlsPackager({
      store,
      logger: this.options.logger.child({ stream: name, component: 'hls' }),
      partTargetMs: this.options.partTargetMs,
      segmentTargetMs: this.options.segmentTargetMs,
      firstInitId: 0,
      now: this.now,
    });
    // From snapshot to subscription synchronously: no frame falls between the two.
    const gop = stream.cachedGop();
    const unsubscribe = stream.subscribe(packager);
    for (const frame of gop) packager.onFrame(frame);
    if (stream.state === 'ended') store.setEnded(true);
    const entry: EntryState = {
      name,
      stream,
      packager,
      store,
      signal: this.controller.signal,
      unsubscribe,
      releaseDemand: null,
      lastRequestMs: this.now(),
      active: 0,
    };
    this.entries.set(name, entry);
    return entry;
  }
}
