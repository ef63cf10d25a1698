import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultPlayerConfig } from '../../src/config.js';
import { backoffDelay, decideReconnect, reconnectDelay, type ReconnectPolicy } from '../../src/transport/reconnect-policy.js';
import { WsClient } from '../../src/transport/ws-client.js';
import { FakeWebSocket } from '../helpers/fake-websocket.js';

const defaults: ReconnectPolicy = {
  initialDelayMs: defaultPlayerConfig.reconnectInitialDelayMs,
  backoffFactor: defaultPlayerConfig.reconnectBackoffFactor,
  maxDelayMs: defaultPlayerConfig.reconnectMaxDelayMs,
  jitter: defaultPlayerConfig.reconnectJitter,
  maxAttempts: defaultPlayerConfig.reconnectMaxAttempts,
};

describe('reconnect policy (defaults)', () => {
  it('makes the first retry within 500 ms whatever the jitter draws', () => {
    for (const r of [0, 0.25, 0.5, 0.999]) {
      const d = decideReconnect(1, false, defaults, () => r);
      expect(d.retry).toBe(true);
      if (d.retry) expect(d.delayMs).toBeLessThanOrEqual(500);
    }
  });

  it('backs off exponentially and caps at 10 s', () => {
    const plain = Array.from({ length: 14 }, (_, i) => backoffDelay(i + 1, defaults));
    for (let i = 1; i < plain.length; i++) expect(plain[i]).toBeGreaterThanOrEqual(plain[i - 1]!);
    expect(plain[1]! / plain[0]!).toBeCloseTo(defaults.backoffFactor);
    expect(Math.max(...plain)).toBe(10_000);
    expect(plain[plain.length - 1]).toBe(10_000);
    // Never beyond the cap, jitter or not.
    for (let n = 1; n < 40; n++) expect(reconnectDelay(n, defaults, () => 0)).toBeLessThanOrEqual(10_000);
  });

  it('spreads retries over [(1 - jitter) d, d] and never later than the plain backoff', () => {
    const p = { initialDelayMs: 1000, backoffFactor: 2, maxDelayMs: 10_000, jitter: 0.5 };
    expect(reconnectDelay(1, p, () => 0)).toBe(1000);
    expect(reconnectDelay(1, p, () => 0.5)).toBe(750);
    expect(reconnectDelay(1, p, () => 0.9999)).toBeCloseTo(500, 0);
    expect(reconnectDelay(3, p, () => 0)).toBe(4000);
    // Two viewers with different draws do not retry at the same instant.
    expect(reconnectDelay(2, p, () => 0.1)).not.toBe(reconnectDelay(2, p, () => 0.7));
    // No jitter: deterministic.
    expect(reconnectDelay(2, { ...p, jitter: 0 }, () => 0.7)).toBe(2000);
  });

  it('after a short outage the next attempt is never far behind the server coming back', () => {
    // Worst case (no jitter, all delays at their maximum): the wait from any instant t in the
    // first 10 s of an outage to the next attempt stays within 0.6 t + 250 ms.
    let at = 0;
    const attempts: number[] = [];
    for (let n = 1; at < 12_000; n++) attempts.push((at += backoffDelay(n, defaults)));
    for (let t = 0; t < 10_000; t += 50) {
      const next = attempts.find((a) => a >= t)!;
      expect(next - t).toBeLessThanOrEqual(0.6 * t + 250);
    }
  });

  it('stops on final close codes and after maxAttempts', () => {
    expect(decideReconnect(1, true, defaults)).toEqual({ retry: false, reason: 'final-close-code' });
    const limited = { ...defaults, maxAttempts: 3 };
    expect(decideReconnect(3, false, limited).retry).toBe(true);
    expect(decideReconnect(4, false, limited)).toEqual({ retry: false, reason: 'attempts-exhausted' });
  });
});


describe('WsClient reconnects by the policy', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
    FakeWebSocket.instances = [];
  });

  it('retries with growing delays, resets after media, and stops on 4404', () => {
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeWebSocket);
    vi.spyOn(Math, 'random').mockReturnValue(0); // the upper end of each jittered delay
    const closes: number[] = [];
    const c = new WsClient('ws://x/live/a', { ...defaults }, {
      onOpen: () => {}, onControl: () => {}, onMedia: () => {},
      onClose: (_code, _reason, delay) => closes.push(delay),
    });
    c.connect();
    const drop = (code = 1006): void => FakeWebSocket.instances.at(-1)!.onclose!({ code, reason: '' });
    drop(1001);
    expect(closes).toEqual([250]);
    vi.advanceTimersByTime(249);
    expect(FakeWebSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    drop();
    expect(closes[1]).toBe(375);
    vi.advanceTimersByTime(375);
    // Media flows: the next outage starts with the short delay again.
    FakeWebSocket.instances.at(-1)!.onmessage!({ data: new ArrayBuffer(4) });
    drop();
    expect(closes[2]).toBe(250);
    // retryNow() skips the wait (browser back online).
    expect(c.retryNow()).toBe(true);
    expect(FakeWebSocket.instances).toHaveLength(4);
    drop(4404);
    expect(closes.at(-1)).toBe(-1);
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(4);
    c.close();
  });
});
