/**
 * WsClient: one WebSocket to /live/NAME, binaryType 'arraybuffer'. Text frames are control
 * messages (shared/protocol/control-messages.ts), binary frames are media (one access unit each).
 *
 * Reconnects on unexpected closes as transport/reconnect-policy.ts decides: first retry within
 * `initialDelayMs` (well under a second; go2rtc waits 15 s, flv.js/mpegts.js never retry), then
 * exponential backoff with jitter, capped. The delay resets once media flows again. 4404 (stream not found), 4410 (source ended), 4400, and 4401 /
 * 4403 (no valid viewer token: the same token would be refused again) are final.
 *
 * A viewer token travels as a subprotocol, `framewire.token.<JWT>`, offered next to `framewire`
 * (which the server selects, so the token is not echoed back): browsers let a page set no
 * headers on a WebSocket, and a subprotocol keeps the token out of the URL and of access logs.
 */
import { CloseCode, parseServerMessage, secretSubprotocols, TOKEN_SUBPROTOCOL_PREFIX, type ServerMessage } from '@framewire/shared';
import { decideReconnect, type ReconnectPolicy } from './reconnect-policy.js';

export interface WsClientOptions extends ReconnectPolicy {
  /** Viewer token (config `token`); '' or absent = none. */
  token?: string;
}

/** Subprotocols to offer: none without a token (as before tokens existed). */
export function viewerSubprotocols(token: string | undefined): string[] | undefined {
  return token ? secretSubprotocols(TOKEN_SUBPROTOCOL_PREFIX, token) : undefined;
}

export interface WsClientHandlers {
  onOpen(attempt: number): void;
  onControl(message: ServerMessage): void;
  onMedia(data: ArrayBuffer): void;
  /** `delayMs` < 0: no reconnect. */
  onClose(code: number, reason: string, delayMs: number): void;
}

/** Close codes after which reconnecting cannot help. */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.STREAM_NOT_FOUND, CloseCode.SOURCE_ENDED, CloseCode.BAD_REQUEST, CloseCode.UNAUTHORIZED, CloseCode.FORBIDDEN,
]);


export class WsClient {
  private socket: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private closedByUs = false;
  private gotMedia = false;

  constructor(private readonly url: string, private readonly options: WsClientOptions, private readonly handlers: WsClientHandlers) {}

  connect(): void {
    this.closedByUs = false;
    this.open();
  }

  /** Stops for good: no reconnect. */
  close(): void {
    this.closedByUs = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onopen = s.onmessage = s.onclose = s.onerror = null;
      if (s.readyState === WebSocket.OPEN || s.readyState === WebSocket.CONNECTING) s.close(1000, 'player closed');
    }
  }

  /**
   * A retry is waiting out its backoff: make it now (the browser says it is online again). The
   * attempt count is kept, so a server that is still down gets the next, longer delay.
   */
  retryNow(): boolean {
    if (!this.timer || this.closedByUs) return false;
    clearTimeout(this.timer);
    this.open();
    return true;
  }

  private open(): void {
    this.timer = null;
    this.gotMedia = false;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url, viewerSubprotocols(this.options.token));
    } catch (err) {
      // A malformed URL is a programmer error.
      throw new TypeError(`invalid WebSocket URL ${this.url}: ${(err as Error).message}`);
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => this.handlers.onOpen(this.attempt);
    socket.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data === 'string') {
        const message = parseServerMessage(ev.data);
        if (message) this.handlers.onControl(message); // unknown types are ignored (protocol can grow)
      } else if (ev.data instanceof ArrayBuffer) {
        if (!this.gotMedia) {
          this.gotMedia = true;
          this.attempt = 0; // media flows: the next outage starts with the short delay again
        }
        this.handlers.onMedia(ev.data);
      }
    };
    socket.onerror = () => { /* always followed by close, which carries the code */ };
    socket.onclose = (ev: CloseEvent) => {
      this.socket = null;
      if (this.closedByUs) return;
      this.attempt++;
      const decision = decideReconnect(this.attempt, FINAL_CLOSE_CODES.has(ev.code), this.options);
      const delay = decision.retry ? decision.delayMs : -1;
      this.handlers.onClose(ev.code, ev.reason, delay);
      if (decision.retry && !this.closedByUs) this.timer = setTimeout(() => this.open(), delay);
    };
  }
}
