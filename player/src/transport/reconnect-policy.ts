/**
 * Reconnect policy: when to try again after a connection is lost (LOW-LATENCY.md technique 11).
 *
 * - The first retry comes within `initialDelayMs` (250 ms by default): a server restart or a
 *   proxy reload is over in about a second, and a viewer should not stare at a frozen picture
 *   longer than the outage (go2rtc waits 15 s; flv.js and mpegts.js never retry).
 * - Then exponential backoff, capped at `maxDelayMs` (10 s): a server that stays down is asked
 *   about once every 5–10 s per viewer, not hammered.
 * - Jitter: each delay is drawn from [(1 − jitter) · d, d]. Every viewer of a restarted server lost
 *   its socket at the same instant; without jitter they would all come back in lock-step, attempt
 *   after attempt ("thundering herd", AWS Architecture Blog "Exponential Backoff And Jitter").
 *   The upper end stays at d, so jitter never makes a retry later than the plain backoff.
 *
 * Pure: the random source is a parameter, so tests pin it.
 */

export interface ReconnectPolicy {
  /** Delay before the first retry, ms. */
  initialDelayMs: number;
  /** Each further retry waits this factor longer... */
  backoffFactor: number;
  /** ...up to this cap, ms. */
  maxDelayMs: number;
  /** 0..1: fraction of each delay that is randomized (0 or absent = none). */
  jitter?: number;
  /** Give up after this many consecutive failed attempts (Infinity = never). */
  maxAttempts: number;
}

/** Backoff delay before retry number `attempt` (1-based), before jitter. */
export function backoffDelay(attempt: number, p: Pick<ReconnectPolicy, 'initialDelayMs' | 'backoffFactor' | 'maxDelayMs'>): number {
  return Math.min(p.maxDelayMs, p.initialDelayMs * Math.pow(p.backoffFactor, Math.max(0, attempt - 1)));
}

/**
 * Delay before retry number `attempt` (1-based), jitter included: uniform in
 * [(1 − jitter) · backoff, backoff]. `random` returns a number in [0, 1).
 */
export function reconnectDelay(attempt: number, p: Pick<ReconnectPolicy, 'initialDelayMs' | 'backoffFactor' | 'maxDelayMs' | 'jitter'>,
                               random: () => number = Math.random): number {
  const d = backoffDelay(attempt, p);
  const jitter = Math.min(1, Math.max(0, p.jitter ?? 0));
  return d * (1 - jitter * random());
}

export type ReconnectDecision =
  | { retry: true; delayMs: number }
  | { retry: false; reason: 'final-close-code' | 'attempts-exhausted' };

/**
 * After a lost connection: retry (and when), or stop. `attempt` counts the consecutive failures
 * so far, this one included (1 after the first loss); `final` is a close code after which the
 * same request would be refused again (stream not found, source ended, bad token).
 */
export function decideReconnect(attempt: number, final: boolean, p: ReconnectPolicy, random: () => number = Math.random): ReconnectDecision {
  if (final) return { retry: false, reason: 'final-close-code' };
  if (attempt > p.maxAttempts) return { retry: false, reason: 'attempts-exhausted' };
  return { retry: true, delayMs: reconnectDelay(attempt, p, random) };
}
