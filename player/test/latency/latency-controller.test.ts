import { describe, expect, it } from 'vitest';
import { WindowMin, decideLatencyAction, stallMargin, type LatencyInput, type LatencyPolicy } from '../../src/latency/latency-controller.js';
import { defaultPlayerConfig } from '../../src/config.js';

const F = 1 / 30;
// Explicit values (not the defaults) so that tuning the defaults does not rewrite these tests.
const policy: LatencyPolicy = { ...defaultPlayerConfig, targetBufferFrames: 1, catchUpEnterFrames: 1, catchUpExitFrames: 0.25,
  maxPlaybackRate: 1.15, playbackRateGain: 1.5, stallGuardSeconds: 0, minPlaybackRate: 1, seekThresholdSeconds: 0.5, seekCooldownMs: 1000 };

function input(over: Partial<LatencyInput>): LatencyInput {
  return { bufferedStart: 0, bufferedEnd: 10, currentTime: 10 - F, frameInterval: F, playbackRate: 1,
    msSinceSeek: Infinity, seeking: false, forceLiveEdge: false, ...over };
}

describe('decideLatencyAction', () => {
  it('does nothing inside the band at rate 1', () => {
    expect(decideLatencyAction(input({ currentTime: 10 - 1.5 * F }), policy)).toEqual({ kind: 'none' });
  });

  it('speeds up (bounded) above the band', () => {
    const a = decideLatencyAction(input({ currentTime: 10 - 4 * F }), policy);
    expect(a.kind).toBe('rate');
    if (a.kind === 'rate') {
      expect(a.playbackRate).toBeGreaterThan(1);
      expect(a.playbackRate).toBeLessThanOrEqual(policy.maxPlaybackRate);
      expect(a.reason).toBe('catch-up');
    }
    const big = decideLatencyAction(input({ currentTime: 10 - 0.45 }), policy);
    expect(big).toMatchObject({ kind: 'rate', playbackRate: policy.maxPlaybackRate });
  });

  it('has hysteresis: keeps catching up until within the exit line, then returns to 1.0', () => {
    // between exit (target + 0.25 F) and enter (target + 1 F): keeps the current state
    const mid = input({ currentTime: 10 - 1.6 * F });
    expect(decideLatencyAction(mid, policy)).toEqual({ kind: 'none' });
    expect(decideLatencyAction({ ...mid, playbackRate: 1.1 }, policy)).toMatchObject({ kind: 'rate', reason: 'catch-up' });
    const done = decideLatencyAction(input({ currentTime: 10 - 1.1 * F, playbackRate: 1.1 }), policy);
    expect(done).toEqual({ kind: 'rate', playbackRate: 1, reason: 'in-band' });
  });

  it('never goes below 1.0 by default, even at the edge', () => {
    expect(decideLatencyAction(input({ currentTime: 10 }), policy)).toEqual({ kind: 'none' });
    const slow = decideLatencyAction(input({ currentTime: 10 - 0.001 }), { ...policy, stallGuardSeconds: 0.005, minPlaybackRate: 0.95 });
    expect(slow).toEqual({ kind: 'rate', playbackRate: 0.95, reason: 'stall-guard' });
  });

  it('seeks to bufferedEnd - target for large drift (the cached GOP burst on join)', () => {
    const a = decideLatencyAction(input({ currentTime: 9, bufferedStart: 9 }), policy);
    expect(a.kind).toBe('seek');
    if (a.kind === 'seek') expect(a.to).toBeCloseTo(10 - F, 9);
  });

  it('respects the seek cooldown, and never seeks before bufferedStart', () => {
    expect(decideLatencyAction(input({ currentTime: 9, msSinceSeek: 100 }), policy)).toEqual({ kind: 'none' });
    const a = decideLatencyAction(input({ currentTime: 9.9, bufferedStart: 9.99 }), { ...policy, targetBufferFrames: 2, seekThresholdSeconds: 0.05 });
    expect(a).toMatchObject({ kind: 'seek' });
    if (a.kind === 'seek') expect(a.to).toBe(9.99);
  });

  it('forced jumps (tab return) ignore thresholds and cooldown', () => {
    const a = decideLatencyAction(input({ currentTime: 10 - 3 * F, forceLiveEdge: true, msSinceSeek: 0 }), policy);
    expect(a).toMatchObject({ kind: 'seek', reason: 'forced' });
  });

  it('decides nothing while seeking or without a buffer', () => {
    expect(decideLatencyAction(input({ currentTime: 5, seeking: true }), policy)).toEqual({ kind: 'none' });
    expect(decideLatencyAction(input({ bufferedEnd: 0, bufferedStart: 0, currentTime: 0 }), policy)).toEqual({ kind: 'none' });
  });

  it('uses the filtered buffer for rate and the raw buffer for seeks', () => {
    // raw buffer is 4 frames (a jittery late burst), but the window minimum is 1 frame: stay at 1.0
    expect(decideLatencyAction(input({ currentTime: 10 - 4 * F, filteredBuffer: F }), policy)).toEqual({ kind: 'none' });
  });

  it('target 0 frames: catches up whenever there is more than one frame of slack', () => {
    const p0 = { ...policy, targetBufferFrames: 0 };
    expect(decideLatencyAction(input({ currentTime: 10 - 0.5 * F }), p0)).toEqual({ kind: 'none' });
    expect(decideLatencyAction(input({ currentTime: 10 - 1.5 * F }), p0)).toMatchObject({ kind: 'rate', reason: 'catch-up' });
  });
});

describe('WindowMin', () => {
  it('tracks the minimum over a sliding window', () => {
    const w = new WindowMin(1000);
    expect(w.push(0, 5)).toBe(5);
    expect(w.push(100, 3)).toBe(3);
    expect(w.push(200, 4)).toBe(3);
    expect(w.push(1150, 6)).toBe(4);
    expect(w.push(1250, 7)).toBe(6);
  });
});

describe('stallMargin (adaptive jitter margin)', () => {
  const o = { stallTargetStepFrames: 1, stallTargetMaxFrames: 2, stallTargetDecayMs: 15_000 };
  it('is 0 without stalls, grows per stall up to the cap, and decays one step per quiet period', () => {
    expect(stallMargin([], 1000, o)).toBe(0);
    expect(stallMargin([1000], 2000, o)).toBe(1);
    expect(stallMargin([1000, 2000, 3000], 4000, o)).toBe(2);
    expect(stallMargin([1000, 2000, 3000], 3000 + 15_000, o)).toBe(1);
    expect(stallMargin([1000, 2000, 3000], 3000 + 30_000, o)).toBe(0);
    expect(stallMargin([1000, 40_000], 41_000, o)).toBe(1);
  });
});
