/**
 * The hls.js configuration for LL-HLS from Framewire's server, built from PlayerConfig. Pure (a
 * plain object; the hls.js module is not imported here), so the choices are a unit test.
 */
import type { PlayerConfig } from '../config.js';

/** The subset of hls.js's HlsConfig the player sets (names and meaning as in hls.js src/config.ts). */
export interface LowLatencyHlsConfig {
  debug: boolean;
  lowLatencyMode: boolean;
  liveSyncDuration?: number;
  liveMaxLatencyDuration?: number;
  maxLiveSyncPlaybackRate: number;
  liveSyncOnStallIncrease: number;
  liveDurationInfinity: boolean;
  backBufferLength: number;
  enableWorker: boolean;
  /** Adds the viewer token (config `token`) to every playlist, part and segment request. */
  xhrSetup?: (xhr: XMLHttpRequest, url: string) => void;
}

export function lowLatencyHlsConfig(c: Readonly<PlayerConfig>): LowLatencyHlsConfig {
  return {
    debug: c.debug,
    // Parts, blocking playlist reload, PART-HOLD-BACK as the target (latency-controller
    // `targetLatency`: partHoldBack in lowLatencyMode unless liveSyncDuration is given).
    lowLatencyMode: true,
    // hls.js's defaults never speed up (maxLiveSyncPlaybackRate 1, LOW-LATENCY.md "Traps"): behind
    // the target it plays up to this fast. Note hls.js only does so with more than 1 s buffered
    // ahead (latency-controller onTimeupdate `forwardBufferLength > 1`).
    maxLiveSyncPlaybackRate: c.hlsMaxLiveSyncPlaybackRate,
    // hls.js would add 1 s to the target per stall for the rest of the session (hls.js#6350):
    // TargetLatencyRatchet raises and lowers it instead.
    liveSyncOnStallIncrease: 0,
    // hls.js rejects liveMaxLatencyDuration without liveSyncDuration (config.ts "Illegal hls.js
    // config"): with the playlist's PART-HOLD-BACK as target (hlsTargetLatency 0) both are left
    // out here and HlsController sets `liveMaxLatencyDuration` once the playlist is known.
    ...(c.hlsTargetLatency > 0 ? { liveSyncDuration: c.hlsTargetLatency, liveMaxLatencyDuration: c.hlsMaxLatency } : {}),
    // MediaSource.duration = Infinity, as on the WebSocket path: Safari pauses at the end of a
    // finite duration on underflow (jmuxer PR #149).
    liveDurationInfinity: true,
    // Bound memory like the WebSocket path's back buffer (hls.js default: Infinity).
    backBufferLength: c.backBufferSeconds,
    // fMP4 parts are appended as they are (passthrough remuxer, nothing to transmux), and the ES
    // build of hls.js has no inline worker to start.
    enableWorker: false,
    // A viewer token goes in the query of every request, not in an Authorization header: a header
    // makes each cross-origin request preflighted, and the preflight cache is per URL, i.e. one
    // extra round trip per LL-HLS part. hls.js opens the XHR itself unless xhrSetup did (xhr-loader.ts).
    ...(c.token ? { xhrSetup: (xhr: XMLHttpRequest, url: string) => xhr.open('GET', withToken(url, c.token), true) } : {}),
  };
}

/** `url` with `token=` set in its query (the server reads it, security/tokens.ts). */
export function withToken(url: string, token: string): string {
  const u = new URL(url);
  u.searchParams.set('token', token);
  return u.href;
}

/** hls.js `liveMaxLatencyDuration` once the target is known: room for the ratchet's extra above it. */
export function maxLatencyFor(target: number, c: Readonly<Pick<PlayerConfig, 'hlsMaxLatency' | 'hlsStallLatencyMaxExtra'>>): number {
  return Math.max(c.hlsMaxLatency, target + c.hlsStallLatencyMaxExtra + 0.5);
}
