import { spawn, type ChildProcess } from 'node:child_process';
import { H264Error, parseSps } from '@framewire/shared';
import type { Logger } from 'pino';
import { createError, describeError, ServerErrorCode } from '../errors.js';
import { trackChild } from '../utils/child-processes.js';
import { LogOnce } from '../utils/log-once.js';
import { FlvDemuxer, type FlvVideoFrame } from './flv-demuxer.js';
import { FlvTimeline } from './flv-timeline.js';
import { redactSecrets } from './redact.js';
import type { Source, SourceSink } from './source.js';

/** x264 for live: no lookahead (zerolatency), no B-frames (raw timing stays simple), IDR every 2 s at 30 fps. */
export const LIVE_X264_ARGS = ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-bf', '0', '-g', '60', '-pix_fmt', 'yuv420p'];

/**
 * Output side for every ffmpeg source: FLV on stdout. Each FLV video tag is exactly one access
 * unit with its timestamps, complete the moment it is read (LOW-LATENCY.md "From ffmpeg, ask for
 * framing"); -flush_packets 1 makes ffmpeg write each tag immediately instead of filling a buffer.
 * no_duration_filesize: a pipe cannot be seeked back to patch the header (avoids two warnings).
 */
const FLV_OUTPUT_ARGS = ['-flush_packets', '1', '-fflags', '+nobuffer', '-flvflags', 'no_duration_filesize', '-f', 'flv', 'pipe:1'];

const STDERR_TAIL_LINES = 20;

export interface FfmpegSourceOptions {
  /**
   * Input arguments (everything up to and including -i …), e.g. ['-re', '-f', 'lavfi', '-i', 'testsrc2'];
   * a function is asked again for each run (pulled URLs adapt their analysis window).
   */
  input: string[] | (() => string[]);
  /** Video codec arguments; a function so file:/URL sources can ffprobe first. */
  codecArgs: string[] | (() => Promise<string[]>);
  /** Extra output args placed before the codec (e.g. ['-map', '0:v:0']). */
  mapArgs?: string[];
  ffmpegPath: string;
  maxFlvTagBytes: number;
  stopTimeoutMs: number;
  description: string;
  /**
   * Respawn ffmpeg after it exits (pulled network sources: a camera reboot or a network glitch
   * must not end the stream for good). Exponential backoff from initialMs to maxMs; a run that
   * lasted longer than maxMs resets the backoff. `failuresOnly`: a clean exit (code 0) ends the
   * stream instead (a file played once, an ffmpeg: input with -t): only a failure is retried.
   */
  restart?: { initialMs: number; maxMs: number; failuresOnly?: boolean };
  /**
   * Looks at each ffmpeg log line; a non-null answer refuses the current run with that reason
   * (ffmpeg is killed; with `restart`, a new run follows). See rtmp-listener.ts.
   */
  stderrGuard?: (line: string) => string | null;
}

/** Does an ffmpeg argument list already choose a video codec? */
export function hasVideoCodecArg(args: readonly string[]): boolean {
  return args.some((a) => a === '-c:v' || a === '-vcodec' || a === '-codec:v' || a.startsWith('-c:v:'));
}

/**
 * Runs ffmpeg writing FLV to stdout and turns each video tag into a timed AccessUnit.
 * captureTimeMs is the arrival time of the tag's bytes; dts/pts come from the FLV timestamps
 * (the media clock: with -re or a live input they advance in real time).
 */
export class FfmpegSource implements Source {
  readonly description: string;
  private child: ChildProcess | null = null;
  /** stop() was called: nothing may be reported or respawned any more. */
  private stopped = false;
  /** The current run already reported its failure (so its exit is not reported twice). */
  private runReported = false;
  private runStartedAt = 0;
  private restartDelayMs = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private exited: Promise<void> = Promise.resolve();
  private readonly stderrTail: string[] = [];
  private readonly once: LogOnce;
  /** Per run: each ffmpeg process starts its FLV timestamps at 0. */
  private timeline = new FlvTimeline();
  /** A failure that retrying cannot fix (ffmpeg not installed). */
  private fatal = false;
  private lastSps: Uint8Array | null = null;
  framesOut = 0;
  /** How many times ffmpeg was started again after a run ended (for logs and stats). */
  restarts = 0;

  constructor(
    private readonly options: FfmpegSourceOptions,
    private readonly sink: SourceSink,
    private readonly logger: Logger,
  ) {
    this.description = options.description;
    this.once = new LogOnce(logger);
  }

  start(): void {
    void this.run().catch((err: unknown) => this.fail(err));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), this.options.stopTimeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    // A new run from here: a failure while choosing the codec (ffprobe cannot open the input) is
    // this run's to report, and to restart from.
    this.runReported = false;
    this.runStartedAt = performance.now();
    const codecArgs = typeof this.options.codecArgs === 'function' ? await this.options.codecArgs() : this.options.codecArgs;
    if (this.stopped) return;
    this.timeline = new FlvTimeline();
    this.lastSps = null;
    const args = [
      '-hide_banner',
      '-nostdin',
      '-nostats',
      '-loglevel',
      'warning',
      ...(typeof this.options.input === 'function' ? this.options.input() : this.options.input),
      ...(this.options.mapArgs ?? []),
      '-an',
      ...codecArgs,
      ...FLV_OUTPUT_ARGS,
    ];
    this.logger.info({ args: redactSecrets(args.join(' ')) }, `starting ffmpeg for ${this.description}`);
    const child = trackChild(spawn(this.options.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    this.child = child;
    const demuxer = new FlvDemuxer({
      maxTagBytes: this.options.maxFlvTagBytes,
      onWarning: (kind, message) => this.once.warn(`flv:${kind}`, {}, message),
    });

    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.onExit(code, signal);
        resolve();
      });
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        this.fatal = true;
        this.fail(
          createError(
            ServerErrorCode.FFMPEG_MISSING,
            `ffmpeg not found ("${this.options.ffmpegPath}"): install it, e.g. \`apt-get install ffmpeg\``,
            { cause: err },
          ),
        );
      } else this.fail(createError(ServerErrorCode.SOURCE_FAILED, `cannot run ffmpeg: ${err.message}`, { cause: err }));
    });

    child.stdout!.on('data', (chunk: Buffer) => {
      if (this.stopped || this.runReported) return;
      const arrival = Date.now();
      let frames;
      try {
        frames = demuxer.push(chunk);
      } catch (err) {
        this.fail(err);
        child.kill('SIGKILL');
        return;
      }
      for (const frame of frames) this.emit(frame, arrival, demuxer.config.sps[0]);
    });

    let partial = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      if (partial.length > 4096) partial = partial.slice(-4096);
      for (const line of lines) {
        if (line.trim().length === 0) continue;
        this.logger.debug({ ffmpeg: redactSecrets(line) }, 'ffmpeg');
        this.stderrTail.push(redactSecrets(line));
        if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
        const refusal = this.options.stderrGuard?.(line) ?? null;
        if (refusal !== null && !this.runReported) {
          this.fail(createError(ServerErrorCode.SOURCE_FAILED, refusal));
          child.kill('SIGKILL');
        }
      }
    });
  }

  private emit(frame: FlvVideoFrame, arrival: number, sps: Uint8Array | undefined): void {
    if (sps && sps !== this.lastSps) {
      this.lastSps = sps;
      try {
        this.timeline.setFps(parseSps(sps).fps);
      } catch (err) {
        if (!(err instanceof H264Error)) throw err;
        this.timeline.setFps(null);
      }
    }
    const { dts, pts, duration } = this.timeline.map(frame.dtsMs, frame.ctsMs);
    this.framesOut++;
    this.sink.accessUnit({ nalus: frame.nalus, key: frame.key, recoveryPoint: frame.recoveryPoint, dts, pts, duration, captureTimeMs: arrival });
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopped) return;
    if (!this.runReported) {
      this.runReported = true;
      if (code === 0) {
        this.logger.info(`ffmpeg for ${this.description} finished`);
        // A pulled source that ends cleanly (HTTP EOF, RTSP session closed) comes back: viewers
        // must wait for it, not give up on an 'ended' stream.
        // At -loglevel warning, a last stderr line on a clean exit says why (RTSP "Connection timed
        // out" after -timeout): show it rather than a bare "finished".
        const last = this.stderrTail.at(-1);
        const finished = last ? `source finished: ${last}` : 'source finished';
        if (this.options.restart && !this.options.restart.failuresOnly) this.sink.restarting(`${finished}; restarting`);
        else {
          this.sink.ended(finished);
          return;
        }
      } else {
        const tail = this.stderrTail.slice(-5).join(' | ');
        const how = code !== null ? `exited with code ${code}` : `was killed by ${signal}`;
        this.logger.error({ code, signal, stderr: this.stderrTail }, `ffmpeg for ${this.description} ${how}`);
        this.sink.failed(createError(ServerErrorCode.SOURCE_EXITED, `ffmpeg ${how}${tail ? `: ${tail}` : ''}`));
      }
    }
    this.scheduleRestart();
  }

  /** Reports a failure of the current run once; the exit (if a process ran) may then respawn. */
  private fail(err: unknown): void {
    if (this.stopped || this.runReported) return;
    this.runReported = true;
    const error: Error = err instanceof Error ? err : new Error(String(err));
    this.logger.error({ err: describeError(error) }, `source ${this.description} failed`);
    this.sink.failed(error);
    if (!this.child) this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const policy = this.options.restart;
    if (!policy || this.stopped || this.fatal || this.restartTimer) return;
    // Missing ffmpeg will not fix itself: retrying would only spam the log.
    const ranMs = performance.now() - this.runStartedAt;
    this.restartDelayMs = ranMs > policy.maxMs ? policy.initialMs : Math.min(policy.maxMs, Math.max(policy.initialMs, this.restartDelayMs * 2));
    this.logger.info({ inMs: this.restartDelayMs }, `restarting ffmpeg for ${this.description}`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.restarts++;
      this.child = null;
      this.stderrTail.length = 0;
      this.start();
    }, this.restartDelayMs);
    this.restartTimer.unref();
  }
}
