import type { Logger } from 'pino';
import { createError, ServerErrorCode } from '../errors.js';
import { AnnexBIngest } from '../pipeline/annexb-ingest.js';
import type { Source, SourceSink } from '../sources/source.js';

export interface PublishSourceOptions {
  idleFlushMs: number;
  maxNalBytes: number;
  /** Disconnect a publisher that sent no bytes for this long (0 = never). */
  idleTimeoutMs?: number;
}

/** How a transport (WS or HTTP) lets the source end its connection. */
export interface PublisherConnection {
  /** e.g. "ws 127.0.0.1:50312" (logs, /api/streams later). */
  readonly description: string;
  /** The source ends this publisher (idle, server stopping): close the connection. */
  kick(reason: 'idle' | 'stopping', message: string): void;
  /**
   * True once the connection is on its way out (WS close frame received or sent, HTTP body
   * ended) but its end() has not run yet: a reconnecting publisher may take over at once.
   */
  closing(): boolean;
}

/** What the transport feeds; end() exactly once, when its connection is gone. */
export interface PublisherHandle {
  push(chunk: Uint8Array): void;
  end(reason: string): void;
}

interface ActivePublisher {
  connection: PublisherConnection;
  ingest: AnnexBIngest;
  idle: NodeJS.Timeout | null;
  bytes: number;
  /** Ends this publisher's session once (end(), or a takeover after it started closing). */
  release(reason: string): void;
}

/**
 * `publish`: a stream fed by one publisher at a time over WS or HTTP (publish/*-publisher*.ts).
 * Each publisher gets a fresh AnnexBIngest (splitter, assembler, arrival timestamps, idle flush,
 * as stdin-source.ts), so a reconnecting encoder never has its bytes spliced onto the previous
 * one's half-read NAL. Between publishers the stream is `waiting`: viewers stay connected, and
 * the Stream flags a timeline discontinuity when the next publisher's first key frame arrives.
 */
export class PublishSource implements Source {
  readonly description = 'publish (waiting for a publisher on /publish/NAME)';
  private active: ActivePublisher | null = null;
  private stopped = false;

  constructor(
    private readonly options: PublishSourceOptions,
    private readonly sink: SourceSink,
    private readonly logger: Logger,
  ) {}

  get publishing(): boolean {
    return this.active !== null;
  }

  start(): void {
    this.sink.restarting('waiting for a publisher');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.active?.connection.kick('stopping', 'server shutting down');
  }

  /**
   * Takes `connection` as the publisher, or returns null when another one is streaming (the
   * caller refuses it: 409 / close 4409) or the source is stopped. Synchronous, so two
   * publishers racing for the stream cannot both win.
   */
  attach(connection: PublisherConnection): PublisherHandle | null {
    if (this.active?.connection.closing()) this.active.release('replaced after closing');
    if (this.active || this.stopped) return null;
    const ingest = new AnnexBIngest({
      logger: this.logger,
      idleFlushMs: this.options.idleFlushMs,
      maxNalBytes: this.options.maxNalBytes,
      // Browser encoders write no frame rate into the SPS, and webcams run at 15–30 fps.
      measureFrameRate: true,
      onAccessUnit: (au) => {
        if (this.active?.ingest === ingest) this.sink.accessUnit(au);
      },
      // State `error` with this reason; back to `live` by itself when valid H.264 follows.
      onNotH264: (reason) => {
        if (this.active?.ingest === ingest) {
          this.sink.failed(createError(ServerErrorCode.NOT_H264, `publisher ${connection.description}: ${reason}`));
        }
      },
    });
    let ended = false;
    const state: ActivePublisher = {
      connection,
      ingest,
      idle: null,
      bytes: 0,
      release: (reason) => {
        if (ended) return;
        ended = true;
        if (state.idle) clearTimeout(state.idle);
        // What arrived complete is still delivered (end of a PUT body).
        ingest.end();
        if (this.active !== state) return;
        this.active = null;
        this.logger.info({ publisher: connection.description, bytes: state.bytes, reason }, 'publisher disconnected');
        if (!this.stopped) this.sink.restarting(`publisher disconnected (${reason}): waiting for a publisher`);
      },
    };
    this.active = state;
    this.logger.info({ publisher: connection.description }, 'publisher connected');
    this.sink.restarting(`publisher connected (${connection.description}): waiting for a key frame`);
    this.armIdle(state);

    return {
      push: (chunk) => {
        if (ended || this.active !== state) return;
        state.bytes += chunk.byteLength;
        state.idle?.refresh();
        ingest.push(chunk);
      },
      end: (reason) => state.release(reason),
    };
  }

  private armIdle(state: ActivePublisher): void {
    const ms = this.options.idleTimeoutMs ?? 0;
    if (ms <= 0) return;
    state.idle = setTimeout(() => {
      if (this.active === state) state.connection.kick('idle', `no data for ${ms} ms`);
    }, ms);
    state.idle.unref();
  }
}
