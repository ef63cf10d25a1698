/** Typed event bus: enum PlayerEvents + PlayerListeners map + on/off/emit (hls.js src/events.ts). */
import type { PlayerErrorData } from './errors.js';
import type { PlayerStats } from './stats/stats-collector.js';
import type { StreamState } from '@framewire/shared';
import type { PlaybackMode, SwitchReason } from './fallback/mode-selector.js';

export enum PlayerEvents {
  /**
   * The playback mode was chosen (at load()) or changed (a fallback): 'ws' | 'mms' | 'hls.js' |
   * 'native-hls'. `reason`: 'initial', 'forced' (config `fallback`), 'mse-missing', 'ws-timeout',
   * 'codec-rejected'. `url`: the socket or playlist now played.
   */
  MODE_CHANGE = 'modeChange',
  /** attachMedia() finished: the MediaSource is open. */
  MEDIA_ATTACHED = 'mediaAttached',
  /** The socket opened (also after each reconnect). */
  CONNECTED = 'connected',
  /** The socket closed; `willReconnect` says whether a retry is scheduled. */
  DISCONNECTED = 'disconnected',
  /** The server's hello, or a codec message. */
  CODEC = 'codec',
  /** A stream status message (waiting, live, ended, error). */
  STATUS = 'status',
  /** A new init segment was appended (first one and on every SPS/PPS change). */
  INIT_SEGMENT = 'initSegment',
  /** The first frame was presented. */
  FIRST_FRAME = 'firstFrame',
  /** ~4 times a second. */
  STATS = 'stats',
  /**
   * Playback with sound was refused by the browser's autoplay policy: the element was muted and
   * plays. Offer an unmute control (ui/unmute-button.ts); a click is the gesture that allows sound.
   */
  AUTOPLAY_MUTED = 'autoplayMuted',
  /**
   * The page was hidden for `hiddenSuspendDelayMs`: the player stopped consuming (socket closed,
   * media dropped; LL-HLS: loading stopped) until the page is visible again (lifecycle/visibility.ts).
   */
  SUSPENDED = 'suspended',
  /** The page is visible again; `suspended`: it had been suspended and reconnects to the live edge. */
  RESUMED = 'resumed',
  /** Runtime errors (see errors.ts). */
  ERROR = 'error',
  DESTROYING = 'destroying',
}

export interface PlayerListeners {
  [PlayerEvents.MODE_CHANGE]: (data: { mode: PlaybackMode; previous: PlaybackMode | null; reason: SwitchReason; url: string }) => void;
  [PlayerEvents.MEDIA_ATTACHED]: (data: { mediaSource: 'MediaSource' | 'ManagedMediaSource' }) => void;
  [PlayerEvents.CONNECTED]: (data: { url: string; attempt: number }) => void;
  [PlayerEvents.DISCONNECTED]: (data: { code: number; reason: string; willReconnect: boolean; delayMs: number }) => void;
  [PlayerEvents.CODEC]: (data: { codec: string; width: number; height: number; fps: number | null }) => void;
  [PlayerEvents.STATUS]: (data: { state: StreamState; reason?: string }) => void;
  [PlayerEvents.INIT_SEGMENT]: (data: { codec: string; width: number; height: number }) => void;
  [PlayerEvents.FIRST_FRAME]: (data: { firstFrameMs: number }) => void;
  [PlayerEvents.STATS]: (data: PlayerStats) => void;
  [PlayerEvents.AUTOPLAY_MUTED]: (data: { reason: string }) => void;
  [PlayerEvents.SUSPENDED]: (data: { hiddenMs: number }) => void;
  [PlayerEvents.RESUMED]: (data: { hiddenMs: number; suspended: boolean }) => void;
  [PlayerEvents.ERROR]: (data: PlayerErrorData) => void;
  [PlayerEvents.DESTROYING]: (data: Record<string, never>) => void;
}

export class EventEmitter<Listeners extends { [K in keyof Listeners]: (data: never) => void }> {
  private readonly listeners = new Map<keyof Listeners, Set<Listeners[keyof Listeners]>>();

  on<E extends keyof Listeners>(event: E, listener: Listeners[E]): void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
  }

  off<E extends keyof Listeners>(event: E, listener: Listeners[E]): void {
    this.listeners.get(event)?.delete(listener);
  }

  once<E extends keyof Listeners>(event: E, listener: Listeners[E]): void {
    const wrapper = ((data: never) => {
      this.off(event, wrapper);
      (listener as (d: never) => void)(data);
    }) as Listeners[E];
    this.on(event, wrapper);
  }

  emit<E extends keyof Listeners>(event: E, data: Parameters<Listeners[E]>[0]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as unknown as (d: unknown) => void)(data);
      } catch (err) {
        // A throwing listener must not break the pipeline; surface it asynchronously.
        setTimeout(() => { throw err; });
      }
    }
  }

  removeAllListeners(): void {
    this.listeners.clear();
  }
}
