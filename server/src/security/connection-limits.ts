/**
 * Concurrent TCP connections per client address (config `maxConnectionsPerIp`), counted from the
 * moment a connection is accepted, before a single byte is read: a flood of sockets that never
 * send anything is bounded here, not only once each has sent its headers.
 *
 * Over the limit, a plain-HTTP connection is answered at once with `429 Too Many Requests` and
 * `Retry-After` (RFC 6585 4, RFC 9110 10.2.3) and closed; a WebSocket client sees that status as
 * the handshake's response. A TLS connection cannot be answered before its handshake (the client
 * expects a ServerHello), so it is closed without one.
 *
 * Behind a reverse proxy every client has the proxy's address: there, set the limit to 0 and limit
 * per client in the proxy (nginx `limit_conn`).
 */
import type { Server, Socket } from 'node:net';
import type { Logger } from 'pino';

export const CONNECTION_REFUSAL_REASONS = ['per_ip_limit', 'handshake_timeout'] as const;
export type ConnectionRefusalReason = (typeof CONNECTION_REFUSAL_REASONS)[number];

export interface ConnectionLimitsOptions {
  /** Most concurrent connections from one address; 0 = no limit. */
  maxPerIp: number;
  /** TLS server: refuse by closing (no status can be sent before the TLS handshake). */
  tls: boolean;
  logger: Logger;
}

/** How long a refused plain-HTTP socket may linger for the client to read the 429 (then destroyed). */
const REFUSED_LINGER_MS = 2_000;
/** One warning per address per minute, however large the flood. */
const WARN_INTERVAL_MS = 60_000;

export class ConnectionLimits {
  /** Refusals since start, by reason (metrics/metrics.ts reads them when scraped). */
  readonly refused = new Map<ConnectionRefusalReason, number>();
  private readonly open = new Map<string, number>();
  private readonly refusedSockets = new WeakSet<Socket>();
  private readonly lastWarned = new Map<string, number>();

  constructor(private readonly options: ConnectionLimitsOptions) {}

  /** Counts every connection `server` accepts; call before listen(). */
  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.onConnection(socket));
  }

  /** Was this socket refused (its request or upgrade must then be ignored)? */
  isRefused(socket: Socket | { remoteAddress?: string }): boolean {
    return this.refusedSockets.has(socket as Socket);
  }

  /** Connections open now from `address`. */
  openFrom(address: string): number {
    return this.open.get(clientAddress(address)) ?? 0;
  }

  count(reason: ConnectionRefusalReason): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
  }

  private onConnection(socket: Socket): void {
    const address = clientAddress(socket.remoteAddress ?? '');
    const { maxPerIp } = this.options;
    const current = this.open.get(address) ?? 0;
    if (maxPerIp > 0 && current >= maxPerIp) {
      this.refuse(socket, address);
      return;
    }
    this.open.set(address, current + 1);
    socket.once('close', () => {
      const left = (this.open.get(address) ?? 1) - 1;
      if (left <= 0) this.open.delete(address);
      else this.open.set(address, left);
    });
  }

  private refuse(socket: Socket, address: string): void {
    this.count('per_ip_limit');
    this.refusedSockets.add(socket);
    socket.on('error', () => {});
    const now = Date.now();
    if (now - (this.lastWarned.get(address) ?? -Infinity) > WARN_INTERVAL_MS) {
      this.lastWarned.set(address, now);
      this.options.logger.warn({ address, limit: this.options.maxPerIp }, 'too many connections from one address: refusing new ones (429)');
    }
    if (this.options.tls) {
      socket.destroy();
      return;
    }
    const body = `too many connections from your address (limit ${this.options.maxPerIp})\n`;
    // end(): the status goes out before our FIN; Node's parser goes on reading whatever the
    // client already sent, so the kernel does not answer it with a reset that could discard the 429.
    socket.end(
      `HTTP/1.1 429 Too Many Requests\r\nRetry-After: 5\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Cache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
  }
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are one client (a dual-stack socket reports the mapped form). */
export function clientAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
