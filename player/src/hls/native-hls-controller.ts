/**
 * NativeHlsController: the element plays the LL-HLS playlist itself (`video.src = …m3u8`):
 * Safari and iOS, which fetch parts and block on playlist reloads on their own, and any browser
 * whose canPlayType('application/vnd.apple.mpegurl') is not '' (Chromium 156 says "maybe").
 *
 * The element hides HTTP status codes, so the playlist is fetched once first: a 404 is
 * STREAM_NOT_FOUND, as on the other paths, instead of an anonymous MEDIA_ERR_SRC_NOT_SUPPORTED.
 * Latency: the element's seekable end is its live edge; capture time comes from getStartDate()
 * (the PROGRAM-DATE-TIME of media time 0) where the browser has it (Safari).
 *
 * The element gives up on its own errors, so the controller sets the source again after the
 * player's reconnect backoff: at most START_ATTEMPTS times before a first picture (Chromium 156's
 * native HLS fails with DEMUXER_ERROR_COULD_NOT_PARSE on a playlist that has parts but no complete
 * segment yet, i.e. a stream less than a segment old, and on every High 10 stream: a stream that
 * never plays is reported), `reconnectMaxAttempts` times in a row once it has played.
 */
import type { PlayerConfig } from '../config.js';
import { ErrorDetails, ErrorTypes } from '../errors.js';
import { reconnectDelay } from '../transport/reconnect-policy.js';
import type { HlsLatency, HlsPlayback, HlsPlaybackHandlers } from './hls-playback.js';
import { nativeCaptureTimeAt } from './program-date-time.js';

type DatedVideo = HTMLVideoElement & { getStartDate?: () => Date };

/** Attempts before a first picture (about 250 + 375 + 560 ms of backoff with the default config). */
const START_ATTEMPTS = 3;

export class NativeHlsController implements HlsPlayback {
  readonly mode = 'native-hls' as const;
  private destroyed = false;
  private abort: AbortController | null = null;
  private attempts = 0;
  /** Played a second since the last (re)load: errors from then on get the full retry budget. */
  private played = false;
  /** currentTime at the first timeupdate after the last (re)load. */
  private firstTime = -1;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly video: HTMLVideoElement, private readonly url: string, private readonly config: Readonly<PlayerConfig>,
              private readonly streamName: string, private readonly h: HlsPlaybackHandlers) {}

  start(): void {
    this.abort = new AbortController();
    fetch(this.url, { signal: this.abort.signal, cache: 'no-store' }).then((res) => {
      if (this.destroyed) return;
      if (res.status === 404) {
        this.h.onError({ type: ErrorTypes.NETWORK_ERROR, details: ErrorDetails.STREAM_NOT_FOUND, fatal: true, reason: `Stream "${this.streamName}" does not exist (LL-HLS playlist: HTTP 404)` });
        return;
      }
      // Anything else is left to the element: it retries and reports through its own `error`.
      this.attach();
    }, (err: Error) => {
      // Network failure or CORS on a cross-origin playlist: the element may still manage (it needs no CORS).
      if (this.destroyed) return;
      this.h.log(`playlist pre-check failed (${err.message}); letting the element try`);
      this.attach();
    });
  }

  private attach(): void {
    const v = this.video;
    v.addEventListener('error', this.onError);
    v.addEventListener('loadedmetadata', this.onMetadata);
    v.addEventListener('timeupdate', this.onTimeUpdate);
    v.src = this.url;
    this.h.requestPlay();
  }

  captureTimeAt(mediaTime: number): number | undefined {
    const v = this.video as DatedVideo;
    return v.getStartDate ? nativeCaptureTimeAt(v.getStartDate().getTime(), mediaTime) : undefined;
  }

  hasPlayed(): boolean {
    return this.played;
  }

  latency(): HlsLatency {
    const s = this.video.seekable;
    return { edge: s.length ? Math.max(0, s.end(s.length - 1) - this.video.currentTime) : null, target: null };
  }

  /** The element keeps its playlist; the facade pauses it. */
  suspend(): void {}

  /**
   * Back to the live edge: a paused native player resumes where it paused (inside its DVR
   * window), so seek to about a second before the seekable end (Safari plays LL-HLS at
   * PART-HOLD-BACK, 3 parts ≈ 0.6 s, behind the edge; a second leaves it a part of margin).
   */
  resume(atLiveEdge?: () => void): void {
    const s = this.video.seekable;
    if (s.length) this.video.currentTime = Math.max(s.start(s.length - 1), s.end(s.length - 1) - 1);
    atLiveEdge?.();
  }

  destroy(): void {
    this.destroyed = true;
    this.abort?.abort();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const v = this.video;
    v.removeEventListener('error', this.onError);
    v.removeEventListener('loadedmetadata', this.onMetadata);
    v.removeEventListener('timeupdate', this.onTimeUpdate);
    if (v.getAttribute('src') === this.url || v.src === this.url) {
      v.removeAttribute('src');
      v.load();
    }
  }

  private readonly onMetadata = (): void => {
    this.h.onVideoInfo({ codec: '', width: this.video.videoWidth, height: this.video.videoHeight });
  };

  private readonly onTimeUpdate = (): void => {
    const t = this.video.currentTime;
    if (this.firstTime < 0) this.firstTime = t;
    // A second of real playback, not one frame before an error (Chromium shows one of High 10).
    else if (t - this.firstTime >= 1) {
      this.played = true;
      this.attempts = 0;
    }
  };

  private readonly onError = (): void => {
    const err = this.video.error;
    const reason = `native HLS: media element error ${err?.code ?? '?'}${err?.message ? `: ${err.message}` : ''}`;
    this.attempts++;
    const c = this.config;
    if (this.attempts > (this.played ? c.reconnectMaxAttempts : START_ATTEMPTS)) {
      this.h.onError({ type: ErrorTypes.MEDIA_ERROR, details: ErrorDetails.HLS_ERROR, fatal: true, reason });
      return;
    }
    const delay = reconnectDelay(this.attempts, { initialDelayMs: c.reconnectInitialDelayMs, backoffFactor: c.reconnectBackoffFactor, maxDelayMs: c.reconnectMaxDelayMs, jitter: c.reconnectJitter });
    this.h.onError({ type: ErrorTypes.MEDIA_ERROR, details: ErrorDetails.HLS_ERROR, fatal: false, reason: `${reason}; retrying in ${Math.round(delay)} ms` });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.destroyed) return;
      this.firstTime = -1;
      this.video.src = this.url; // a fresh load of the playlist
      this.h.requestPlay();
    }, delay);
  };
}
