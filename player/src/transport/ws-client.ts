/**
 * WsClient: one WebSocket to /live/NAME, binaryType 'arraybuffer'. Text frames are control
 * messages (shared/protocol/control-messages.ts), binary frames are media (one access unit each).
 *
 * Reconnects on unexpected closes: first retry after `initialDelayMs` (well under a second;
 * go2rtc waits 15 s, flv.js/mpegts.js never retry), then capped exponential backoff. The delay
 * resets once media flows again. 4404 (stream not found) and 4410 (source ended) are final.
 */
import { CloseCode, parseServerMessage, type ServerMessage } from '@framewire/shared';

export interface WsClientOptions {
  initialDelayMs: number;
  backoffFactor: number;
  maxDelayMs: number;
  maxAttempts: number;
}

export interface WsClientHandlers {
  onOpen(attempt: number): void;
  onControl(message: ServerMessage): void;
  onMedia(data: ArrayBuffer): void;
  /** `delayMs` < 0: no reconnect. */
  onClose(code: number, reason: string, delayMs: number): void;
}

/** Close codes after which reconnecting cannot help. */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([CloseCode.STREAM_NOT_FOUND, CloseCode.SOURCE_ENDED, CloseCode.BAD_REQUEST]);

/** Backoff delay before attempt number `attempt` (1-based). Pure, exported for tests. */
export function reconnectDelay(attempt: number, o: Pick<WsClientOptions, 'initialDelayMs' | 'backoffFactor' | 'maxDelayMs'>): number {
  return Math.min(o.maxDelayMs, o.initialDelayMs * Math.pow(o.backoffFactor, Math.max(0, attempt - 1)));
}

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

  private open(): void {
    this.timer = null;
    this.gotMedia = false;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url);
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
      const final = FINAL_CLOSE_CODES.has(ev.code);
      this.attempt++;
      const canRetry = !final && this.attempt <= this.options.maxAttempts;
      const delay = canRetry ? reconnectDelay(this.attempt, this.options) : -1;
      this.handlers.onClose(ev.code, ev.reason, delay);
      if (canRetry && !this.closedByUs) this.timer = setTimeout(() => this.open(), delay);
    };
  }
}
