/**
 * StatsCollector: what the player reports as `player.stats` and the STATS event.
 *
 * Capture → present latency uses `requestVideoFrameCallback`: `metadata.mediaTime` identifies the
 * presented frame (mapped back to the capture time in its WS header), and the presentation wall
 * time is `performance.timeOrigin + metadata.expectedDisplayTime` (LOW-LATENCY.md technique 13).
 * In HLS modes the capture time of the presented frame comes from EXT-X-PROGRAM-DATE-TIME instead
 * (setCaptureTimeSource(); hls/program-date-time.ts), so `latencyMs` means the same in every mode.
 */
import type { PlaybackMode } from '../fallback/mode-selector.js';
import { CaptureTimeMap } from './capture-time-map.js';

export interface PlayerStats {
  /** Capture → present latency of the last presented frame, ms (null before the first frame). */
  latencyMs: number | null;
  /** Median and 95th percentile of latencyMs over the last ~5 s of frames. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  /** Presented frames per second (last second). */
  fps: number;
  /** Received media bitrate over the last second, kbit/s. */
  bitrateKbps: number;
  /** bufferedEnd − currentTime, ms. */
  bufferMs: number;
  /** Decoder drops (getVideoPlaybackQuality) + frames the server dropped for this viewer. */
  droppedFrames: number;
  /**
   * Frames never shown because no start point (IDR or recovery point) came before them: skipped by
   * the server when the source started mid-GOP, or by the player after a reconnect or decoder reset.
   */
  skippedFrames: number;
  /** Frames presented since load (rVFC presentedFrames). */
  framesPresented: number;
  /** Page load (performance.timeOrigin) → first presented frame, ms. */
  firstFrameMs: number | null;
  /** Times playback ran out of data (`waiting` events after the first frame). */
  stalls: number;
  /** Seeks done by the latency controller. */
  seeks: number;
  playbackRate: number;
  /** Reconnects since load. */
  reconnects: number;
  /** How the stream is played: 'ws' | 'mms' (WebSocket + MSE/ManagedMediaSource), 'hls.js', 'native-hls'. */
  mode: PlaybackMode;
  /**
   * HLS modes: live edge of the playlist → playhead, ms (hls.js `latency`; native: seekable end −
   * currentTime). Excludes the time a part takes to be written, so it is below `latencyMs`. null on the WebSocket path.
   */
  edgeLatencyMs: number | null;
  /** hls.js mode: hls.js's target for edgeLatencyMs, ms (PART-HOLD-BACK, raised for a while after stalls). */
  targetLatencyMs: number | null;
  /** Resolution and codec of the current init segment. */
  width: number;
  height: number;
  codec: string;
}

interface FrameMetadata {
  mediaTime: number;
  expectedDisplayTime: number;
  presentedFrames: number;
}

type RvfcVideo = HTMLVideoElement & {
  requestVideoFrameCallback?: (cb: (now: number, metadata: FrameMetadata) => void) => number;
  cancelVideoFrameCallback?: (handle: number) => void;
};

/** Stats before anything played (also what a player without a collector reports). */
export function emptyStats(): PlayerStats {
  return {
    latencyMs: null, latencyP50Ms: null, latencyP95Ms: null, fps: 0, bitrateKbps: 0, bufferMs: 0, droppedFrames: 0,
    skippedFrames: 0, framesPresented: 0, firstFrameMs: null, stalls: 0, seeks: 0, playbackRate: 1, reconnects: 0, mode: 'ws',
    edgeLatencyMs: null, targetLatencyMs: null, width: 0, height: 0, codec: '',
  };
}

export class StatsCollector {
  private readonly map: CaptureTimeMap;
  private readonly bytes: { t: number; n: number }[] = [];
  private readonly presents: number[] = [];
  private readonly latencies: { t: number; v: number }[] = [];
  private rvfcHandle = 0;
  private stopped = false;
  private frameInterval = 1 / 30;
  private serverDropped = 0;
  private localSkipped = 0;
  private sourceSkipped = 0;
  private captureTimeSource: ((mediaTime: number) => number | undefined) | null = null;
  readonly stats: PlayerStats = emptyStats();

  constructor(private readonly video: HTMLVideoElement, mapSize: number,
              private readonly onFrame: (first: boolean, holdMs: number | undefined) => void) {
    this.map = new CaptureTimeMap(mapSize);
    this.video.addEventListener('waiting', this.onWaiting);
    this.schedule();
  }

  setFrameInterval(seconds: number): void {
    this.frameInterval = seconds;
  }

  onBytes(n: number): void {
    this.bytes.push({ t: performance.now(), n });
  }

  /** A fragment reached the player now: remember its capture time and arrival for the frame callback. */
  onSample(mediaTime: number, captureTimeMs: number): void {
    this.map.set(mediaTime, captureTimeMs, performance.now());
  }

  /**
   * HLS modes: where the capture time of a presented frame comes from (PROGRAM-DATE-TIME), in
   * place of the per-fragment map the WebSocket path fills with onSample(); null: back to the map.
   */
  setCaptureTimeSource(source: ((mediaTime: number) => number | undefined) | null): void {
    this.captureTimeSource = source;
    // The element was emptied and gets a new source: ask for the next frame again, in case the
    // pending requestVideoFrameCallback went with the old one.
    const v = this.video as RvfcVideo;
    if (this.rvfcHandle && v.cancelVideoFrameCallback) v.cancelVideoFrameCallback(this.rvfcHandle);
    this.schedule();
  }

  onSkipped(): void {
    this.localSkipped++;
  }

  /** The server's count of this stream's access units skipped before a start point (status message). */
  setSourceSkipped(n: number): void {
    this.sourceSkipped = n;
  }

  setServerDropped(n: number): void {
    this.serverDropped = n;
  }

  /** Refreshes the derived fields; returns the stats object. */
  update(extra: { seeks: number; reconnects: number }): PlayerStats {
    const now = performance.now();
    const s = this.stats;
    while (this.bytes.length && this.bytes[0]!.t < now - 1000) this.bytes.shift();
    s.bitrateKbps = Math.round(this.bytes.reduce((a, b) => a + b.n, 0) * 8 / 1000);
    while (this.presents.length && this.presents[0]! < now - 1000) this.presents.shift();
    s.fps = this.presents.length;
    while (this.latencies.length && this.latencies[0]!.t < now - 5000) this.latencies.shift();
    if (this.latencies.length) {
      const sorted = this.latencies.map((l) => l.v).sort((a, b) => a - b);
      s.latencyP50Ms = round1(sorted[Math.floor((sorted.length - 1) * 0.5)]!);
      s.latencyP95Ms = round1(sorted[Math.floor((sorted.length - 1) * 0.95)]!);
    }
    const v = this.video;
    const b = v.buffered;
    s.bufferMs = b.length ? round1(Math.max(0, (b.end(b.length - 1) - v.currentTime) * 1000)) : 0;
    const quality = typeof v.getVideoPlaybackQuality === 'function' ? v.getVideoPlaybackQuality() : null;
    s.droppedFrames = (quality?.droppedVideoFrames ?? 0) + this.serverDropped;
    s.skippedFrames = this.localSkipped + this.sourceSkipped;
    s.playbackRate = v.playbackRate;
    s.seeks = extra.seeks;
    s.reconnects = extra.reconnects;
    return s;
  }

  destroy(): void {
    this.stopped = true;
    this.video.removeEventListener('waiting', this.onWaiting);
    const v = this.video as RvfcVideo;
    if (this.rvfcHandle && v.cancelVideoFrameCallback) v.cancelVideoFrameCallback(this.rvfcHandle);
  }

  private readonly onWaiting = (): void => {
    if (this.stats.framesPresented > 0) this.stats.stalls++;
  };

  private schedule(): void {
    const v = this.video as RvfcVideo;
    if (this.stopped || !v.requestVideoFrameCallback) return;
    this.rvfcHandle = v.requestVideoFrameCallback(this.onVideoFrame);
  }

  private readonly onVideoFrame = (_now: number, m: FrameMetadata): void => {
    const s = this.stats;
    const first = s.framesPresented === 0;
    s.framesPresented = m.presentedFrames;
    this.presents.push(performance.now());
    if (first) s.firstFrameMs = round1(m.expectedDisplayTime);
    const sample = this.captureTimeSource ? undefined : this.map.get(m.mediaTime, this.frameInterval / 2);
    const captureTimeMs = this.captureTimeSource ? this.captureTimeSource(m.mediaTime) : sample?.captureTimeMs;
    if (captureTimeMs !== undefined) {
      const latency = performance.timeOrigin + m.expectedDisplayTime - captureTimeMs;
      s.latencyMs = round1(latency);
      this.latencies.push({ t: performance.now(), v: latency });
    }
    this.onFrame(first, sample ? m.expectedDisplayTime - sample.arrivalMs : undefined);
    this.schedule();
  };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
