/**
 * What the player facade needs of an HLS engine, hls.js or the element's own: the facade starts
 * it, reads latency from it for the stats, and destroys it. Both report runtime problems through
 * the handlers, never by throwing.
 */
import type { PlayerErrorData } from '../errors.js';

export interface HlsPlaybackHandlers {
  /** A runtime problem, already mapped to the player's error model. */
  onError(error: PlayerErrorData): void;
  /** The HLS engine could not decode the stream's codec (MediaSource rejected it): the facade may switch mode. */
  onCodecRejected(codec: string, reason: string): void;
  /** Media bytes received (for the bitrate figure). */
  onBytes(n: number): void;
  /** The stream's codec and picture size, once known. */
  onVideoInfo(info: { codec: string; width: number; height: number }): void;
  /** Media is ready: play if autoPlay (muted where sound is refused: lifecycle/autoplay.ts). */
  requestPlay(): void;
  log(message: string): void;
}

export interface HlsLatency {
  /** Live edge → playhead, seconds, as the HLS engine estimates it (hls.js `latency`); null before the playlist. */
  edge: number | null;
  /** The engine's target for `edge` (hls.js `targetLatency`), seconds; null when it has none. */
  target: number | null;
}

export interface HlsPlayback {
  readonly mode: 'hls.js' | 'native-hls';
  /** Begins loading; asynchronous failures arrive as onError. */
  start(): void;
  /** Capture wall-clock time (epoch ms) of the frame at `mediaTime`, from EXT-X-PROGRAM-DATE-TIME. */
  captureTimeAt(mediaTime: number): number | undefined;
  latency(): HlsLatency;
  /** Native HLS: whether it has played a full second since its last (re)load (not just shown a frame before failing). */
  hasPlayed?(): boolean;
  /** The page is hidden (lifecycle/visibility.ts): stop loading until resume(). */
  suspend(): void;
  /**
   * Visible again: load again from the live edge. `atLiveEdge` is called once playback may start
   * without showing what was buffered before the page was hidden (at once where nothing is held).
   */
  resume(atLiveEdge?: () => void): void;
  /** Stops loading and releases the element (its src is removed). */
  destroy(): void;
}
