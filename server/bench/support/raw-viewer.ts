/**
 * A WebSocket viewer of WS /live/NAME for load and soak runs: hundreds of them share one
 * process (and, on a 2-core machine, the cores with the server under test), so each costs as
 * little as it can. It speaks just enough RFC 6455 to be a correct client of this server:
 *
 * - the opening handshake (4.1), checking Sec-WebSocket-Accept;
 * - unmasked server frames (5.1), 7/16/64-bit lengths (5.2), never fragmented by ws for our
 *   messages (a continuation frame is counted as a protocol error);
 * - ping → pong and close → close (5.5), masked as a client must (5.3; a zero key is a valid key).
 *
 * Of a binary message only the first MEDIA_HEADER_BYTES are copied (flags, sequence, capture and
 * send times: shared/src/protocol/media-frame.ts); the payload is skipped in place, never
 * concatenated as a general client (ws's Receiver) does. Text messages (control JSON, a few per
 * viewer) are parsed whole.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { MEDIA_HEADER_BYTES, MediaFlags } from '@framewire/shared';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;

/** One access unit as a viewer received it (times in ms since the epoch, Date.now() clock). */
export interface MediaArrival {
  sequence: number;
  key: boolean;
  /** When the server got the access unit (captureTimeMs: arrival for file and publish sources). */
  captureTimeMs: number;
  /** When the server encoded it, right before the fan-out (sendTimeMs). */
  sendTimeMs: number;
  /** When its last byte was parsed here. */
  receivedAtMs: number;
  byteLength: number;
}

export interface RawViewerEvents {
  /** A media frame after the join burst (the cached GOP sent at once is not "live"). */
  onLiveFrame?(viewer: RawViewer, frame: MediaArrival): void;
}

export class RawViewer {
  /** Media frames received, join burst included. */
  frames = 0;
  /** Frames received after `live-edge` (the end of the cached-GOP burst). */
  liveFrames = 0;
  bytes = 0;
  /** Access units missing between consecutive sequence numbers (the server dropped them for us). */
  missing = 0;
  /** droppedFrames of the last `stats` message (the server's own count for this viewer). */
  serverDropped = 0;
  protocolErrors = 0;
  /** `live-edge` received: what follows is live, not the join burst. */
  live = false;
  lastSequence = -1;
  /** Receipt time − captureTimeMs of the last live frame: small once a viewer is at the live edge again. */
  lastDelayMs = Number.NaN;
  /** types of the control messages received, in order (hello, codec, status, live-edge, stats…). */
  readonly controls: string[] = [];
  closeCode: number | null = null;
  /** The TCP connection is gone (closed by either side). */
  ended = false;
  /** Set when the socket ended for a reason other than our own close(). */
  error: string | null = null;
  readonly opened: Promise<void>;
  /** Resolves when the socket is gone, whoever closed it. */
  readonly closed: Promise<void>;

  private readonly socket: Socket;
  private handshakeDone = false;
  private handshakeBuf = '';
  private readonly expectedAccept: string;
  /** Bytes of an incomplete frame header carried over to the next chunk. */
  private carry: Buffer | null = null;
  /** Payload bytes still to come of the current frame; -1 = between frames. */
  private remaining = -1;
  private opcode = 0;
  /** The first MEDIA_HEADER_BYTES of a binary message, collected across chunks. */
  private readonly mediaHead = Buffer.alloc(MEDIA_HEADER_BYTES);
  private mediaHeadFill = 0;
  private messageBytes = 0;
  /** Payload of a text/close/ping frame (small, kept whole). */
  private controlParts: Buffer[] = [];
  private closing = false;

  constructor(
    readonly port: number,
    readonly stream: string,
    private readonly events: RawViewerEvents = {},
    host = '127.0.0.1',
  ) {
    const key = randomBytes(16).toString('base64');
    this.expectedAccept = createHash('sha1').update(key + WS_GUID).digest('base64');
    this.socket = connect({ host, port, noDelay: true });
    let resolveOpen!: () => void;
    let rejectOpen!: (err: Error) => void;
    this.opened = new Promise((resolve, reject) => {
      resolveOpen = resolve;
      rejectOpen = reject;
    });
    // A viewer that failed to open is reported by the caller; never an unhandled rejection.
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) =>
      this.socket.once('close', () => {
        this.ended = true;
        resolve();
      }),
    );
    this.socket.once('connect', () => {
      this.socket.write(
        `GET /live/${encodeURIComponent(stream)} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.socket.on('data', (chunk: Buffer) => {
      if (this.handshakeDone) return this.consume(chunk);
      const rest = this.onHandshakeData(chunk, resolveOpen, rejectOpen);
      if (rest && rest.length > 0) this.consume(rest);
    });
    this.socket.on('error', (err) => {
      if (!this.closing) this.error ??= err.message;
      rejectOpen(err);
    });
    this.socket.once('close', () => {
      if (!this.closing && this.closeCode === null) this.error ??= 'connection closed without a close frame';
      rejectOpen(new Error(this.error ?? 'closed before the handshake'));
    });
  }

  /** Stops reading (the kernel buffers fill, then the server's bufferedAmount grows): a stalled viewer. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Close handshake (1000), as a browser tab that navigates away. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    if (!this.handshakeDone) return void this.socket.destroy();
    this.sendControl(OP_CLOSE, Buffer.from([0x03, 0xe8]));
    // The server answers with its close frame and ends the TCP connection; do not wait forever.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  /** The TCP connection cut without a close frame (a crashed tab, a dropped network). */
  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }

  private onHandshakeData(chunk: Buffer, resolve: () => void, reject: (err: Error) => void): Buffer | null {
    this.handshakeBuf += chunk.toString('latin1');
    const end = this.handshakeBuf.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.handshakeBuf.length > 16_384) this.fail('handshake response too long', reject);
      return null;
    }
    const head = this.handshakeBuf.slice(0, end);
    const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
    const accept = /\r\nsec-websocket-accept:\s*(\S+)/i.exec(head)?.[1];
    if (status !== '101' || accept !== this.expectedAccept) {
      this.fail(`handshake refused: ${head.split('\r\n')[0] ?? '?'}`, reject);
      return null;
    }
    this.handshakeDone = true;
    resolve();
    const rest = Buffer.from(this.handshakeBuf.slice(end + 4), 'latin1');
    this.handshakeBuf = '';
    return rest;
  }

  private fail(message: string, reject: (err: Error) => void): void {
    this.error ??= message;
    reject(new Error(message));
    this.socket.destroy();
  }

  private consume(input: Buffer): void {
    let chunk = input;
    if (this.carry) {
      chunk = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.remaining < 0) {
        // Frame header (RFC 6455 5.2): FIN/opcode, MASK/len, then 2 or 8 bytes of extended length.
        if (n - i < 2) break;
        const b0 = chunk[i]!;
        const b1 = chunk[i + 1]!;
        let len = b1 & 0x7f;
        let headerLen = 2;
        if (len === 126) headerLen = 4;
        else if (len === 127) headerLen = 10;
        if (n - i < headerLen) break;
        if (len === 126) len = chunk.readUInt16BE(i + 2);
        else if (len === 127) len = Number(chunk.readBigUInt64BE(i + 2));
        if ((b1 & 0x80) !== 0 || (b0 & 0x80) === 0 || (b0 & 0x0f) === OP_CONTINUATION) {
          // A server must not mask (5.1), and this server sends every message in one frame.
          this.protocolErrors++;
        }
        this.opcode = b0 & 0x0f;
        this.remaining = len;
        this.mediaHeadFill = 0;
        this.messageBytes = len;
        this.controlParts = [];
        i += headerLen;
        if (len === 0) this.finishFrame();
        continue;
      }
      const take = Math.min(this.remaining, n - i);
      if (this.opcode === OP_BINARY) {
        if (this.mediaHeadFill < MEDIA_HEADER_BYTES) {
          const copy = Math.min(take, MEDIA_HEADER_BYTES - this.mediaHeadFill);
          chunk.copy(this.mediaHead, this.mediaHeadFill, i, i + copy);
          this.mediaHeadFill += copy;
        }
      } else {
        this.controlParts.push(chunk.subarray(i, i + take));
      }
      this.remaining -= take;
      i += take;
      if (this.remaining === 0) this.finishFrame();
    }
    if (i < n) this.carry = Buffer.from(chunk.subarray(i));
  }

  private finishFrame(): void {
    this.remaining = -1;
    switch (this.opcode) {
      case OP_BINARY:
        return this.onMedia();
      case OP_TEXT:
        return this.onText(Buffer.concat(this.controlParts).toString('utf8'));
      case OP_PING:
        // The heartbeat (ws-server.ts) terminates a viewer that misses a pong.
        return this.sendControl(0xa, Buffer.concat(this.controlParts));
      case OP_CLOSE: {
        const body = Buffer.concat(this.controlParts);
        this.closeCode = body.length >= 2 ? body.readUInt16BE(0) : 1005;
        if (!this.closing) {
          this.closing = true;
          this.sendControl(OP_CLOSE, body.subarray(0, 2));
        }
        this.socket.end();
        return;
      }
      default:
        return; // pong: nothing to do
    }
  }

  private onMedia(): void {
    this.frames++;
    this.bytes += this.messageBytes;
    if (this.mediaHeadFill < MEDIA_HEADER_BYTES) {
      this.protocolErrors++;
      return;
    }
    const head = this.mediaHead;
    const sequence = head.readUInt32BE(4);
    if (this.lastSequence >= 0 && sequence !== ((this.lastSequence + 1) >>> 0)) {
      this.missing += (sequence - this.lastSequence - 1) >>> 0;
    }
    this.lastSequence = sequence;
    if (!this.live) return;
    this.liveFrames++;
    const captureTimeMs = head.readDoubleBE(24);
    const receivedAtMs = Date.now();
    this.lastDelayMs = receivedAtMs - captureTimeMs;
    this.events.onLiveFrame?.(this, {
      sequence,
      key: (head[1]! & MediaFlags.KEY) !== 0,
      captureTimeMs,
      sendTimeMs: head.readDoubleBE(32),
      receivedAtMs,
      byteLength: this.messageBytes,
    });
  }

  private onText(text: string): void {
    let message: { type?: unknown; droppedFrames?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      this.protocolErrors++;
      return;
    }
    const type = typeof message.type === 'string' ? message.type : '?';
    // Bounded: a viewer gets a handful of control messages (status on every publisher restart).
    if (this.controls.length < 1000) this.controls.push(type);
    if (type === 'live-edge') this.live = true;
    if (type === 'stats' && typeof message.droppedFrames === 'number') this.serverDropped = message.droppedFrames;
  }

  /** A masked (5.3) control frame from the client; the zero masking key leaves the payload as is. */
  private sendControl(opcode: number, payload: Buffer): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    const header = Buffer.from([0x80 | opcode, 0x80 | payload.length, 0, 0, 0, 0]);
    this.socket.write(payload.length > 0 ? Buffer.concat([header, payload]) : header);
  }
}
