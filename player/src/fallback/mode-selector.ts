/**
 * Which way a stream is played: the fallback chain as a pure function (no DOM, no timers), so
 * every branch is a unit test (player/test/fallback/mode-selector.test.ts).
 *
 *   'ws'          WebSocket + MediaSource (the low-latency path: ~50 ms)
 *   'mms'         WebSocket + ManagedMediaSource (iOS 17.1+, which has no MediaSource)
 *   'hls.js'      LL-HLS through hls.js (itself on MediaSource/ManagedMediaSource): ~1 s
 *   'native-hls'  LL-HLS through the browser's own HLS (`video.src = …m3u8`): Safari/iOS without MSE
 *
 * Order: the WebSocket path when MSE exists; hls.js when the WebSocket cannot connect; native HLS
 * only when MSE is absent (or cannot decode the stream while the browser's own HLS says it can).
 */

export type PlaybackMode = 'ws' | 'mms' | 'hls.js' | 'native-hls';

/**
 * The `fallback` option:
 *   'auto'    the chain above (default);
 *   'hls'     start with LL-HLS (hls.js where MSE exists, else native HLS);
 *   'native'  start with the browser's own HLS;
 *   'ws'      WebSocket only, never fall back (keeps reconnecting, as before the chain existed).
 */
export type FallbackSetting = 'auto' | 'ws' | 'hls' | 'native';
export const FALLBACK_SETTINGS: readonly FallbackSetting[] = ['auto', 'ws', 'hls', 'native'];

export interface PlaybackCapabilities {
  /** The MediaSource flavour the player would use (findMediaSource()), null when the browser has none. */
  mediaSource: 'MediaSource' | 'ManagedMediaSource' | null;
  /** `video.canPlayType('application/vnd.apple.mpegurl') !== ''`: the element plays HLS itself. */
  nativeHls: boolean;
}

/** What asks for a decision: the start of playback, or a failure of the current mode. */
export type ModeTrigger =
  | { kind: 'start' }
  /** The first WebSocket connection was not established within `wsConnectTimeoutMs`. */
  | { kind: 'ws-timeout' }
  /**
   * MediaSource.isTypeSupported() said no to the stream's codec string. `nativeHlsPlaysCodec`:
   * canPlayType('application/vnd.apple.mpegurl; codecs="…"') for that codec is not ''.
   */
  | { kind: 'codec-rejected'; nativeHlsPlaysCodec: boolean };

export type SwitchReason = 'initial' | 'forced' | 'mse-missing' | 'ws-timeout' | 'codec-rejected';

export type ModeDecision =
  /** Play (or switch to) `mode`. */
  | { action: 'play'; mode: PlaybackMode; reason: SwitchReason }
  /** Keep the current mode (e.g. `fallback: 'ws'` after a WebSocket timeout: keep reconnecting). */
  | { action: 'stay' }
  /** Nothing this browser has can play the stream; `reason` says why (shown to the viewer). */
  | { action: 'fail'; reason: string };

/** The WebSocket mode this browser's MediaSource flavour gives. */
export function wsModeFor(mediaSource: 'MediaSource' | 'ManagedMediaSource'): PlaybackMode {
  return mediaSource === 'ManagedMediaSource' ? 'mms' : 'ws';
}

export const isWsMode = (mode: PlaybackMode | null): boolean => mode === 'ws' || mode === 'mms';

const NO_MSE = 'This browser has no MediaSource Extensions';

/** Capabilities + the `fallback` setting + what happened → the mode to play. Pure. */
export function selectMode(caps: PlaybackCapabilities, setting: FallbackSetting, trigger: ModeTrigger): ModeDecision {
  const mse = caps.mediaSource;
  switch (trigger.kind) {
    case 'start':
      switch (setting) {
        case 'ws':
          return mse ? { action: 'play', mode: wsModeFor(mse), reason: 'initial' } : { action: 'fail', reason: `${NO_MSE} (fallback "ws" allows no other way)` };
        case 'hls':
          if (mse) return { action: 'play', mode: 'hls.js', reason: 'forced' };
          return caps.nativeHls ? { action: 'play', mode: 'native-hls', reason: 'forced' } : { action: 'fail', reason: `${NO_MSE} and cannot play HLS itself` };
        case 'native':
          return caps.nativeHls ? { action: 'play', mode: 'native-hls', reason: 'forced' } : { action: 'fail', reason: 'This browser cannot play HLS itself (fallback "native")' };
        case 'auto':
          if (mse) return { action: 'play', mode: wsModeFor(mse), reason: 'initial' };
          // hls.js needs MSE too: without it, only the element's own HLS is left (iOS before 17.1).
          return caps.nativeHls ? { action: 'play', mode: 'native-hls', reason: 'mse-missing' } : { action: 'fail', reason: `${NO_MSE} and cannot play HLS itself` };
      }
      break;
    case 'ws-timeout':
      // Only the first connection counts: the player never asks after a WebSocket was established.
      if (setting === 'ws') return { action: 'stay' };
      if (mse && setting !== 'native') return { action: 'play', mode: 'hls.js', reason: 'ws-timeout' };
      return caps.nativeHls ? { action: 'play', mode: 'native-hls', reason: 'ws-timeout' } : { action: 'stay' };
    case 'codec-rejected':
      // hls.js appends through the same MediaSource, whose isTypeSupported() just said no: it
      // cannot do better. Only the element's own HLS pipeline decodes without MSE, so only it is
      // worth a try, and only when it claims this codec.
      if (setting !== 'ws' && caps.nativeHls && trigger.nativeHlsPlaysCodec) return { action: 'play', mode: 'native-hls', reason: 'codec-rejected' };
      return { action: 'fail', reason: 'codec rejected by MediaSource, and no other way to play it' };
  }
  return { action: 'fail', reason: `unknown fallback setting "${String(setting)}"` };
}
