import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, type ErrorMessage } from '@framewire/shared';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { STREAM_NAME_PATTERN } from '../config.js';
import type { Stream } from '../pipeline/stream.js';
import { WsSession } from './ws-session.js';

export interface WsServerOptions {
  streams: ReadonlyMap<string, Stream>;
  logger: Logger;
  maxViewerBufferedBytes: number;
  viewerMaxPayloadBytes: number;
  heartbeatIntervalMs: number;
  serverName: string;
}

const LIVE_PREFIX = '/live/';

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

  constructor(private readonly options: WsServerOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: options.viewerMaxPayloadBytes,
      clientTracking: false,
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

  get viewerCount(): number {
    return this.sessions.size;
  }

  /** Sessions (tests read their counters). */
  get allSessions(): ReadonlySet<WsSession> {
    return this.sessions;
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
    this.wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws, name));
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

  private onConnection(ws: WebSocket, name: string): void {
    const logger = this.options.logger.child({ stream: name });
    // A browser cannot read the HTTP status of a failed upgrade, so accept, explain, then close.
    if (!STREAM_NAME_PATTERN.test(name)) {
      this.reject(ws, CloseCode.BAD_REQUEST, 'BAD_REQUEST', `invalid stream name "${name.slice(0, 80)}"`, 'invalid stream name');
      return;
    }
    const stream = this.options.streams.get(name);
    if (!stream) {
      logger.info('viewer asked for an unknown stream');
      const message = `stream "${name}" not found`;
      this.reject(ws, CloseCode.STREAM_NOT_FOUND, 'STREAM_NOT_FOUND', message, message);
      return;
    }
    const session = new WsSession(
      ws,
      stream,
      { maxBufferedBytes: this.options.maxViewerBufferedBytes, serverName: this.options.serverName },
      logger,
    );
    this.sessions.add(session);
    ws.once('close', () => this.sessions.delete(session));
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
