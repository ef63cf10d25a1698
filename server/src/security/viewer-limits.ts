/**
 * How many viewers the server takes: `maxViewers` in total and, per stream, its own
 * `maxViewers` or else `maxViewersPerStream` (0 = no limit at that level). Each viewer may hold up
 * to maxViewerBufferedBytes of unsent media, so the total bounds memory as well as CPU.
 *
 * A viewer over a limit is accepted and closed with 1013 "Try Again Later" (IANA WebSocket close
 * code registry) and a reason a page can show; no message is sent first, so a player that never
 * got a message falls back to LL-HLS (which a CDN can scale) after its connect timeout, and
 * otherwise retries with backoff. LL-HLS clients count too (hls/hls-clients.ts: a client is an
 * address and User-Agent that asked for a playlist lately); a new one over a limit gets 503.
 */
export type ViewerLimitRefusal = { reason: 'server_full' | 'stream_full'; message: string };

/** Viewers of one kind now (WebSocket sessions, LL-HLS clients): in total and of one stream. */
export interface ViewerCounts {
  total(): number;
  of(stream: string): number;
}

export interface ViewerLimitsOptions {
  /** Total over all streams; 0 = none. */
  maxViewers: number;
  /** The limit of one stream (its own, else maxViewersPerStream); 0 = none. */
  perStream(stream: string): number;
}

export class ViewerLimits {
  private readonly counted: ViewerCounts[] = [];

  constructor(private readonly options: ViewerLimitsOptions) {}

  /** Counts these viewers against the limits (each kind once: the WebSocket server, the HLS service). */
  count(viewers: ViewerCounts): void {
    this.counted.push(viewers);
  }

  /** null when one more viewer of `stream` fits, given every counted viewer now. */
  check(stream: string): ViewerLimitRefusal | null {
    const { maxViewers } = this.options;
    if (maxViewers > 0 && this.sum((c) => c.total()) >= maxViewers) return { reason: 'server_full', message: `server full (${maxViewers} viewers), try again later` };
    const perStream = this.options.perStream(stream);
    if (perStream > 0 && this.sum((c) => c.of(stream)) >= perStream) return { reason: 'stream_full', message: `stream full (${perStream} viewers), try again later` };
    return null;
  }

  private sum(read: (viewers: ViewerCounts) => number): number {
    let n = 0;
    for (const c of this.counted) n += read(c);
    return n;
  }
}
