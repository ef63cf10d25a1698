/**
 * Which web pages may open a WebSocket (or load LL-HLS) from this server, by the `Origin`
 * header their browser sends (RFC 6454 7; RFC 6455 4.1 client step 8: a browser always sends it
 * on a WebSocket handshake, and scripts cannot change it).
 *
 * WebSockets are not covered by the same-origin policy: without this check any page a viewer
 * visits could open /live/NAME in their browser. RFC 6455 10.2: the Origin check protects only
 * against browser pages; any other client can send whatever Origin it likes. Hence:
 *  - a request without an Origin header (ffmpeg, OBS, Node programs) is not a browser page, and
 *    is allowed; it is still subject to keys and tokens;
 *  - the server's own pages are always allowed (the Origin's host equals the request's `Host`,
 *    or `X-Forwarded-Host` behind a reverse proxy: a browser page cannot set either header on
 *    a WebSocket or a simple GET, so trusting them here opens nothing a non-browser could not do);
 *  - otherwise the Origin must be listed, or the list must hold `*`.
 * A refused handshake is answered 403 before any WebSocket exists (RFC 6455 4.2.2 step 4: "If
 * the server does not wish to accept this connection, it MUST return an appropriate HTTP error
 * code (e.g., 403 Forbidden)").
 */
import type { IncomingMessage } from 'node:http';

/** The config's words for "any page" (the default for viewers: embeds on other sites must work). */
export const ANY_ORIGIN = '*';

/**
 * Is `text` an entry the config accepts: `*`, `null` (sandboxed iframes and file: pages send
 * `Origin: null`, RFC 6454 7.3), or exactly an origin `scheme://host[:port]` as a browser sends it
 * (lower case, no path, no default port)?
 */
export function isOriginPattern(text: string): boolean {
  if (text === ANY_ORIGIN || text === 'null') return true;
  return normalizeOrigin(text) !== null;
}

/** `HTTPS://Example.com:443/` → `https://example.com`; null if it is not an http(s) origin. */
export function normalizeOrigin(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return null;
  if (!/^[a-z]+:\/\/[^/]+\/?$/i.test(text)) return null; // "https://a.com/" yes, "https://a.com/x" no
  // A host name or an IP literal: no wildcards ("https://*.example" is not an origin a browser sends).
  if (!/^([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/i.test(url.hostname)) return null;
  return url.origin;
}

export class OriginPolicy {
  private readonly any: boolean;
  private readonly allowed: ReadonlySet<string>;

  constructor(entries: readonly string[]) {
    this.any = entries.includes(ANY_ORIGIN);
    this.allowed = new Set(entries.map((e) => (e === 'null' ? e : (normalizeOrigin(e) ?? e))));
  }

  /** True when every page may connect (no header checks are needed, e.g. no frame-ancestors). */
  get allowsAny(): boolean {
    return this.any;
  }

  /** The listed origins (for `Content-Security-Policy: frame-ancestors`). */
  get origins(): readonly string[] {
    return [...this.allowed].filter((o) => o !== 'null' && o !== ANY_ORIGIN);
  }

  /** May the page behind `req` (if any) use this server? */
  allows(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (this.any) return true;
    if (isOwnOrigin(origin, req)) return true;
    if (origin === 'null') return this.allowed.has('null');
    const normalized = normalizeOrigin(origin);
    return normalized !== null && this.allowed.has(normalized);
  }
}

/**
 * The server's own pages: Origin's host[:port] equals `Host` (or the first `X-Forwarded-Host`).
 * Only the authority is compared, not the scheme: behind a TLS-terminating proxy the page is
 * https and the request reaching us plain http.
 */
function isOwnOrigin(origin: string, req: IncomingMessage): boolean {
  let authority: string;
  try {
    authority = new URL(origin).host.toLowerCase();
  } catch {
    return false;
  }
  const forwarded = req.headers['x-forwarded-host'];
  const hosts = [req.headers.host, typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : undefined];
  return hosts.some((h) => h !== undefined && h !== '' && stripDefaultPort(h.toLowerCase(), origin) === authority);
}

/** `Host: example.com:443` against an https Origin is `example.com` (URL.host drops default ports). */
function stripDefaultPort(host: string, origin: string): string {
  if (origin.startsWith('https:') && host.endsWith(':443')) return host.slice(0, -4);
  if (origin.startsWith('http:') && host.endsWith(':80')) return host.slice(0, -3);
  return host;
}
