/** A Node viewer on WS /live/NAME (the `ws` package): counts frames, parses the 40-byte header. */
import WebSocket from 'ws';

export interface FrameHeader {
  flags: number;
  key: boolean;
  sequence: number;
  dts: number;
  cts: number;
  duration: number;
  captureTimeMs: number;
  headerBytes: number;
  byteLength: number;
}

export function parseHeader(buf: Buffer): FrameHeader {
  const flags = buf.readUInt8(1);
  return {
    flags,
    key: (flags & 1) !== 0,
    headerBytes: buf.readUInt16BE(2),
    sequence: buf.readUInt32BE(4),
    dts: buf.readDoubleBE(8),
    cts: buf.readInt32BE(16),
    duration: buf.readUInt32BE(20),
    captureTimeMs: buf.readDoubleBE(24),
    byteLength: buf.byteLength,
  };
}

/** Opens a WebSocket; every message arrives as one Buffer. `opened` rejects if it cannot connect. */
export function connectWs(url: string, onMessage: (buf: Buffer, isBinary: boolean) => void): { ws: WebSocket; opened: Promise<void> } {
  const ws = new WebSocket(url);
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    onMessage(Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer), isBinary);
  });
  return { ws, opened };
}

export class WsViewer {
  readonly ws: WebSocket;
  readonly frames: FrameHeader[] = [];
  readonly control: Array<Record<string, unknown>> = [];
  bytes = 0;
  closed: { code: number; reason: string } | null = null;
  readonly opened: Promise<void>;

  constructor(url: string, private readonly onFrame?: (h: FrameHeader, v: WsViewer) => void) {
    ({ ws: this.ws, opened: this.opened } = connectWs(url, (buf, isBinary) => {
      if (!isBinary) {
        try {
          this.control.push(JSON.parse(buf.toString('utf8')) as Record<string, unknown>);
        } catch {
          /* ignore */
        }
        return;
      }
      this.bytes += buf.byteLength;
      const h = parseHeader(buf);
      if (this.frames.length < 100_000) this.frames.push(h);
      this.onFrame?.(h, this);
    }));
    this.ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  /** Stops reading from the socket: the kernel buffers fill, then the server's send queue. */
  pauseReading(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  close(): void {
    this.ws.terminate();
  }
}
