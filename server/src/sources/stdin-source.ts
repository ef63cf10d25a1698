import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { createError, describeError, ServerErrorCode } from '../errors.js';
import { AnnexBIngest } from '../pipeline/annexb-ingest.js';
import type { Source, SourceSink } from './source.js';

export interface StdinSourceOptions {
  idleFlushMs: number;
  maxNalBytes: number;
  /** The byte stream; process.stdin by default (tests pass their own). */
  input?: Readable;
}

/** `stdin`: Annex-B H.264 on standard input, e.g. `ffmpeg … -f h264 - | framewire serve --stream cam=stdin`. */
export class StdinSource implements Source {
  readonly description = 'stdin (Annex-B H.264)';
  private readonly input: Readable;
  private stopped = false;

  constructor(
    private readonly options: StdinSourceOptions,
    private readonly sink: SourceSink,
    private readonly logger: Logger,
  ) {
    this.input = options.input ?? process.stdin;
  }

  start(): void {
    const ingest = new AnnexBIngest({
      logger: this.logger,
      idleFlushMs: this.options.idleFlushMs,
      maxNalBytes: this.options.maxNalBytes,
      onAccessUnit: (au) => this.sink.accessUnit(au),
      // The stream goes to state `error` with this reason (log, /api/streams, viewers' status)
      // and back to `live` by itself when a valid H.264 key frame follows.
      onNotH264: (reason) => {
        if (!this.stopped) this.sink.failed(createError(ServerErrorCode.NOT_H264, `stdin: ${reason}`));
      },
    });
    ingest.consume(this.input).then(
      () => {
        if (!this.stopped) this.sink.ended('end of input on stdin');
      },
      (err: unknown) => {
        if (!this.stopped) {
          this.sink.failed(createError(ServerErrorCode.SOURCE_FAILED, `stdin: ${describeError(err)}`, { cause: err }));
        }
      },
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.input.pause();
  }
}
