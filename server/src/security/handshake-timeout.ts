/**
 * Slow handshakes (slowloris: a request's headers trickled a byte at a time, or a socket that
 * opens and sends nothing) each hold a socket and a slot of `maxConnectionsPerIp`. Bounded by
 * config `handshakeTimeoutMs` at every stage before a connection does useful work:
 *
 *  - TLS: `handshakeTimeout` of the TLS server (Node's default is 120 s);
 *  - HTTP headers: `server.headersTimeout`. Node checks it every `connectionsCheckingInterval`
 *    (default 30 s, passed to createServer), so the check runs more often here, and a socket is
 *    closed between handshakeTimeoutMs and handshakeTimeoutMs + CHECK_INTERVAL after it opened,
 *    with `408 Request Timeout` (counted as a `handshake_timeout` refusal via 'clientError').
 *    `requestTimeout` stays 0 on purpose: a PUT publisher's body streams for hours
 *    (publishIdleTimeoutMs bounds its silences instead);
 *  - WebSocket upgrades: once the headers are in, Node hands the socket over and no HTTP timeout
 *    applies any more; guardUpgrade() closes it unless the handshake completes in time (a token
 *    check is awaited in between).
 * After that the WebSocket heartbeat (heartbeatIntervalMs) and publishIdleTimeoutMs take over.
 */
import type { Duplex } from 'node:stream';

/** How often Node looks for connections past headersTimeout (createServer option). */
export const CHECK_INTERVAL_MS = 250;

/** headersTimeout for a server created with `connectionsCheckingInterval: CHECK_INTERVAL_MS`. */
export function applyHandshakeTimeout(server: { headersTimeout: number; keepAliveTimeout: number }, timeoutMs: number): void {
  server.headersTimeout = timeoutMs;
  // A keep-alive connection between requests is governed by keepAliveTimeout (5 s); Node wants
  // headersTimeout not below it, or an idle keep-alive socket could be cut mid-request.
  server.keepAliveTimeout = Math.min(server.keepAliveTimeout, timeoutMs);
}

/**
 * Closes `socket` unless the returned function is called within `timeoutMs` (the WebSocket
 * handshake completed or was refused). `onTimeout` runs when it fires (counting).
 */
export function guardUpgrade(socket: Duplex, timeoutMs: number, onTimeout: () => void): () => void {
  const timer = setTimeout(() => {
    onTimeout();
    socket.destroy();
  }, timeoutMs);
  timer.unref();
  const clear = () => clearTimeout(timer);
  socket.once('close', clear);
  return clear;
}
