import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, selectSubprotocol } from '@framewire/shared';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { httpRefusal } from '../http/raw-response.js';
import { publishKeyFrom, publishStreamName, type PublishEndpoints, type PublishRefusal } from './publish-endpoints.js';

export interface WsPublisherServerOptions {
  endpoints: PublishEndpoints;
  logger: Logger;
  /** Largest message a publisher may send; larger → ws closes with 1009. */
  maxPayloadBytes: number;
  heartbeatIntervalMs: number;
}

/** Close code for a text message: publishers send binary Annex-B only (RFC 6455 7.4.1). */
const UNSUPPORTED_DATA = 1003;

/** Sent (text) once a publisher is accepted, so a client knows its key worked before it sends. */
export interface PublishingMessage {
  type: 'publishing';
  stream: string;
}

/**
 * WS /publish/NAME: binary messages are Annex-B chunks of any size. A WebSocketServer of its own
 * because publishers need a larger maxPayload than viewers (whose server keeps it small).
 * Refusals accept the upgrade first, then close with a code and reason: a browser cannot read
 * the HTTP status of a refused upgrade.
 */
export class WsPublisherServer {
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private readonly alive = new WeakSet<WebSocket>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly options: WsPublisherServerOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: options.maxPayloadBytes,
      clientTracking: false,
      // The browser publisher offers its key as `framewire.key.KEY` next to `framewire`: select
      // that one, so the key is not echoed back (publish-endpoints.ts publishKeyFrom).
      handleProtocols: (protocols) => selectSubprotocol(protocols),
    });
    // A publisher whose network vanished would hold the stream (a second publisher is refused):
    // one missed pong frees it, as for viewers (ws README "detect and close broken connections").
    this.heartbeat = setInterval(() => {
      for (const ws of this.sockets) {
        if (!this.alive.has(ws)) ws.terminate();
        else {
          this.alive.delete(ws);
          ws.ping();
        }
      }
    }, options.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  get publisherCount(): number {
    return this.sockets.size;
  }

  /** True if the path is /publish/… and this module took the upgrade. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const name = publishStreamName((request.url ?? '/').split('?')[0] ?? '/');
    if (name === null) return false;
    const originRefusal = this.options.endpoints.originRefusal(request);
    if (originRefusal) {
      this.options.logger.info({ stream: name.slice(0, 80), status: 403, reason: originRefusal.message }, 'publisher refused');
      socket.end(httpRefusal(403, 'Forbidden', originRefusal.message));
      return true;
    }
    const key = publishKeyFrom(request);
    this.wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws, name, key, request));
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const ws of this.sockets) ws.close(CloseCode.GOING_AWAY, 'server shutting down');
    const started = performance.now();
    while (this.sockets.size > 0 && performance.now() - started < 1000) await new Promise((r) => setTimeout(r, 10));
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket, name: string, key: string | null, request: IncomingMessage): void {
    ws.on('error', (err) => this.options.logger.debug({ stream: name, err: err.message }, 'publisher socket error'));
    const auth = this.options.endpoints.authorize(name, key);
    if (!auth.ok) {
      this.refuse(ws, name, auth.refusal);
      return;
    }
    const description = `ws ${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? '?'}`;
    const handle = auth.point.source.attach({
      description,
      kick: (reason, message) => ws.close(reason === 'idle' ? CloseCode.PUBLISH_IDLE : CloseCode.GOING_AWAY, message),
      closing: () => ws.readyState !== WebSocket.OPEN,
    });
    if (!handle) {
      this.refuse(ws, name, this.options.endpoints.conflict(name));
      return;
    }
    this.sockets.add(ws);
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        ws.close(UNSUPPORTED_DATA, 'publishers send binary Annex-B H.264 only');
        return;
      }
      for (const chunk of toChunks(data)) handle.push(chunk);
    });
    ws.once('close', (code, reason) => {
      this.sockets.delete(ws);
      handle.end(`WebSocket closed ${code}${reason.length > 0 ? ` ${reason.toString()}` : ''}`);
    });
    const hello: PublishingMessage = { type: 'publishing', stream: name };
    ws.send(JSON.stringify(hello));
  }

  private refuse(ws: WebSocket, name: string, refusal: PublishRefusal): void {
    this.options.logger.info({ stream: name, closeCode: refusal.closeCode, reason: refusal.message }, 'publisher refused');
    ws.close(refusal.closeCode, refusal.message);
  }
}

function toChunks(data: RawData): Uint8Array[] {
  if (Array.isArray(data)) return data;
  if (data instanceof ArrayBuffer) return [new Uint8Array(data)];
  return [data];
}
