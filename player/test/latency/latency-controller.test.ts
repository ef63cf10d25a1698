import { describe, expect, it } from 'vitest';
import { WindowMin, decideLatencyAction, type LatencyInput, type LatencyPolicy } from '../../src/latency/latency-controller.js';

const F = 1 / 30;
// Explicit values (not the defaults) so that tuning the defaults does not rewrite these tests.
const policy: LatencyPolicy = { targetBufferFrames: 0, catchUpEnterFrames: 0.5, catchUpExitFrames: 0.15,
  maxPlaybackRate: 1.1, playbackRateGain: 1.5, backlogFrames: 5, seekThresholdSeconds: 0.5, seekCooldownMs: 1000 };

function input(over: Partial<LatencyInput>): LatencyInput {
  return { bufferedStart: 0, bufferedEnd: 10, currentTime: 10 - F, frameInterval: F, playbackRate: 1,
    msSinceSeek: Infinity, seeking: false, forceLiveEdge: false, excessHold: 0, ...over };
}

describe('decideLatencyAction', () => {
  it('does nothing at the floor or inside the band at rate 1', () => {
    expect(decideLatencyAction(input({ excessHold: 0 }), policy)).toEqual({ kind: 'none' });
    expect(decideLatencyAction(input({ excessHold: 0.4 * F }), policy)).toEqual({ kind: 'none' });
  });

  it('does nothing before there is a hold-time estimate', () => {
    const { excessHold: _, ...noHold } = input({});
    expect(decideLatencyAction(noHold, policy)).toEqual({ kind: 'none' });
  });

  it('speeds up, bounded, when frames are held above the floor', () => {
    const a = decideLatencyAction(input({ excessHold: F }), policy);
    expect(a).toMatchObject({ kind: 'rate', reason: 'catch-up' });
    if (a.kind === 'rate') {
      expect(a.playbackRate).toBeGreaterThanOrEqual(1.01);
      expect(a.playbackRate).toBeLessThanOrEqual(policy.maxPlaybackRate);
    }
    expect(decideLatencyAction(input({ excessHold: 0.3 }), policy)).toMatchObject({ kind: 'rate', playbackRate: policy.maxPlaybackRate });
  });

  it('has hysteresis: keeps catching up until below the exit line, then returns to 1.0', () => {
    const mid = input({ excessHold: 0.3 * F });
    expect(decideLatencyAction(mid, policy)).toEqual({ kind: 'none' });
    expect(decideLatencyAction({ ...mid, playbackRate: 1.05 }, policy)).toMatchObject({ kind: 'rate', reason: 'catch-up' });
    expect(decideLatencyAction(input({ excessHold: 0.1 * F, playbackRate: 1.05 }), policy))
      .toEqual({ kind: 'rate', playbackRate: 1, reason: 'in-band' });
  });

  it('catches up a backlog in the buffer before the hold signal is trusted, and stops once it is gone', () => {
    const { excessHold: _, ...noHold } = input({});
    const behind = { ...noHold, currentTime: 10 - 6 * F }; // 6 frames buffered, 1 above backlogFrames
    const a = decideLatencyAction(behind, policy);
    expect(a).toMatchObject({ kind: 'rate', reason: 'catch-up' });
    if (a.kind === 'rate') expect(a.playbackRate).toBeCloseTo(1 + 1.5 * F, 2);
    expect(decideLatencyAction({ ...noHold, currentTime: 10 - 12 * F }, policy)).toMatchObject({ kind: 'rate', playbackRate: policy.maxPlaybackRate });
    // The buffer wins over a hold signal that says nothing is held (a floor measured during the backlog).
    expect(decideLatencyAction(input({ currentTime: 10 - 9 * F, excessHold: 0 }), policy)).toMatchObject({ kind: 'rate', reason: 'catch-up' });
    // Within backlogFrames: nothing, and a catch-up with no hold estimate returns to 1.0.
    expect(decideLatencyAction({ ...noHold, currentTime: 10 - 4 * F }, policy)).toEqual({ kind: 'none' });
    expect(decideLatencyAction({ ...noHold, currentTime: 10 - 4 * F, playbackRate: 1.05 }, policy))
      .toEqual({ kind: 'rate', playbackRate: 1, reason: 'in-band' });
  });

  it('never slows below 1.0', () => {
    expect(decideLatencyAction(input({ excessHold: -0.01 }), policy)).toEqual({ kind: 'none' });
  });

  it('seeks to the live edge on large drift (the cached GOP burst on join), never before the buffered start', () => {
    const a = decideLatencyAction(input({ currentTime: 9, bufferedStart: 9 }), policy);
    expect(a).toEqual({ kind: 'seek', to: 10, reason: 'drift' });
    const kept = decideLatencyAction(input({ currentTime: 9 }), { ...policy, targetBufferFrames: 2 });
    expect(kept).toEqual({ kind: 'seek', to: 10 - 2 * F, reason: 'drift' });
    const clamped = decideLatencyAction(input({ currentTime: 9.3, bufferedStart: 9.99 }), { ...policy, targetBufferFrames: 2, seekThresholdSeconds: 0.05 });
    expect(clamped).toEqual({ kind: 'seek', to: 9.99, reason: 'drift' });
  });

  it('seeks at most once per cooldown, but a forced live-edge jump ignores it', () => {
    expect(decideLatencyAction(input({ currentTime: 9, msSinceSeek: 100 }), policy)).toEqual({ kind: 'none' });
    expect(decideLatencyAction(input({ currentTime: 10 - 3 * F, forceLiveEdge: true, msSinceSeek: 0 }), policy))
      .toEqual({ kind: 'seek', to: 10, reason: 'forced' });
  });

  it('a forced jump already at the live edge does not seek (a seek re-decodes from the key frame)', () => {
    expect(decideLatencyAction(input({ currentTime: 10 - 1.2 * F, forceLiveEdge: true }), { ...policy, targetBufferFrames: 1 }))
      .toEqual({ kind: 'none', done: true });
  });

  it('a forced jump with a lead aims past the newest frame, in whole frames (the element waits for it)', () => {
    const p1 = { ...policy, targetBufferFrames: 1 };
    expect(decideLatencyAction(input({ currentTime: 8, forceLiveEdge: true, leadSeconds: 0.1 }), p1))
      .toEqual({ kind: 'seek', to: 10 + 2 * F, reason: 'forced' });
    // 1 fps: a 0.1 s lead rounds to no frame at all (never wait a whole second for a picture).
    expect(decideLatencyAction(input({ currentTime: 5, frameInterval: 1, forceLiveEdge: true, leadSeconds: 0.1 }), p1))
      .toEqual({ kind: 'seek', to: 9, reason: 'forced' });
    // Already at the edge: no seek, lead or not.
    expect(decideLatencyAction(input({ currentTime: 10 - 1.2 * F, forceLiveEdge: true, leadSeconds: 0.1 }), p1)).toEqual({ kind: 'none', done: true });
    // Drift seeks never lead.
    expect(decideLatencyAction(input({ currentTime: 9, leadSeconds: 0.1 }), p1)).toEqual({ kind: 'seek', to: 10 - F, reason: 'drift' });
  });

  it('while paused (a background tab, the viewer): no drift seek or rate change, only a forced jump', () => {
    expect(decideLatencyAction(input({ currentTime: 8, paused: true }), policy)).toEqual({ kind: 'none' });
    expect(decideLatencyAction(input({ excessHold: 0.3, paused: true }), policy)).toEqual({ kind: 'none' });
    expect(decideLatencyAction(input({ currentTime: 8, paused: true, forceLiveEdge: true }), policy)).toEqual({ kind: 'seek', to: 10, reason: 'forced' });
  });

  it('decides nothing while seeking or with nothing buffered', () => {
    expect(decideLatencyAction(input({ currentTime: 5, seeking: true }), policy)).toEqual({ kind: 'none' });
    expect(decideLatencyAction(input({ bufferedEnd: 0, bufferedStart: 0, currentTime: 0 }), policy)).toEqual({ kind: 'none' });
  });
});

describe('WindowMin', () => {
  it('is the minimum of the last windowMs of samples, and reports how long it has been fed', () => {
    const w = new WindowMin(1000);
    expect(w.push(0, 5)).toBe(5);
    expect(w.push(100, 3)).toBe(3);
    expect(w.push(600, 4)).toBe(3);
    expect(w.push(1200, 6)).toBe(4); // the 3 at t=100 left the window
    expect(w.spanMs(1200)).toBe(1200);
    w.reset();
    expect(w.spanMs(1300)).toBe(0);
    expect(w.push(1300, 9)).toBe(9);
  });
});

describe('LatencyController after a seek', () => {
  /** Just enough of a <video> for the controller: one buffered range that grows with time. */
  function fakeVideo() {
    const v = {
      currentTime: 0,
      playbackRate: 1,
      seeking: false,
      end: 0,
      get buffered() {
        const end = v.end;
        return { length: 1, start: () => 0, end: () => end };
      },
    };
    return v;
  }
  const options = { ...policy, targetBufferFrames: 1, holdFloorWindowMs: 10_000, holdRecentWindowMs: 500 };

  it('keeps the floor across a seek, so frames the seek left behind are caught up', async () => {
    const { LatencyController } = await import('../../src/latency/latency-controller.js');
    const v = fakeVideo();
    const c = new LatencyController(v as unknown as HTMLVideoElement, options);
    c.setFrameInterval(F);
    let t = 0;
    const frame = (holdMs: number): void => {
      t += 1000 * F;
      v.end = t / 1000;
      v.currentTime = v.end - F;
      c.evaluate(holdMs, t);
    };
    for (let i = 0; i < 90; i++) frame(20); // 3 s at the floor: 20 ms from arrival to display
    expect(v.playbackRate).toBe(1);
    c.requestLiveEdge();
    v.currentTime = v.end - 5 * F; // e.g. a tab return: behind the newest frame
    c.evaluate(undefined, t);
    expect(c.snapshot().seeks).toBe(1);
    // After the seek every frame is held three frames longer (the decode the seek needed).
    frame(20 + 3000 * F);
    frame(20 + 3000 * F);
    expect(v.playbackRate, 'two frames are not enough to believe the excess').toBe(1);
    for (let i = 0; i < 4; i++) frame(20 + 3000 * F);
    expect(v.playbackRate, 'catching up the standing excess within ~0.2 s of the seek').toBeGreaterThan(1);
    c.destroy();
  });
});
