import { CloseCode, PROTOCOL_VERSION, type CodecMessage, type ServerMessage, type StatusMessage } from '@framewire/shared';
import type { Logger } from 'pino';
import { WebSocket, type RawData } from 'ws';
import type { EncodedFrame } from '../pipeline/gop-cache.js';
import type { Stream, StreamSubscriber } from '../pipeline/stream.js';

export interface WsSessionOptions {
  /** Above this many bytes queued on the socket, drop until the next IDR. */
  maxBufferedBytes: number;
  serverName: string;
  /** Called when the viewer is closed for what it sent (counted as a `bad_message` refusal). */
  onBadMessage?: () => void;
}

/**
 * Viewer → server messages: JSON text objects with a string `type` (none is defined yet; unknown
 * types are ignored so a newer player can talk to this server). A burst of MESSAGE_BURST, then
 * MESSAGES_PER_SECOND sustained, is far above what any control protocol needs, and bounds the
 * CPU a viewer can make the server spend parsing (maxPayload bounds each message's size).
 */
const MESSAGE_BURST = 20;
const MESSAGES_PER_SECOND = 10;

/**
 * One viewer on WS /live/NAME. Sends hello → codec → status → the cached GOP (at once, no
 * pacing: the viewer decodes it quickly) → `live-edge` (where the player jumps to the newest
 * frame) → every access unit the moment the stream hands it over.
 *
 * Backpressure (LOW-LATENCY.md technique 4, go2rtc Sender): ws.send never blocks, it queues in
 * the socket; we look at ws.bufferedAmount before each access unit and, past the limit, drop
 * until the next key frame (MSE cannot decode across a gap, so never drop single frames). The
 * queue is therefore bounded by the limit plus one GOP's worth of a single frame, and a slow
 * viewer never delays the others: the stream's loop only ever calls onFrame, which returns at once.
 */
export class WsSession implements StreamSubscriber {
  /** Access units this viewer did not get. */
  droppedFrames = 0;
  framesSent = 0;
  /** Media bytes handed to the socket (framewire_bytes_sent_total). */
  bytesSent = 0;
  /** Highest bufferedAmount seen right before a send (tests assert it stays bounded). */
  maxBufferedSeen = 0;
  private dropping = false;
  /** Bytes of the join burst (cached GOP) allowed above the limit until the next key frame. */
  private burstAllowance = 0;
  /** Key frames passed to onFrame: the first opens the cached GOP, a second one is live. */
  private keyFramesSeen = 0;
  private unsubscribe: (() => void) | null = null;
  private releaseDemand: (() => void) | null = null;
  /** Heartbeat: set by pong, cleared by each ping. */
  alive = true;
  /** Token bucket of viewer messages (MESSAGE_BURST, refilled at MESSAGES_PER_SECOND). */
  private messageAllowance = MESSAGE_BURST;
  private messageCheckedAt = performance.now();

  constructor(
    private readonly ws: WebSocket,
    private readonly stream: Stream,
    private readonly options: WsSessionOptions,
    private readonly logger: Logger,
  ) {}

  /** Sends the start sequence and subscribes, in one synchronous run so no frame can slip in between. */
  start(): void {
    this.ws.on('pong', () => {
      this.alive = true;
    });
    this.ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    this.ws.once('close', () => this.stop());
    this.ws.on('error', (err) => this.logger.debug({ err: err.message }, 'viewer socket error'));
    // Before the status below: an idle on-demand stream is started by this, so the viewer's first
    // status already says `starting`.
    this.releaseDemand = this.stream.addViewerDemand();

    this.sendJson({ type: 'hello', protocol: PROTOCOL_VERSION, stream: this.stream.name, server: this.options.serverName });
    const codec = this.stream.codec;
    if (codec) this.sendJson(codec);
    this.sendJson(this.stream.statusMessage());
    const cached = this.stream.cachedGop();
    // The burst is sent whole: it sits in bufferedAmount while the socket drains, and cutting it
    // (a GOP can exceed the viewer limit: 8 Mbps with a 5 s GOP is 5 MB) would freeze the
    // joiner until the next IDR. Its size is allowed on top of the limit until then.
    for (const frame of cached) this.burstAllowance += frame.bytes.byteLength;
    for (const frame of cached) this.onFrame(frame);
    this.sendJson({ type: 'live-edge', cachedFrames: cached.length });
    this.unsubscribe = this.stream.subscribe(this);
    this.logger.info({ viewers: this.stream.viewerCount }, 'viewer joined');
  }

  stop(): void {
    this.releaseDemand?.();
    this.releaseDemand = null;
    if (!this.unsubscribe) return;
    this.unsubscribe();
    this.unsubscribe = null;
    this.logger.info({ droppedFrames: this.droppedFrames, framesSent: this.framesSent }, 'viewer left');
  }

  // StreamSubscriber -------------------------------------------------------------------------

  onFrame(frame: EncodedFrame): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const buffered = this.ws.bufferedAmount;
    if (buffered > this.maxBufferedSeen) this.maxBufferedSeen = buffered;
    if (frame.key && this.keyFramesSeen++ > 0) this.burstAllowance = 0; // the join burst is behind us
    const limit = this.options.maxBufferedBytes + this.burstAllowance;
    if (this.dropping) {
      if (!frame.key || buffered > limit) {
        this.droppedFrames++;
        return;
      }
      this.dropping = false;
      this.logger.info({ droppedFrames: this.droppedFrames }, 'viewer caught up: resuming at a key frame');
      this.sendJson({ type: 'stats', droppedFrames: this.droppedFrames });
    } else if (buffered > limit) {
      this.dropping = true;
      this.droppedFrames++;
      this.logger.warn({ bufferedAmount: buffered }, 'viewer too slow: dropping until the next key frame');
      return;
    }
    this.framesSent++;
    this.bytesSent += frame.bytes.byteLength;
    // The same bytes go to every viewer (encoded once); ws frames them without copying.
    this.ws.send(frame.bytes, { binary: true });
  }

  onCodec(message: CodecMessage): void {
    this.sendJson(message);
  }

  onStatus(message: StatusMessage): void {
    this.sendJson(message);
  }

  // ------------------------------------------------------------------------------------------

  get streamName(): string {
    return this.stream.name;
  }

  ping(): void {
    this.alive = false;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  terminate(): void {
    this.ws.terminate();
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  /**
   * What a viewer may send (ws already closed with 1009 anything above maxPayload, and with 1007
   * text that is not UTF-8): binary → 1003 (RFC 6455 7.4.1 "data it cannot accept"), text that
   * is not a JSON object with a string `type` → 4400, too many messages → 1008.
   */
  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const now = performance.now();
    this.messageAllowance = Math.min(MESSAGE_BURST, this.messageAllowance + ((now - this.messageCheckedAt) / 1000) * MESSAGES_PER_SECOND);
    this.messageCheckedAt = now;
    if (--this.messageAllowance < 0) return this.closeForMessage(CloseCode.POLICY_VIOLATION, 'too many messages');
    if (isBinary) return this.closeForMessage(CloseCode.UNSUPPORTED_DATA, 'viewers send JSON text messages only');
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      message = null;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message) || typeof (message as { type?: unknown }).type !== 'string') {
      this.closeForMessage(CloseCode.BAD_REQUEST, 'invalid control message (a JSON object with a "type" expected)');
    }
  }

  private closeForMessage(code: number, reason: string): void {
    this.logger.debug({ closeCode: code, reason }, 'viewer closed for what it sent'); // counted (and rate-limited in the log) as a bad_message refusal
    this.options.onBadMessage?.();
    this.ws.close(code, reason);
  }

  private sendJson(message: ServerMessage): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }
}
