/**
 * Glue shared by the three pages: create the player on the page's <video>, show messages, the
 * stats overlay, and expose the instance as `window.framewire` (a debugging hook: open the
 * console and read `framewire.stats`; the e2e tests read it too).
 */
import type { StreamState } from '@framewire/shared';
import { FramewirePlayer, liveSocketUrl } from '../player.js';
import { defaultPlayerConfig, type PlayerConfig } from '../config.js';
import { ErrorDetails, type PlayerErrorData } from '../errors.js';
import { PlayerEvents } from '../events.js';
import { StatsOverlay } from '../ui/stats-overlay.js';
import { UnmuteButton } from '../ui/unmute-button.js';

declare global {
  interface Window {
    /** Debugging hook: the page's player instance. */
    framewire?: FramewirePlayer;
  }
}

export interface PagePlayerOptions {
  video: HTMLVideoElement;
  message: HTMLElement;
  overlayContainer?: HTMLElement;
  overlayVisible?: boolean;
  /**
   * Where the unmute / play button goes when autoplay had to mute or was refused
   * (ui/unmute-button.ts); default: the overlay container, else the video's parent. Not shown
   * when the video has native controls (they have their own).
   */
  controlsContainer?: HTMLElement;
}

export function setMessage(el: HTMLElement, text: string, kind: 'error' | 'info' = 'info'): void {
  el.textContent = text;
  el.dataset['kind'] = kind;
  el.hidden = text === '';
}

export function messageFor(e: PlayerErrorData): string {
  switch (e.details) {
    case ErrorDetails.STREAM_NOT_FOUND:
    case ErrorDetails.SOURCE_ENDED:
    case ErrorDetails.CODEC_UNSUPPORTED:
    case ErrorDetails.MSE_UNSUPPORTED:
      return e.reason;
    case ErrorDetails.MEDIA_ELEMENT_ERROR:
      // decodeFailureMessage() already says "This browser could not decode …" when it knows why.
      return e.fatal && !e.reason.startsWith('This browser') ? `Playback failed: ${e.reason}` : e.reason;
    default:
      return e.fatal ? `Playback failed: ${e.reason}` : e.reason;
  }
}

/**
 * What the page says while stream `name` has no picture, per server state (`live`: nothing;
 * `ended` and `error` come with an ERROR event that says why). A state this page does not know
 * yet (the server is newer) reads like `waiting`.
 */
export function statusMessageFor(state: StreamState, name: string): string {
  switch (state) {
    case 'idle':
      return `Stream "${name}" is idle: it starts when someone watches…`;
    case 'starting':
      return `Starting stream "${name}"…`;
    default:
      return `Waiting for stream "${name}" to start…`;
  }
}

/**
 * Debugging/tuning hook: `?fw.targetBufferFrames=2&fw.debug=true` overrides config keys from
 * the page URL (typed like their defaults: numbers, booleans, strings). Unknown keys throw in
 * mergeConfig(). `?fallback=hls` (or `native`, `ws`) is the short form of `?fw.fallback=…`,
 * `?token=JWT` of `?fw.token=…` (a viewer token: README "Security"), and `?autoplay=0` of
 * `?fw.autoPlay=false`.
 */
export function configFromQuery(search = location.search): Partial<PlayerConfig> {
  const out: Record<string, number | boolean | string> = {};
  const params = new URLSearchParams(search);
  const fallback = params.get('fallback');
  if (fallback !== null) out['fallback'] = fallback;
  // `?token=` (short for `?fw.token=`): a short-lived viewer token handed to the page in its URL.
  const token = params.get('token');
  if (token !== null) out['token'] = token;
  // `?autoplay=0` (short for `?fw.autoPlay=false`): the embed page waits for the viewer.
  const autoplay = params.get('autoplay');
  if (autoplay !== null) out['autoPlay'] = autoplay !== '0' && autoplay !== 'false';
  for (const [k, v] of params) {
    if (!k.startsWith('fw.')) continue;
    const key = k.slice(3);
    const def = (defaultPlayerConfig as unknown as Record<string, unknown>)[key];
    out[key] = typeof def === 'boolean' ? v === 'true' || v === '1' : typeof def === 'string' ? v : Number(v);
  }
  return out as Partial<PlayerConfig>;
}

/** Starts playing stream `name` on the page; returns the player. */
export function playStream(name: string, o: PagePlayerOptions): FramewirePlayer {
  window.framewire?.destroy();
  const player = new FramewirePlayer(configFromQuery());
  window.framewire = player;
  const overlay = o.overlayContainer ? new StatsOverlay(o.overlayContainer, o.overlayVisible ?? false) : null;
  const buttonHost = o.controlsContainer ?? o.overlayContainer ?? o.video.parentElement;
  const unmute = buttonHost ? new UnmuteButton(buttonHost, o.video) : null;
  // Sound refused by the autoplay policy: the player plays muted; a click on this unmutes.
  player.on(PlayerEvents.AUTOPLAY_MUTED, () => {
    if (!o.video.controls) unmute?.show('unmute');
  });
  setMessage(o.message, '');
  // A stream in state `error` (not H.264, source failed) shows why until it is live again.
  let statusError = false;
  player.on(PlayerEvents.ERROR, (e) => {
    if (e.details === ErrorDetails.AUTOPLAY_BLOCKED && !o.video.controls) unmute?.show('play');
    if (e.fatal || e.details === ErrorDetails.SOCKET_ERROR) setMessage(o.message, messageFor(e), e.fatal ? 'error' : 'info');
    else if (e.details === ErrorDetails.CODEC_UNSUPPORTED || e.details === ErrorDetails.SERVER_ERROR) {
      statusError = true;
      setMessage(o.message, messageFor(e), 'error');
    }
  });
  player.on(PlayerEvents.CONNECTED, () => {
    if (o.message.dataset['kind'] !== 'error') setMessage(o.message, '');
  });
  player.on(PlayerEvents.STATUS, (s) => {
    if (s.state === 'error') return; // the ERROR event that follows says why
    const recovered = statusError;
    statusError = false;
    if (s.state === 'live') {
      if (recovered || o.message.dataset['kind'] !== 'error') setMessage(o.message, '');
    } else if (s.state !== 'ended') setMessage(o.message, statusMessageFor(s.state, name));
  });
  // A fallback (the socket never connected) leaves a stale "reconnecting…" behind: clear it.
  player.on(PlayerEvents.MODE_CHANGE, () => {
    if (o.message.dataset['kind'] !== 'error') setMessage(o.message, '');
  });
  player.on(PlayerEvents.FIRST_FRAME, () => {
    if (o.message.dataset['kind'] !== 'error') setMessage(o.message, '');
  });
  player.on(PlayerEvents.STATS, (s) => overlay?.update(s));
  player.on(PlayerEvents.DESTROYING, () => {
    overlay?.destroy();
    unmute?.destroy();
  });
  player.attachMedia(o.video);
  player.load(liveSocketUrl(name));
  return player;
}

/** NAME from `/watch/NAME` or `/embed/NAME` (or `?stream=NAME` for the dev server). */
export function streamNameFromLocation(prefix: string): string {
  const q = new URLSearchParams(location.search).get('stream');
  if (q) return q;
  const parts = location.pathname.split('/').filter(Boolean);
  const at = parts.indexOf(prefix);
  return decodeURIComponent(at >= 0 && parts[at + 1] ? parts[at + 1]! : '');
}
