/**
 * HlsClients: who is watching a stream over LL-HLS, as far as HTTP can tell. An LL-HLS client
 * asks for the playlist at least once per part (blocking reload, RFC 8216bis 6.2.5.2) and a
 * plain HLS client once per target duration, so a client is one that asked for a stream's
 * playlist within `ttlMs`. HTTP requests carry no viewer identity: a client is its address and
 * User-Agent. Behind a CDN or a proxy that is the CDN's fetcher (one client for many viewers);
 * two browsers of one machine count once.
 *
 * Counted so that /api/streams and /metrics show HLS viewers and the viewer limits
 * (security/viewer-limits.ts) cover them as they cover WebSocket viewers.
 */
import type { IncomingMessage } from 'node:http';

/** What identifies an HLS client: its address (as the socket sees it) and its User-Agent. */
export function hlsClientKey(req: IncomingMessage): string {
  return `${req.socket.remoteAddress ?? '?'}|${req.headers['user-agent'] ?? ''}`;
}

export class HlsClients {
  /** stream → client key → last playlist request (ms). */
  private readonly seen = new Map<string, Map<string, number>>();

  constructor(private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  /** The client asked for the stream's playlist before and is still counted. */
  has(stream: string, key: string): boolean {
    const at = this.seen.get(stream)?.get(key);
    return at !== undefined && this.now() - at <= this.ttlMs;
  }

  /** A playlist request from `key` for `stream`. */
  touch(stream: string, key: string): void {
    let clients = this.seen.get(stream);
    if (!clients) this.seen.set(stream, (clients = new Map()));
    clients.set(key, this.now());
  }

  /**
   * Clients of one stream: those seen within ttlMs, and those gone since the last expire() (the
   * owner's timer calls it every few seconds). Cheap: this runs on every playlist request.
   */
  of(stream: string): number {
    return this.seen.get(stream)?.size ?? 0;
  }

  /** Clients of every stream (as of()). */
  total(): number {
    let n = 0;
    for (const clients of this.seen.values()) n += clients.size;
    return n;
  }

  /** Forgets clients not seen for ttlMs (on the owner's timer: memory stays bounded by the live clients). */
  expire(): void {
    const oldest = this.now() - this.ttlMs;
    for (const [stream, clients] of this.seen) {
      for (const [key, at] of clients) if (at < oldest) clients.delete(key);
      if (clients.size === 0) this.seen.delete(stream);
    }
  }
}
