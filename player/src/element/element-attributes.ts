/**
 * What the attributes of `<framewire-player>` mean, as pure functions (no DOM: unit-tested in
 * Node, player/test/element/element-attributes.test.ts). The element only reads its attributes
 * and hands them here.
 *
 * A bad value is never thrown at the page: it comes back as an AttributeProblem, the element
 * reports it (console + `error` event) and goes on as if the attribute were absent, the way HTML
 * ignores an invalid attribute value.
 */
import { defaultPlayerConfig, type PlayerConfig } from '../config.js';
import { FALLBACK_SETTINGS, type FallbackSetting } from '../fallback/mode-selector.js';

/** Every attribute the element reacts to. */
export const OBSERVED_ATTRIBUTES = ['src', 'server', 'autoplay', 'muted', 'controls', 'target-latency', 'fallback', 'token'] as const;
export type ObservedAttribute = (typeof OBSERVED_ATTRIBUTES)[number];

/**
 * Attributes that need a new FramewirePlayer when they change: its config is frozen at
 * construction and load() is once per player. `autoplay`, `muted` and `controls` only touch the
 * <video> and never interrupt playback.
 */
export const PLAYER_ATTRIBUTES: ReadonlySet<string> = new Set<ObservedAttribute>(['src', 'server', 'target-latency', 'fallback', 'token']);

export interface AttributeProblem {
  attribute: ObservedAttribute;
  value: string;
  /** A sentence for the console and the `error` event's detail. */
  reason: string;
}

/** The server's stream names (server/src/config/schema.ts STREAM_NAME_PATTERN). */
const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** A viewer token is sent as a WebSocket subprotocol: base64url parts joined by "." (config.ts). */
const TOKEN = /^[A-Za-z0-9._~-]*$/;
/** Upper bound of `target-latency`, seconds: the clamp of config.hlsTargetLatency. */
const MAX_TARGET_LATENCY = 30;

/**
 * The player config that the attributes ask for, and what was wrong with them.
 *
 * `target-latency` (seconds) is the LL-HLS target (config.hlsTargetLatency: how far behind the
 * playlist's live edge hls.js plays). The WebSocket path has no target to set: it shows each
 * frame as soon as it is decoded and removes any delay above this machine's floor
 * (latency-controller.ts). hls.js refuses a max latency at or below the target, so the ceiling
 * (hlsMaxLatency) is raised along with it.
 */
export function configFromAttributes(get: (name: ObservedAttribute) => string | null): { config: Partial<PlayerConfig>; problems: AttributeProblem[] } {
  const config: Partial<PlayerConfig> = {};
  const problems: AttributeProblem[] = [];

  const target = get('target-latency');
  if (target !== null) {
    const seconds = target.trim() === '' ? NaN : Number(target);
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_TARGET_LATENCY) {
      problems.push({ attribute: 'target-latency', value: target,
        reason: `target-latency="${target}" is not a number of seconds between 0 and ${MAX_TARGET_LATENCY} (e.g. target-latency="1.5"); using the default` });
    } else {
      config.hlsTargetLatency = seconds;
      // hls-config.ts: liveMaxLatencyDuration must stay above the target plus what the stall ratchet may add.
      const ceiling = seconds + defaultPlayerConfig.hlsStallLatencyMaxExtra + 1;
      if (seconds > 0 && ceiling > defaultPlayerConfig.hlsMaxLatency) config.hlsMaxLatency = ceiling;
    }
  }

  const fallback = get('fallback');
  if (fallback !== null) {
    if ((FALLBACK_SETTINGS as readonly string[]).includes(fallback)) config.fallback = fallback as FallbackSetting;
    else problems.push({ attribute: 'fallback', value: fallback,
      reason: `fallback="${fallback}" is not one of ${FALLBACK_SETTINGS.map((f) => `"${f}"`).join(', ')}; using "${defaultPlayerConfig.fallback}"` });
  }

  const token = get('token');
  if (token !== null && token !== '') {
    if (TOKEN.test(token)) config.token = token;
    else problems.push({ attribute: 'token', value: '(hidden)', reason: 'token is not a JWT (base64url parts joined by "."); playing without a token' });
  }

  return { config, problems };
}

/**
 * The viewer socket URL for `src`:
 *   - a stream name (no "/" and no ":", e.g. `demo`): `/live/NAME` on `server`, else on the page's
 *     own origin; the `<script>` build sets `server` to where the script came from;
 *   - a ws(s):// URL: as it is;
 *   - any other URL (http(s)://…, `/live/NAME`, `../x/live/NAME`): resolved against the page, like
 *     the src of a <video>, then http → ws. The server's page URLs `/watch/NAME` and
 *     `/embed/NAME` mean the stream `/live/NAME`, so a URL copied from the address bar works.
 * Throws a TypeError whose message is meant for the page author.
 */
export function streamSocketUrl(src: string, server: string | null, pageUrl: string): string {
  const value = src.trim();
  if (value === '') throw new TypeError('src is empty: give a stream name (src="demo") or a URL (src="wss://host/live/demo")');
  let url: URL;
  if (!/[/:]/.test(value)) {
    if (!STREAM_NAME.test(value)) {
      throw new TypeError(`src="${value}" is neither a stream name (letters, digits, "_" and "-", at most 64) nor a URL`);
    }
    let base: URL;
    try {
      base = new URL(server ?? '/', pageUrl);
    } catch {
      throw new TypeError(`server="${server}" is not a URL (e.g. server="https://video.example.com/")`);
    }
    // A base without a trailing slash names a directory too (server="https://host/framewire").
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    url = new URL(`live/${encodeURIComponent(value)}`, base);
  } else {
    try {
      url = new URL(value, pageUrl);
    } catch {
      throw new TypeError(`src="${value}" is not a valid URL`);
    }
  }
  const page = /^(.*\/)(?:watch|embed)\/([^/]+)\/?$/.exec(url.pathname);
  if (page) url.pathname = `${page[1]}live/${page[2]}`;
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new TypeError(`src="${value}": a stream is played from ws(s):// or http(s)://, not ${url.protocol}`);
  }
  url.hash = '';
  return url.href;
}

/** Directory of a script URL: the default `server` of the `<script>` build (behind a path prefix too). */
export function serverFromScriptUrl(scriptUrl: string): string | null {
  try {
    return new URL('./', scriptUrl).href;
  } catch {
    return null;
  }
}
