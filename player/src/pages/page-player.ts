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
 * the page URL (numbers and booleans only). Unknown keys throw in mergeConfig().
 */
export function configFromQuery(search = location.search): Partial<PlayerConfig> {
  const out: Record<string, number | boolean> = {};
  for (const [k, v] of new URLSearchParams(search)) {
    if (!k.startsWith('fw.')) continue;
    const key = k.slice(3);
    const def = (defaultPlayerConfig as unknown as Record<string, unknown>)[key];
    out[key] = typeof def === 'boolean' ? v === 'true' || v === '1' : Number(v);
  }
  return out as Partial<PlayerConfig>;
}

/** Starts playing stream `name` on the page; returns the player. */
export function playStream(name: string, o: PagePlayerOptions): FramewirePlayer {
  window.framewire?.destroy();
  const player = new FramewirePlayer(configFromQuery());
  window.framewire = player;
  const overlay = o.overlayContainer ? new StatsOverlay(o.overlayContainer, o.overlayVisible ?? false) : null;
  setMessage(o.message, '');
  // A stream in state `error` (not H.264, source failed) shows why until it is live again.
  let statusError = false;
  player.on(PlayerEvents.ERROR, (e) => {
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
  player.on(PlayerEvents.FIRST_FRAME, () => {
    if (o.message.dataset['kind'] !== 'error') setMessage(o.message, '');
  });
  player.on(PlayerEvents.STATS, (s) => overlay?.update(s));
  player.on(PlayerEvents.DESTROYING, () => overlay?.destroy());
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
