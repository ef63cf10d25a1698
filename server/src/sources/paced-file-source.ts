import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  AccessUnitAssembler,
  frameTicks,
  H264Error,
  NalType,
  nalType,
  parseSps,
  splitNalUnits,
  type RawAccessUnit,
} from '@framewire/shared';
import type { Logger } from 'pino';
import { createError, describeError, ServerErrorCode } from '../errors.js';
import type { Source, SourceSink } from './source.js';

const DEFAULT_FPS = 30;
/** The clip is held in memory whole; beyond this, a container file through ffmpeg is the right tool. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;
/** If the event loop was blocked longer than this, re-anchor the schedule instead of bursting. */
const MAX_CATCH_UP_MS = 1000;

/**
 * The bundled demo clip. Resolved relative to this module: server/src/sources (tests) and
 * server/dist/sources (runtime) are both three levels below the repository root.
 */
export const DEMO_FIXTURE_PATH = fileURLToPath(new URL('../../../fixtures/demo-1280x720-30.h264', import.meta.url));

/**
 * A raw .h264 file played in a loop at the SPS frame rate, like a camera: the `demo` source and
 * `file:PATH.h264`. This is the one place a timer belongs on the media path — it simulates the
 * capture clock. The schedule is absolute (t0 + n·frameMs), so timer lateness never accumulates,
 * and dts = n·D continues across loops so the player sees one continuous timeline.
 */
export class PacedFileSource implements Source {
  readonly description: string;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private units: RawAccessUnit[] = [];
  private frameMs = 1000 / DEFAULT_FPS;
  private ticksPerFrame = frameTicks(DEFAULT_FPS);
  private t0 = 0;
  /** Index of the next frame on the output timeline (not wrapped). */
  private n = 0;
  /** Offset of the schedule after re-anchoring (frames). */
  private anchorN = 0;

  constructor(
    private readonly path: string,
    private readonly sink: SourceSink,
    private readonly logger: Logger,
    private readonly missingCode: typeof ServerErrorCode.FIXTURE_MISSING | typeof ServerErrorCode.SOURCE_FAILED = ServerErrorCode.SOURCE_FAILED,
    /** false (file:PATH?loop=0): play the file once, then report the stream ended. */
    private readonly loop = true,
  ) {
    this.description = `file ${path} (${loop ? 'looped' : 'once'}, paced)`;
  }

  start(): void {
    void this.load().catch((err: unknown) => {
      if (!this.stopped) this.sink.failed(err instanceof Error ? err : new Error(String(err)));
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async load(): Promise<void> {
    let data: Uint8Array;
    try {
      const size = (await stat(this.path)).size;
      if (size > MAX_FILE_BYTES) {
        throw new Error(`${size} bytes is over the ${MAX_FILE_BYTES >> 20} MiB limit for raw H.264 (held in memory): remux it, e.g. ffmpeg -i in.h264 -c copy out.mp4, and use file:out.mp4`);
      }
      data = await readFile(this.path);
    } catch (err) {
      throw createError(this.missingCode, `cannot read ${this.path}: ${describeError(err)}`, { cause: err });
    }
    if (this.stopped) return;
    const assembler = new AccessUnitAssembler();
    for (const nal of splitNalUnits(data)) this.units.push(...assembler.push(nal));
    const last = assembler.flush();
    if (last) this.units.push(last);
    if (!this.units.some((u) => u.key || u.recoveryPoint)) {
      throw createError(this.missingCode, `${this.path} holds no IDR or recovery point access unit: not a playable H.264 stream`);
    }
    const fps = this.spsFps() ?? DEFAULT_FPS;
    this.frameMs = 1000 / fps;
    this.ticksPerFrame = frameTicks(fps);
    this.logger.info({ file: this.path, accessUnits: this.units.length, fps }, 'paced file source started');
    this.t0 = performance.now();
    this.tick();
  }

  private spsFps(): number | null {
    for (const unit of this.units) {
      const sps = unit.nalus.find((nal) => nalType(nal) === NalType.SPS);
      if (!sps) continue;
      try {
        return parseSps(sps).fps;
      } catch (err) {
        if (!(err instanceof H264Error)) throw err;
        this.logger.warn({ err: describeError(err) }, 'cannot parse SPS of paced file; assuming 30 fps');
        return null;
      }
    }
    return null;
  }

  private readonly tick = (): void => {
    this.timer = null;
    if (this.stopped) return;
    const now = performance.now();
    if (now - this.due(this.n) > MAX_CATCH_UP_MS) {
      // The process was suspended: resume from now rather than emitting a second of frames at once.
      this.t0 = now;
      this.anchorN = this.n;
    }
    while (this.due(this.n) <= now) {
      if (!this.loop && this.n >= this.units.length) {
        this.sink.ended('end of file');
        return;
      }
      this.emitFrame();
    }
    this.timer = setTimeout(this.tick, Math.max(0, this.due(this.n) - performance.now()));
  };

  private due(n: number): number {
    return this.t0 + (n - this.anchorN) * this.frameMs;
  }

  private emitFrame(): void {
    const unit = this.units[this.n % this.units.length]!;
    const dts = this.n * this.ticksPerFrame;
    this.n++;
    this.sink.accessUnit({
      nalus: unit.nalus,
      key: unit.key,
      recoveryPoint: unit.recoveryPoint ?? false,
      dts,
      pts: dts,
      duration: this.ticksPerFrame,
      captureTimeMs: Date.now(),
    });
  }
}
