import {
  AccessUnitAssembler,
  AnnexBSplitter,
  frameTicks,
  H264Error,
  msToTicks,
  NalType,
  nalType,
  parseSps,
  PresentationOrder,
  type AccessUnit,
  type RawAccessUnit,
} from '@framewire/shared';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { describeError, errorCode } from '../errors.js';
import { bytesEqual } from '../utils/bytes.js';
import { LogOnce } from '../utils/log-once.js';
import { ArrivalTimestamper } from './arrival-timestamper.js';
import { FrameIntervalEstimator } from './frame-interval-estimator.js';
import { InputClassifier } from './input-classifier.js';

const DEFAULT_FPS = 30;
/**
 * A read that ends on a 4 KiB boundary is almost always one of many for the same frame: the
 * pipe buffer is 16 pages of 4 KiB (a full read is 64 KiB) and ffmpeg's avio writes in 32 KiB
 * pieces. Measured here: 1080p key frames (> 64 KiB) on a loaded 2-core machine arrived as
 * 65,536 bytes, then the rest more than 2 ms later; flushing in that gap cut the IDR in two and
 * Chromium failed with PIPELINE_ERROR_DECODE. After such a read we wait for more bytes (or the
 * next frame's start) instead; a frame that really ends on a page boundary (1 in 4096) waits
 * one frame interval.
 */
const PAGE_BYTES = 4096;

export interface AnnexBIngestOptions {
  logger: Logger;
  /** Receives each access unit the moment it is complete. */
  onAccessUnit: (au: AccessUnit) => void;
  /** Flush the pending access unit after this many ms without bytes; 0 = strict rule only. */
  idleFlushMs: number;
  /** AnnexBSplitter bound on a single NAL unit (garbage input must not grow memory). */
  maxNalBytes: number;
  /**
   * Called once when the input is certainly not H.264 (H.265, non-video bytes; InputClassifier),
   * with a sentence saying what it looks like and what to do. Bytes keep being read: a valid
   * stream that follows plays.
   */
  onNotH264?: (reason: string) => void;
  /** Input without any sign of H.264 after which onNotH264 is called (InputClassifier default). */
  notH264AfterBytes?: number;
  /**
   * Measure the frame interval from arrival times while the SPS gives no frame rate
   * (FrameIntervalEstimator; publishers). Off: such input is timed on a 30 fps grid.
   */
  measureFrameRate?: boolean;
}

/**
 * Raw Annex-B bytes, chunked arbitrarily (stdin, later HTTP/WS publish) → timed access units.
 *
 * Where does an access unit end (LOW-LATENCY.md)? Always-on strict rule: the start of the next
 * one (AUD, SPS/PPS/SEI after a slice, first_mb_in_slice == 0) completes the previous — that
 * alone would hold every frame back one frame interval. So after each chunk, if no further bytes
 * arrive within idleFlushMs, the splitter and assembler are flushed: ffmpeg with -flush_packets 1
 * writes each packet in one burst, and a 2 ms gap had no premature flush in 45,000 frames —
 * except after a read that ended on a page boundary (PAGE_BYTES).
 */
export class AnnexBIngest {
  private readonly splitter: AnnexBSplitter;
  private readonly assembler = new AccessUnitAssembler();
  private readonly timestamper = new ArrivalTimestamper(frameTicks(DEFAULT_FPS));
  /** Set while the current SPS has no timing info and options.measureFrameRate is on. */
  private intervalEstimator: FrameIntervalEstimator | null = null;
  /** Raw Annex-B has no composition times: B-frame order comes from the slice headers' POC. */
  private readonly order = new PresentationOrder();
  private reportedReorder = 0;
  private readonly once: LogOnce;
  private readonly classifier: InputClassifier;
  private notH264Reported = false;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly originMs = performance.now();
  /** Arrival of the most recent chunk: the one that completed whatever AU is emitted now. */
  private chunkMonoMs = 0;
  private chunkWallMs = 0;
  private lastSps: Uint8Array | null = null;
  private ended = false;
  /** The last chunk ended on a page boundary: more bytes of the same frame are likely pending. */
  private lastReadFull = false;

  accessUnitsOut = 0;
  idleFlushes = 0;

  constructor(private readonly options: AnnexBIngestOptions) {
    this.splitter = new AnnexBSplitter({ maxNalBytes: options.maxNalBytes });
    this.once = new LogOnce(options.logger);
    this.classifier = new InputClassifier(options.notH264AfterBytes);
  }

  /** Feeds one chunk. Never throws. */
  push(chunk: Uint8Array): void {
    if (this.ended) return;
    this.chunkMonoMs = performance.now();
    this.chunkWallMs = Date.now();
    this.lastReadFull = chunk.byteLength > 0 && chunk.byteLength % PAGE_BYTES === 0;
    this.classifier.addBytes(chunk.byteLength);
    try {
      for (const nal of this.splitter.push(chunk)) this.pushNal(nal);
    } catch (err) {
      this.recover(err);
    }
    this.classify();
    this.armIdleFlush();
  }

  /** Emits whatever is pending (idle gap or end of input). */
  flush(): void {
    this.clearIdle();
    try {
      for (const nal of this.splitter.flush()) this.pushNal(nal);
      const last = this.assembler.flush();
      if (last) this.emit(last);
    } catch (err) {
      this.recover(err);
    }
    this.classify();
  }

  /** End of input: flush and stop. */
  end(): void {
    this.flush();
    this.ended = true;
  }

  /**
   * Reads a byte stream into this ingest. Resolves when it ends, rejects on a stream error
   * (after flushing what was complete).
   */
  consume(readable: Readable): Promise<void> {
    return new Promise((resolve, reject) => {
      readable.on('data', (chunk: Buffer | string) => {
        this.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
      });
      readable.once('end', () => {
        this.end();
        resolve();
      });
      readable.once('error', (err) => {
        this.end();
        reject(err);
      });
    });
  }

  private classify(): void {
    if (this.notH264Reported || !this.options.onNotH264) return;
    const verdict = this.classifier.verdict();
    if (verdict.kind !== 'not-h264') return;
    this.notH264Reported = true;
    try {
      this.options.onNotH264(verdict.reason);
    } catch (err) {
      this.once.warn(`sink:${errorCode(err)}`, { err: describeError(err) }, 'not-H.264 consumer threw');
    }
  }

  private pushNal(nal: Uint8Array): void {
    this.classifier.addNal(nal);
    for (const raw of this.assembler.push(nal)) this.emit(raw);
  }

  private emit(raw: RawAccessUnit): void {
    this.inspectSps(raw);
    const measured = this.intervalEstimator?.add(this.chunkMonoMs) ?? null;
    if (measured !== null) this.timestamper.setFrameTicks(msToTicks(measured));
    const dts = this.timestamper.next(msToTicks(this.chunkMonoMs - this.originMs));
    const offsetFrames = this.order.next(raw.nalus);
    this.reportReorder();
    const au: AccessUnit = {
      nalus: raw.nalus,
      key: raw.key,
      recoveryPoint: raw.recoveryPoint ?? false,
      dts,
      pts: dts + offsetFrames * this.timestamper.duration,
      duration: this.timestamper.duration,
      captureTimeMs: this.chunkWallMs,
    };
    this.accessUnitsOut++;
    try {
      this.options.onAccessUnit(au);
    } catch (err) {
      this.once.warn(`sink:${errorCode(err)}`, { err: describeError(err) }, 'access-unit consumer threw');
    }
  }

  /** The SPS gives the nominal frame duration and tells us whether B-frames are possible. */
  private inspectSps(raw: RawAccessUnit): void {
    const sps = raw.nalus.find((nal) => nalType(nal) === NalType.SPS);
    if (!sps || bytesEqual(sps, this.lastSps)) return;
    this.lastSps = sps;
    try {
      const info = parseSps(sps);
      if (info.fps !== null && info.fps > 0) this.timestamper.setFrameTicks(frameTicks(info.fps));
      const measure = this.options.measureFrameRate === true && !(info.fps !== null && info.fps > 0);
      this.intervalEstimator = measure ? (this.intervalEstimator ?? new FrameIntervalEstimator()) : null;
    } catch (err) {
      // The Stream reports and drops a bad SPS; here it only means "keep the previous D".
      if (!(err instanceof H264Error)) throw err;
    }
  }

  /** B-frames cost latency: every picture is shown `reorder` frame intervals after it is decoded. */
  private reportReorder(): void {
    const reorder = this.order.reorder;
    if (reorder <= this.reportedReorder) return;
    this.reportedReorder = reorder;
    const ms = Math.round((reorder * this.timestamper.duration) / 90);
    this.options.logger.info(
      { reorderFrames: reorder, addedLatencyMs: ms },
      `input has B-frames: pictures are reordered by up to ${reorder} frame(s), +${ms} ms latency (encode with -bf 0 to avoid it)`,
    );
  }

  private recover(err: unknown): void {
    this.once.warn(`h264:${errorCode(err)}`, { err: describeError(err) }, 'malformed Annex-B input: resynchronising');
    this.splitter.reset();
    this.assembler.reset();
  }

  private armIdleFlush(): void {
    if (this.options.idleFlushMs <= 0) return;
    if (this.lastReadFull) {
      this.clearIdle();
      return;
    }
    if (this.idleTimer) this.idleTimer.refresh();
    else {
      this.idleTimer = setTimeout(() => {
        this.idleFlushes++;
        this.flush();
      }, this.options.idleFlushMs);
      this.idleTimer.unref();
    }
  }

  private clearIdle(): void {
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
  }
}
