/**
 * What this browser can play, read once from the DOM for the mode selector (mode-selector.ts
 * stays pure; this is the only part that touches the browser).
 */
import { findMediaSource } from '../mse/mse-controller.js';
import type { PlaybackCapabilities } from './mode-selector.js';

/** HLS's MIME type (RFC 8216 4); Safari and Chromium ≥ 14x answer it, Firefox does not. */
export const HLS_MIME = 'application/vnd.apple.mpegurl';

export function detectCapabilities(video: HTMLVideoElement, preferManagedMediaSource: boolean): PlaybackCapabilities {
  return {
    mediaSource: findMediaSource(preferManagedMediaSource)?.kind ?? null,
    nativeHls: video.canPlayType(HLS_MIME) !== '',
  };
}

/** Whether the element's own HLS claims `codec` (e.g. "avc1.6e001f"); '' codec: the plain HLS answer. */
export function nativeHlsPlaysCodec(video: HTMLVideoElement, codec: string): boolean {
  return video.canPlayType(codec ? `${HLS_MIME}; codecs="${codec}"` : HLS_MIME) !== '';
}
