/**
 * MseController: MediaSource (or ManagedMediaSource) lifecycle and the single video SourceBuffer.
 *
 * - `duration = Infinity`: live signalling; Safari pauses on underflow otherwise (jmuxer PR #149)
 *   and Chromium only renders unknown-duration fMP4 in its "low delay" mode (w3c/media-source#133).
 * - ManagedMediaSource (iOS 17.1+) requires `disableRemotePlayback = true` (go2rtc#687).
 * - `addSourceBuffer` only after `isTypeSupported` with the exact codec string; `changeType()`
 *   when a new init segment has a different codec string (hls.js PR #5794).
 * - `mode = 'segments'`: the tfdt decides where a fragment goes.
 */
import { AppendQueue } from './append-queue.js';
import { backBufferRange } from './back-buffer.js';
import { unsupportedCodecMessage, type CodecSummary } from '../remux/describe-codec.js';

type MediaSourceCtor = typeof MediaSource;

export interface MseHandlers {
  onOpen(kind: 'MediaSource' | 'ManagedMediaSource'): void;
  onAppended(label: string): void;
  onError(kind: 'mse-unsupported' | 'codec-unsupported' | 'source-buffer' | 'append' | 'quota', message: string, error?: Error): void;
}

export function findMediaSource(preferManaged: boolean): { ctor: MediaSourceCtor; kind: 'MediaSource' | 'ManagedMediaSource' } | null {
  const g = globalThis as unknown as { ManagedMediaSource?: MediaSourceCtor; MediaSource?: MediaSourceCtor };
  if (preferManaged && g.ManagedMediaSource) return { ctor: g.ManagedMediaSource, kind: 'ManagedMediaSource' };
  if (g.MediaSource) return { ctor: g.MediaSource, kind: 'MediaSource' };
  if (g.ManagedMediaSource) return { ctor: g.ManagedMediaSource, kind: 'ManagedMediaSource' };
  return null;
}

export const mimeType = (codec: string): string => `video/mp4; codecs="${codec}"`;

export class MseController {
  private mediaSource: MediaSource | null = null;
  private objectUrl = '';
  private sourceBuffer: SourceBuffer | null = null;
  private queue: AppendQueue | null = null;
  private codec = '';
  private open = false;
  private pending: (() => void)[] = [];
  private lastTrim = 0;
  private ctor: MediaSourceCtor | null = null;
  private failed = false;

  constructor(private readonly video: HTMLVideoElement, private readonly options: { preferManaged: boolean; backBufferSeconds: number; trimIntervalMs: number },
              private readonly handlers: MseHandlers) {}

  get sourceBufferCodec(): string {
    return this.codec;
  }

  attach(): void {
    const found = findMediaSource(this.options.preferManaged);
    if (!found) {
      this.failed = true;
      this.handlers.onError('mse-unsupported', 'This browser has no MediaSource Extensions');
      return;
    }
    this.ctor = found.ctor;
    const ms = new found.ctor();
    this.mediaSource = ms;
    if (found.kind === 'ManagedMediaSource') this.video.disableRemotePlayback = true;
    ms.addEventListener('sourceopen', this.onSourceOpen);
    this.objectUrl = URL.createObjectURL(ms);
    this.video.src = this.objectUrl;
    this.kind = found.kind;
  }

  private kind: 'MediaSource' | 'ManagedMediaSource' = 'MediaSource';

  private readonly onSourceOpen = (): void => {
    const ms = this.mediaSource;
    if (!ms) return;
    ms.removeEventListener('sourceopen', this.onSourceOpen);
    try {
      ms.duration = Infinity;
    } catch { /* some engines want it after addSourceBuffer: set again there */ }
    this.open = true;
    this.handlers.onOpen(this.kind);
    const pending = this.pending;
    this.pending = [];
    for (const fn of pending) fn();
  };

  /** Appends an init segment, creating the SourceBuffer or switching its codec as needed. */
  appendInit(data: ArrayBuffer, codec: string, summary?: CodecSummary): boolean {
    if (this.failed) return false;
    if (!this.open) {
      this.pending.push(() => this.appendInit(data, codec, summary));
      return true;
    }
    const ms = this.mediaSource!;
    const type = mimeType(codec);
    if (!this.ctor!.isTypeSupported(type)) {
      this.failed = true;
      this.handlers.onError('codec-unsupported', summary
        ? `${unsupportedCodecMessage(summary)} (MediaSource.isTypeSupported('${type}') is false)`
        : `This browser cannot play ${codec} (MediaSource.isTypeSupported('${type}') is false)`);
      return false;
    }
    if (!this.sourceBuffer) {
      try {
        const sb = ms.addSourceBuffer(type);
        sb.mode = 'segments';
        this.sourceBuffer = sb;
        this.codec = codec;
        this.queue = new AppendQueue(sb, {
          onAppended: (label) => this.afterAppend(label),
          onQuotaExceeded: () => backBufferRange(this.buffered(), this.video.currentTime, Math.min(2, this.options.backBufferSeconds)),
          onError: (kind, error, label) => this.handlers.onError(kind === 'quota' ? 'quota' : 'append', `${kind} failed (${label}): ${error.message}`, error),
        });
        if (ms.duration !== Infinity) ms.duration = Infinity;
      } catch (err) {
        this.failed = true;
        this.handlers.onError('source-buffer', `addSourceBuffer('${type}') failed: ${(err as Error).message}`, err as Error);
        return false;
      }
    } else if (codec !== this.codec) {
      const sb = this.sourceBuffer;
      this.queue!.whenIdle(() => {
        try {
          sb.changeType(type);
          this.codec = codec;
        } catch (err) {
          this.handlers.onError('source-buffer', `changeType('${type}') failed: ${(err as Error).message}`, err as Error);
        }
      });
    }
    this.queue!.append(data, 'init');
    return true;
  }

  appendFragment(data: ArrayBuffer, label: string): void {
    if (this.failed) return;
    if (!this.queue) {
      if (!this.open) this.pending.push(() => this.appendFragment(data, label));
      return; // no init yet: the remuxer never emits a fragment before its init, so this is a race at open
    }
    this.queue.append(data, label);
  }

  /**
   * Drops every buffered frame, keeping the SourceBuffer and its codec (a suspended background
   * page: the decoder's memory is released, and the next init + key frame start afresh).
   */
  removeAll(): void {
    const sb = this.sourceBuffer;
    if (!sb || !this.queue || this.failed) return;
    const b = sb.buffered;
    if (b.length) this.queue.remove(b.start(0), b.end(b.length - 1));
  }

  get queueLength(): number {
    return this.queue?.length ?? 0;
  }

  buffered(): TimeRanges {
    return this.video.buffered;
  }

  private afterAppend(label: string): void {
    this.handlers.onAppended(label);
    const now = performance.now();
    if (now - this.lastTrim < this.options.trimIntervalMs || !this.sourceBuffer) return;
    this.lastTrim = now;
    const range = backBufferRange(this.sourceBuffer.buffered, this.video.currentTime, this.options.backBufferSeconds);
    if (range) this.queue!.remove(range.start, range.end);
  }

  destroy(): void {
    this.queue?.destroy();
    this.queue = null;
    const ms = this.mediaSource;
    if (ms) {
      ms.removeEventListener('sourceopen', this.onSourceOpen);
      if (ms.readyState === 'open') {
        try {
          if (this.sourceBuffer && !this.sourceBuffer.updating) ms.endOfStream();
        } catch { /* closing anyway: endOfStream on a detached source throws InvalidStateError */ }
      }
    }
    this.sourceBuffer = null;
    this.mediaSource = null;
    if (this.objectUrl) {
      this.video.removeAttribute('src');
      this.video.load();
      URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = '';
    }
  }
}
