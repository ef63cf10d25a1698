/**
 * Browser publisher for WS /publish/NAME: camera (getUserMedia) → WebCodecs VideoEncoder (H.264
 * Annex-B, realtime) → one binary WebSocket message per encoded chunk. The server's Annex-B
 * ingest cuts access units itself, so chunk boundaries need not mean anything to it.
 */
import { isSubprotocolSafe, PUBLISH_KEY_SUBPROTOCOL_PREFIX, secretSubprotocols } from '@framewire/shared';

export interface WebcamPublisherOptions {
  /** ws(s)://HOST/publish/NAME */
  url: string;
  /**
   * The stream's publish key. Offered as the subprotocol `framewire.key.KEY` (kept out of the URL,
   * hence out of access and proxy logs); a key with characters a subprotocol cannot carry goes
   * into `?key=` instead.
   */
  key: string;
  /** Key frame every this many frames: a late viewer waits at most this long for its first picture. */
  keyFrameInterval: number;
  /** Target bitrate (bits/s). */
  bitrate: number;
  /** Camera request; the encoder uses whatever size the camera delivers. */
  video: MediaTrackConstraints;
  /** Stop sending (until the next key frame) above this many bytes unsent on the socket. */
  maxBufferedBytes: number;
  /** Progress and state changes. */
  onStatus: (status: PublisherStatus) => void;
  /** Publish this stream (e.g. a canvas.captureStream()) instead of asking for the camera. */
  mediaStream?: MediaStream;
}

export type PublisherState = 'starting' | 'publishing' | 'stopped' | 'error';

export interface PublisherStatus {
  state: PublisherState;
  message: string;
  framesSent: number;
  bytesSent: number;
  framesDropped: number;
  width: number;
  height: number;
  codec: string;
}

/** Chromium's "insertable streams" reader for a camera track (not in TypeScript's DOM lib yet). */
interface TrackProcessor {
  readonly readable: ReadableStream<VideoFrame>;
}
type TrackProcessorConstructor = new (init: { track: MediaStreamTrack }) => TrackProcessor;

/** H.264 Constrained Baseline (no B-frames: the server's arrival timestamps need pts = dts), level by size. */
export function avcCodecFor(width: number, height: number): string {
  const macroblocks = Math.ceil(width / 16) * Math.ceil(height / 16);
  // H.264 Table A-1 MaxFS: 3.1 → 3600 MBs (1280x720), 4.0 → 8192 (2048x1024), 5.1 → 36864.
  if (macroblocks <= 3600) return 'avc1.42e01f';
  if (macroblocks <= 8192) return 'avc1.42e028';
  return 'avc1.42e033';
}

/** Why publishing cannot work on this page, or null when it can. */
export function publishUnsupportedReason(): string | null {
  if (!window.isSecureContext || typeof VideoEncoder === 'undefined') {
    return 'This page needs WebCodecs and camera access, which browsers give only to secure pages: open it as ' +
      'http://localhost:PORT/… or http://127.0.0.1:PORT/… on the machine running Framewire, or over HTTPS ' +
      '(a LAN address over plain http does not work).';
  }
  if (!navigator.mediaDevices?.getUserMedia) return 'This browser has no camera access (navigator.mediaDevices.getUserMedia).';
  return null;
}

/** Server close codes (shared CloseCode) a person should read as a sentence. */
const CLOSE_TEXT: Record<number, string> = {
  4401: 'a publish key is required',
  4403: 'wrong publish key',
  4404: 'no such stream',
  4405: 'this stream does not take publishers (its source is not publish)',
  4408: 'the server stopped waiting for data',
  4409: 'another publisher is already streaming to this stream',
  1009: 'an encoded frame was larger than the server accepts',
};

export class WebcamPublisher {
  private ws: WebSocket | null = null;
  private media: MediaStream | null = null;
  private encoder: VideoEncoder | null = null;
  private reader: ReadableStreamDefaultReader<VideoFrame> | null = null;
  private stopped = false;
  private frameIndex = 0;
  /** The socket fell behind: drop encoded chunks until the encoder makes a key frame. */
  private waitForKey = false;
  private readonly status: PublisherStatus = {
    state: 'starting', message: '', framesSent: 0, bytesSent: 0, framesDropped: 0, width: 0, height: 0, codec: '',
  };

  constructor(private readonly options: WebcamPublisherOptions) {}

  /** The captured stream once the camera is open (the page previews it). */
  get mediaStream(): MediaStream | null {
    return this.media;
  }

  get current(): Readonly<PublisherStatus> {
    return this.status;
  }

  /** Opens the socket (the server checks the key before the camera is asked for), then captures. */
  async start(): Promise<void> {
    try {
      this.report('starting', 'connecting…');
      await this.connect();
      this.report('starting', 'asking for the camera…');
      this.media = this.options.mediaStream ?? (await navigator.mediaDevices.getUserMedia({ video: this.options.video, audio: false }));
      this.options.onStatus(this.status);
      const track = this.media.getVideoTracks()[0];
      if (!track) throw new Error('the camera gave no video track');
      await this.encodeTrack(track);
    } catch (err) {
      this.fail(err instanceof Error ? err.message : String(err));
    }
  }

  stop(message = 'stopped'): void {
    if (this.stopped) return;
    this.stopped = true;
    void this.reader?.cancel().catch(() => {});
    if (this.encoder && this.encoder.state !== 'closed') this.encoder.close();
    if (!this.options.mediaStream) for (const t of this.media?.getTracks() ?? []) t.stop();
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000, 'publisher stopped');
    if (this.status.state !== 'error') this.report('stopped', message);
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const { url, protocols } = publishSocketTarget(this.options.url, this.options.key);
      const ws = new WebSocket(url, protocols);
      ws.binaryType = 'arraybuffer';
      this.ws = ws;
      let accepted = false;
      ws.onmessage = (e) => {
        // The server's first (text) message says the key was accepted.
        if (typeof e.data === 'string' && !accepted) {
          accepted = true;
          resolve();
        }
      };
      ws.onclose = (e) => {
        const text = CLOSE_TEXT[e.code] ?? `connection closed (${e.code}${e.reason ? `: ${e.reason}` : ''})`;
        if (!accepted) reject(new Error(`publish refused: ${text}`));
        else if (!this.stopped) this.fail(`publishing stopped: ${text}`);
      };
      ws.onerror = () => {
        if (!accepted) reject(new Error('cannot connect to the server'));
      };
    });
  }

  private async encodeTrack(track: MediaStreamTrack): Promise<void> {
    const Processor = (globalThis as { MediaStreamTrackProcessor?: TrackProcessorConstructor }).MediaStreamTrackProcessor;
    if (!Processor) throw new Error('this browser cannot read camera frames (MediaStreamTrackProcessor): use Chromium, Chrome or Edge');
    this.reader = new Processor({ track }).readable.getReader();
    while (!this.stopped) {
      const { value: frame, done } = await this.reader.read();
      if (done || !frame) break;
      try {
        this.encodeFrame(frame);
      } finally {
        frame.close();
      }
    }
    this.stop('camera ended');
  }

  private encodeFrame(frame: VideoFrame): void {
    if (!this.encoder) this.configure(frame.displayWidth, frame.displayHeight);
    const encoder = this.encoder!;
    // Never queue frames in the encoder: a backlog there is latency. Drop instead.
    if (encoder.encodeQueueSize > 2) {
      this.status.framesDropped++;
      return;
    }
    const keyFrame = this.frameIndex % this.options.keyFrameInterval === 0 || this.waitForKey;
    this.frameIndex = keyFrame ? 1 : this.frameIndex + 1;
    encoder.encode(frame, { keyFrame });
  }

  private configure(width: number, height: number): void {
    // 4:2:0 needs even dimensions.
    const w = width & ~1;
    const h = height & ~1;
    const codec = avcCodecFor(w, h);
    const encoder = new VideoEncoder({
      output: (chunk) => this.send(chunk),
      error: (e) => this.fail(`encoder error: ${e.message}`),
    });
    encoder.configure({
      codec,
      width: w,
      height: h,
      bitrate: this.options.bitrate,
      framerate: 30,
      latencyMode: 'realtime',
      // Annex-B with in-band SPS/PPS: what WS /publish expects (as `ffmpeg -f h264` writes).
      avc: { format: 'annexb' },
    });
    this.encoder = encoder;
    this.status.width = w;
    this.status.height = h;
    this.status.codec = codec;
    this.report('publishing', `publishing ${w}x${h} (${codec})`);
  }

  private send(chunk: EncodedVideoChunk): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const key = chunk.type === 'key';
    if (this.waitForKey && !key) {
      this.status.framesDropped++;
      return;
    }
    // The socket cannot keep up (slow uplink): frames queued here only add delay. Drop until
    // the next key frame (asked for on the next encode), as the server does for slow viewers.
    if (ws.bufferedAmount > this.options.maxBufferedBytes) {
      this.waitForKey = true;
      this.status.framesDropped++;
      return;
    }
    this.waitForKey = false;
    const bytes = new Uint8Array(chunk.byteLength);
    chunk.copyTo(bytes);
    ws.send(bytes);
    this.status.framesSent++;
    this.status.bytesSent += bytes.byteLength;
    this.options.onStatus(this.status);
  }

  private fail(message: string): void {
    this.report('error', message);
    this.stop(message);
  }

  private report(state: PublisherState, message: string): void {
    this.status.state = state;
    this.status.message = message;
    this.options.onStatus(this.status);
  }
}

/** Where and how the publisher's socket carries its key (see WebcamPublisherOptions.key). */
export function publishSocketTarget(url: string, key: string): { url: string; protocols: string[] } {
  if (isSubprotocolSafe(key)) return { url, protocols: secretSubprotocols(PUBLISH_KEY_SUBPROTOCOL_PREFIX, key) };
  const withKey = new URL(url);
  withKey.searchParams.set('key', key);
  return { url: withKey.href, protocols: [] };
}
