/**
 * Who may watch: the Origin allow-list (origin-policy.ts) and, for streams that ask for one, a
 * viewer token (tokens.ts), for both viewer transports (WS /live/NAME and GET /hls/NAME/…), and
 * the count of every refusal by reason for /metrics.
 *
 * Token refusals follow RFC 6750 3.1: no token, a bad or an expired one → 401 with
 * `WWW-Authenticate: Bearer` (error="invalid_token" when one was given); a valid token for
 * another stream → 403 (error="insufficient_scope"). A WebSocket carries the same as close codes
 * 4401 / 4403 after the handshake, because a browser never shows a script the status of a
 * refused handshake (its WebSocket only reports close code 1006): refusing at the HTTP level would
 * make a bad token indistinguishable from a network failure, and the player would retry forever.
 * Origin refusals, in contrast, are HTTP 403 at the handshake (RFC 6455 4.2.2), see origin-policy.ts.
 *
 * Tokens are never logged: log lines carry the stream, the address and the reason only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { OriginPolicy } from './origin-policy.js';
import { tokenFromRequest, type TokenCheck, type TokenRefusalReason, type ViewerTokens } from './tokens.js';

export const VIEWER_TRANSPORTS = ['ws', 'hls'] as const;
export type ViewerTransport = (typeof VIEWER_TRANSPORTS)[number];

export const VIEWER_REFUSAL_REASONS = [
  'origin',
  'invalid_name',
  'unknown_stream',
  'no_token',
  'invalid_token',
  'expired_token',
  'wrong_stream_token',
  'server_full',
  'stream_full',
  'bad_message',
] as const;
export type ViewerRefusalReason = (typeof VIEWER_REFUSAL_REASONS)[number];

export interface ViewerAccessOptions {
  origins: OriginPolicy;
  /** null when no viewerTokenSecret is configured (then no stream may require tokens: resolve.ts). */
  tokens: ViewerTokens | null;
  /** Does this stream need a token? Unknown names: the global setting, so a refusal does not reveal which streams exist. */
  requiresToken(stream: string): boolean;
  logger: Logger;
}

export type TokenRefusal = Extract<TokenCheck, { ok: false }>;

/**
 * At most this many `viewer refused` lines per window: a flood of refused handshakes must not
 * become a flood of log lines (disk, log collector). The metric counts every one.
 */
const LOG_LINES_PER_WINDOW = 20;
const LOG_WINDOW_MS = 10_000;

export class ViewerAccess {
  /** Refusals since start: `${transport}:${reason}` → count (metrics/metrics.ts reads them when scraped). */
  readonly refused = new Map<`${ViewerTransport}:${ViewerRefusalReason}`, number>();

  private logWindowStart = 0;
  private loggedInWindow = 0;
  private suppressed = 0;

  constructor(private readonly options: ViewerAccessOptions) {}

  get origins(): OriginPolicy {
    return this.options.origins;
  }

  originAllowed(req: IncomingMessage): boolean {
    return this.options.origins.allows(req);
  }

  requiresToken(stream: string): boolean {
    return this.options.requiresToken(stream);
  }

  /** ok when the stream needs no token or the request carries a valid one for it. */
  async checkToken(req: IncomingMessage, stream: string): Promise<TokenCheck> {
    if (!this.options.requiresToken(stream)) return { ok: true };
    const { tokens } = this.options;
    if (!tokens) return { ok: false, reason: 'invalid_token', message: 'viewer tokens are not configured' };
    return tokens.verify(tokenFromRequest(req), stream);
  }

  count(transport: ViewerTransport, reason: ViewerRefusalReason, stream: string, address: string | undefined): void {
    const key = `${transport}:${reason}` as const;
    this.refused.set(key, (this.refused.get(key) ?? 0) + 1);
    const now = performance.now();
    if (now - this.logWindowStart > LOG_WINDOW_MS) {
      if (this.suppressed > 0) this.options.logger.warn({ count: this.suppressed }, 'viewer refusals not logged (too many; see framewire_viewer_refused_total)');
      this.logWindowStart = now;
      this.loggedInWindow = 0;
      this.suppressed = 0;
    }
    if (this.loggedInWindow++ < LOG_LINES_PER_WINDOW) this.options.logger.info({ stream: stream.slice(0, 80), address, transport, reason }, 'viewer refused');
    else this.suppressed++;
  }

  /**
   * HTTP viewers (LL-HLS): Origin and token. Writes the refusal and returns false, or returns
   * true and writes nothing. CORS headers go on refusals too, so a player on another site can
   * read the status (hls.js reports it).
   */
  async authorizeHttp(req: IncomingMessage, res: ServerResponse, stream: string): Promise<boolean> {
    const address = req.socket.remoteAddress;
    if (!this.originAllowed(req)) {
      this.count('hls', 'origin', stream, address);
      sendRefusal(res, 403, 'this page\'s origin may not load streams from this server (allowedOrigins)\n', {});
      return false;
    }
    const check = await this.checkToken(req, stream);
    if (check.ok) return true;
    this.count('hls', check.reason, stream, address);
    const { status, wwwAuthenticate } = tokenRefusalStatus(check.reason);
    sendRefusal(res, status, `${check.message}\n`, { 'access-control-allow-origin': '*', 'www-authenticate': wwwAuthenticate });
    return false;
  }
}

/** The HTTP status and WWW-Authenticate challenge of a token refusal (RFC 6750 3, 3.1). */
export function tokenRefusalStatus(reason: TokenRefusalReason): { status: 401 | 403; wwwAuthenticate: string } {
  const realm = 'Bearer realm="framewire"';
  if (reason === 'no_token') return { status: 401, wwwAuthenticate: realm };
  if (reason === 'wrong_stream_token') return { status: 403, wwwAuthenticate: `${realm}, error="insufficient_scope"` };
  return { status: 401, wwwAuthenticate: `${realm}, error="invalid_token"` };
}

function sendRefusal(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}
