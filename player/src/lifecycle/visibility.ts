/**
 * VisibilityLifecycle: what a player does while its page is hidden (a background tab, a minimized
 * window) and when it comes back (LOW-LATENCY.md technique 10).
 *
 * Why not simply keep playing: browsers do not let a hidden page play on as if it were shown.
 * Chrome pauses video-only media in hidden tabs (and disables the video track of media with audio,
 * "background video track optimization"); timers are throttled to once a second, and after five
 * minutes hidden to once a minute (Chrome 88 "intensive wake-up throttling"); frame callbacks stop.
 * A player that keeps receiving and appending meanwhile only grows its buffer and burns CPU on
 * frames nobody sees, and comes back far behind the live edge.
 *
 * So, in two steps:
 * - hidden for less than `graceMs`: nothing changes (switching tabs for a glance must not cost a
 *   reconnect); on return the player jumps to the live edge with what it has (`returned`);
 * - hidden for `graceMs`: `suspend()` — the player stops consuming (closes its socket, drops its
 *   media); on return `resume()` — it reconnects and starts at the live edge from the server's
 *   cached GOP. While hidden nothing arrives, so nothing grows.
 *
 * `graceMs` = Infinity: never suspend. The grace timer may fire late in a hidden tab (throttling
 * above): that only lengthens the grace period.
 */

/** The part of `document` this needs (a fake in tests). */
export interface VisibilitySource {
  readonly visibilityState: DocumentVisibilityState;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

export interface VisibilityHandlers {
  /**
   * Hidden for the grace period: stop consuming. Return false when the player cannot suspend yet
   * (its first connection is not established): it is asked again after another grace period.
   */
  suspend(hiddenMs: number): boolean;
  /** Visible again after a suspend(): reconnect and start at the live edge. */
  resume(hiddenMs: number): void;
  /** Visible again within the grace period: jump to the live edge with what is buffered. */
  returned(hiddenMs: number): void;
}

export interface LifecycleClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const realClock: LifecycleClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => performance.now(),
};

export class VisibilityLifecycle {
  private timer: unknown = null;
  private hiddenAt: number | null = null;
  private isSuspended = false;
  private destroyed = false;

  constructor(private readonly doc: VisibilitySource, private readonly graceMs: number,
              private readonly handlers: VisibilityHandlers, private readonly clock: LifecycleClock = realClock) {
    doc.addEventListener('visibilitychange', this.onChange);
    if (doc.visibilityState === 'hidden') this.onHidden(); // a page opened in a background tab
  }

  get hidden(): boolean {
    return this.doc.visibilityState === 'hidden';
  }

  /** suspend() was done and no resume() yet. */
  get suspended(): boolean {
    return this.isSuspended;
  }

  destroy(): void {
    this.destroyed = true;
    this.doc.removeEventListener('visibilitychange', this.onChange);
    this.stopTimer();
  }

  private readonly onChange = (): void => {
    if (this.destroyed) return;
    if (this.doc.visibilityState === 'hidden') this.onHidden();
    else this.onVisible();
  };

  private onHidden(): void {
    if (this.hiddenAt !== null) return; // already hidden ('hidden' twice: nothing changed)
    this.hiddenAt = this.clock.now();
    this.arm();
  }

  private arm(): void {
    this.stopTimer();
    if (!Number.isFinite(this.graceMs) || this.isSuspended) return;
    this.timer = this.clock.setTimeout(this.onGraceOver, Math.max(0, this.graceMs));
  }

  private readonly onGraceOver = (): void => {
    this.timer = null;
    if (this.destroyed || this.hiddenAt === null || this.isSuspended) return;
    if (this.handlers.suspend(this.clock.now() - this.hiddenAt)) this.isSuspended = true;
    else this.arm(); // not possible yet: ask again after another grace period
  };

  private onVisible(): void {
    if (this.hiddenAt === null) return;
    const hiddenMs = this.clock.now() - this.hiddenAt;
    this.hiddenAt = null;
    this.stopTimer();
    if (this.isSuspended) {
      this.isSuspended = false;
      this.handlers.resume(hiddenMs);
    } else {
      this.handlers.returned(hiddenMs);
    }
  }

  private stopTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
