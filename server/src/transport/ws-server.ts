import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, selectSubprotocol, type ErrorMessage } from '@framewire/shared';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { STREAM_NAME_PATTERN } from '../config.js';
import type { Stream } from '../pipeline/stream.js';
import { httpRefusal } from '../http/raw-response.js';
import { guardUpgrade } from '../security/handshake-timeout.js';
import type { TokenCheck } from '../security/tokens.js';
import type { ViewerAccess, ViewerRefusalReason } from '../security/viewer-access.js';
import type { ViewerCounts, ViewerLimits } from '../security/viewer-limits.js';
import { WsSession } from './ws-session.js';

export interface WsServerOptions {
  streams: ReadonlyMap<string, Stream>;
  logger: Logger;
  maxViewerBufferedBytes: number;
  viewerMaxPayloadBytes: number;
  heartbeatIntervalMs: number;
  serverName: string;
  /** Origin allow-list and viewer tokens (security/viewer-access.ts); absent = anyone may watch. */
  access?: ViewerAccess;
  /** maxViewers / maxViewersPerStream (security/viewer-limits.ts; LL-HLS clients count too); absent = no limits. */
  limits?: ViewerLimits;
  /** An upgrade whose token check has not finished in this long is dropped (security/handshake-timeout.ts). */
  handshakeTimeoutMs?: number;
  /** Called when guardUpgrade() drops a socket (counted as a handshake_timeout refusal). */
  onHandshakeTimeout?: () => void;
}

const LIVE_PREFIX = '/live/';

/** Per stream, for /metrics: viewers now, and media frames/bytes sent since start (viewers that left included). */
export interface ViewerTotals {
  viewers: number;
  framesSent: number;
  bytesSent: number;
}

/**
 * Viewer WebSockets: upgrade routing for /live/NAME, one WsSession per viewer, heartbeat.
 * noServer: the HTTP server owns the port and hands upgrades over (ws README "Multiple servers
 * sharing a single HTTP/S server"). perMessageDeflate off: compressing H.264 gains nothing and
 * costs latency and memory per viewer.
 */
export class WsServer {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<WsSession>();
  private readonly heartbeat: NodeJS.Timeout;
  /** Sent by viewers that have left, per stream, so the totals never go backwards. */
  private readonly departed = new Map<string, { framesSent: number; bytesSent: number }>();
  /** Viewers per stream now (the per-stream limit). */
  private readonly perStream = new Map<string, number>();

  constructor(private readonly options: WsServerOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: options.viewerMaxPayloadBytes,
      clientTracking: false,
      // The player offers `framewire` next to `framewire.token.<JWT>` (security/tokens.ts).
      handleProtocols: (protocols) => selectSubprotocol(protocols),
    });
    // ws README "How to detect and close broken connections?": a viewer that did not answer the
    // previous ping is gone (laptop lid closed, NAT dropped): free its slot and buffers.
    this.heartbeat = setInterval(() => {
      for (const session of this.sessions) {
        if (!session.alive) session.terminate();
        else session.ping();
      }
    }, options.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /** The WebSocket viewers now, for the viewer limits. */
  readonly viewers: ViewerCounts = { total: () => this.sessions.size, of: (stream) => this.perStream.get(stream) ?? 0 };

  get viewerCount(): number {
    return this.sessions.size;
  }

  /** Sessions (tests read their counters). */
  get allSessions(): ReadonlySet<WsSession> {
    return this.sessions;
  }

  /** Read at scrape time (metrics/metrics.ts): nothing is counted per frame here beyond WsSession's own counters. */
  totalsByStream(): Map<string, ViewerTotals> {
    const totals = new Map<string, ViewerTotals>();
    for (const [name, sent] of this.departed) totals.set(name, { viewers: 0, ...sent });
    for (const session of this.sessions) {
      const row = totals.get(session.streamName) ?? { viewers: 0, framesSent: 0, bytesSent: 0 };
      row.viewers++;
      row.framesSent += session.framesSent;
      row.bytesSent += session.bytesSent;
      totals.set(session.streamName, row);
    }
    return totals;
  }

  /** True if this module handled (or rejected) the upgrade. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (!path.startsWith(LIVE_PREFIX)) return false;
    let name: string;
    try {
      name = decodeURIComponent(path.slice(LIVE_PREFIX.length));
    } catch {
      name = '';
    }
    const { access } = this.options;
    if (access && !access.originAllowed(request)) {
      // RFC 6455 4.2.2: refused before any WebSocket exists (see security/origin-policy.ts).
      access.count('ws', 'origin', name, request.socket.remoteAddress);
      socket.end(httpRefusal(403, 'Forbidden', "this page's origin may not play streams from this server (allowedOrigins)"));
      return true;
    }
    if (!access?.requiresToken(name)) {
      this.wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws, name, { ok: true }, request));
      return true;
    }
    // The token check is asynchronous (WebCrypto): the socket must not wait on it unbounded.
    const done = guardUpgrade(socket, this.options.handshakeTimeoutMs ?? 10_000, () => this.options.onHandshakeTimeout?.());
    void access.checkToken(request, name).then((check) => {
      done();
      this.wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws, name, check, request));
    });
    return true;
  }

  /** Closes every viewer with 1001 (going away) and stops the heartbeat. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const session of this.sessions) session.close(CloseCode.GOING_AWAY, 'server shutting down');
    // Give close handshakes up to 1 s, then cut the rest; never wait forever.
    const started = performance.now();
    let terminated = false;
    while (this.sessions.size > 0 && performance.now() - started < 2000) {
      if (!terminated && performance.now() - started > 1000) {
        terminated = true;
        for (const session of this.sessions) session.terminate();
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket, name: string, token: TokenCheck, request: IncomingMessage): void {
    const logger = this.options.logger.child({ stream: name });
    const address = request.socket.remoteAddress;
    const refused = (reason: ViewerRefusalReason) => this.options.access?.count('ws', reason, name, address);
    // A browser cannot read the HTTP status of a failed upgrade, so accept, explain, then close.
    if (!STREAM_NAME_PATTERN.test(name)) {
      refused('invalid_name');
      this.reject(ws, CloseCode.BAD_REQUEST, 'BAD_REQUEST', `invalid stream name "${name.slice(0, 80)}"`, 'invalid stream name');
      return;
    }
    // Before the existence check: without a token, nobody learns which names exist.
    if (!token.ok) {
      refused(token.reason);
      const forbidden = token.reason === 'wrong_stream_token';
      this.reject(ws, forbidden ? CloseCode.FORBIDDEN : CloseCode.UNAUTHORIZED, forbidden ? 'FORBIDDEN' : 'UNAUTHORIZED', token.message, token.message);
      return;
    }
    const stream = this.options.streams.get(name);
    if (!stream) {
      refused('unknown_stream');
      logger.info('viewer asked for an unknown stream');
      const message = `stream "${name}" not found`;
      this.reject(ws, CloseCode.STREAM_NOT_FOUND, 'STREAM_NOT_FOUND', message, message);
      return;
    }
    const full = this.options.limits?.check(name);
    if (full) {
      refused(full.reason);
      // No message first: see security/viewer-limits.ts (a player may fall back to LL-HLS).
      ws.on('error', () => {});
      ws.close(CloseCode.TRY_AGAIN_LATER, full.message);
      return;
    }
    const session = new WsSession(
      ws,
      stream,
      {
        maxBufferedBytes: this.options.maxViewerBufferedBytes,
        serverName: this.options.serverName,
        onBadMessage: () => refused('bad_message'),
      },
      logger,
    );
    this.sessions.add(session);
    this.perStream.set(name, (this.perStream.get(name) ?? 0) + 1);
    ws.once('close', () => {
      this.sessions.delete(session);
      const left = (this.perStream.get(name) ?? 1) - 1;
      if (left > 0) this.perStream.set(name, left);
      else this.perStream.delete(name);
      const sent = this.departed.get(name) ?? { framesSent: 0, bytesSent: 0 };
      sent.framesSent += session.framesSent;
      sent.bytesSent += session.bytesSent;
      this.departed.set(name, sent);
    });
    session.start();
  }

  /** closeReason must fit the 123-byte limit of a close frame (RFC 6455 5.5): ASCII names of ≤ 64 chars do. */
  private reject(ws: WebSocket, closeCode: number, code: ErrorMessage['code'], message: string, closeReason: string): void {
    const error: ErrorMessage = { type: 'error', code, message };
    ws.on('error', () => {});
    ws.send(JSON.stringify(error));
    ws.close(closeCode, closeReason);
  }
}
