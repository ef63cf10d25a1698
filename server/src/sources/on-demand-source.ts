import type { StreamState } from '@framewire/shared';
import type { Logger } from 'pino';
import { createError, describeError, ServerErrorCode } from '../errors.js';
import type { ViewerDemand } from '../pipeline/viewer-demand.js';
import type { Source } from './source.js';

/** The stream as an on-demand source sees it (pipeline/stream.ts Stream). */
export interface OnDemandStream {
  readonly demand: ViewerDemand;
  readonly state: StreamState;
  readonly reason: string | undefined;
  setState(state: StreamState, reason?: string): void;
  failed(err: Error): void;
}

export interface OnDemandSourceOptions {
  /**
   * Makes the source of one run, reporting into the stream. Called again for every run: a
   * stopped Source is finished for good (FfmpegSource.stop() ends its restarts too).
   */
  create: () => Source;
  /** After the last viewer left, keep the source this long (a page reload comes back within it). */
  closeAfterMs: number;
  /** A run with no picture this long after its start puts the stream in `error` (the run goes on). 0 = never. */
  startTimeoutMs: number;
  description: string;
}

const IDLE_REASON = 'on demand: starts when a viewer connects';

/**
 * A source that runs only while the stream has viewers (MediaMTX's sourceOnDemand): `idle` with
 * no process until the stream's demand (pipeline/viewer-demand.ts) becomes non-zero, then a
 * fresh run of the wrapped source (`starting` → `live` as its first picture arrives), stopped
 * `closeAfterMs` after the demand went back to zero, and `idle` again.
 */
export class OnDemandSource implements Source {
  readonly description: string;
  private run: Source | null = null;
  /** The stop of the previous run: a new run waits for it (a camera opens in one process at a time). */
  private previousStop: Promise<void> = Promise.resolve();
  private closeTimer: NodeJS.Timeout | null = null;
  private startTimer: NodeJS.Timeout | null = null;
  /** Restarts of the runs before the current one, so /api/streams' count never goes back. */
  private earlierRestarts = 0;
  private started = false;
  private stopped = false;
  /** How many runs were started (tests, logs). */
  runs = 0;

  constructor(
    private readonly options: OnDemandSourceOptions,
    private readonly stream: OnDemandStream,
    private readonly logger: Logger,
  ) {
    this.description = `${options.description} (on demand)`;
    stream.demand.setListener((count) => this.onDemandChange(count));
  }

  get restarts(): number {
    return this.earlierRestarts + (this.run?.restarts ?? 0);
  }

  /** A run is in progress (tests: the process exists only while this is true). */
  get running(): boolean {
    return this.run !== null;
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    if (this.stream.demand.current > 0) this.launch();
    else this.stream.setState('idle', IDLE_REASON);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stream.demand.setListener(null);
    this.clearTimers();
    this.halt();
    await this.previousStop;
  }

  private onDemandChange(count: number): void {
    if (!this.started || this.stopped) return;
    if (count > 0) {
      if (this.closeTimer) {
        clearTimeout(this.closeTimer);
        this.closeTimer = null;
      }
      if (!this.run) this.launch();
    } else if (this.run && !this.closeTimer) {
      this.closeTimer = setTimeout(() => this.close(), this.options.closeAfterMs);
      this.closeTimer.unref();
    }
  }

  private launch(): void {
    this.runs++;
    const run = this.options.create();
    this.run = run;
    this.stream.setState('starting', 'on demand: starting the source for a viewer');
    this.logger.info({ run: this.runs }, `starting ${this.description}: a viewer connected`);
    void this.previousStop.then(() => {
      if (this.run === run) run.start();
    });
    const timeoutMs = this.options.startTimeoutMs;
    if (timeoutMs > 0) {
      this.startTimer = setTimeout(() => {
        this.startTimer = null;
        // Only a run still silent: one that failed already says why itself.
        if (this.run === run && this.stream.state === 'starting') {
          this.stream.failed(createError(ServerErrorCode.SOURCE_START_TIMEOUT, `no picture ${timeoutMs} ms after starting the source on demand; still trying`));
        }
      }, timeoutMs);
      this.startTimer.unref();
    }
  }

  /** The close delay passed with nobody watching: stop the run, back to `idle`. */
  private close(): void {
    this.closeTimer = null;
    if (this.stream.demand.current > 0 || !this.run) return;
    // An error of the last run stays visible on /api/streams until the next viewer starts one.
    const lastError = this.stream.state === 'error' ? this.stream.reason : undefined;
    this.logger.info(`stopping ${this.description}: no viewer for ${this.options.closeAfterMs} ms`);
    this.halt();
    this.stream.setState('idle', lastError !== undefined ? `${IDLE_REASON}; the last run failed: ${lastError}` : IDLE_REASON);
  }

  /** Stops the current run (its stop() silences it at once; the process exit follows). */
  private halt(): void {
    if (this.startTimer) {
      clearTimeout(this.startTimer);
      this.startTimer = null;
    }
    const run = this.run;
    if (!run) return;
    this.run = null;
    this.earlierRestarts += run.restarts ?? 0;
    this.previousStop = run.stop().catch((err: unknown) => {
      this.logger.warn({ err: describeError(err) }, `stopping ${this.description} failed`);
    });
  }

  private clearTimers(): void {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    if (this.startTimer) clearTimeout(this.startTimer);
    this.startTimer = null;
  }
}
