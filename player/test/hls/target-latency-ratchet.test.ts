import { describe, expect, it } from 'vitest';
import { TargetLatencyRatchet } from '../../src/hls/target-latency-ratchet.js';

describe('TargetLatencyRatchet', () => {
  const options = { step: 0.25, maxExtra: 1, recoveryMs: 10_000 };

  it('raises the target by one step per stall, capped at base + maxExtra', () => {
    const r = new TargetLatencyRatchet(options);
    r.setBase(0.6);
    expect(r.target).toBe(0.6);
    expect(r.stall(1000)).toBeCloseTo(0.85);
    expect(r.stall(2000)).toBeCloseTo(1.1);
    for (let i = 0; i < 10; i++) r.stall(3000 + i);
    expect(r.target).toBeCloseTo(1.6);
  });

  it('comes back down one step per stall-free recovery period, exactly to the base (unlike hls.js, hls.js#6350)', () => {
    const r = new TargetLatencyRatchet(options);
    r.setBase(0.6);
    r.stall(0);
    r.stall(100);
    expect(r.tick(5000)).toBeNull(); // too soon
    expect(r.tick(10_100)).toBeCloseTo(0.85);
    expect(r.tick(15_000)).toBeNull(); // the step down restarts the period
    expect(r.tick(20_100)).toBe(0.6);
    expect(r.raisedBy).toBe(0);
    expect(r.tick(60_000)).toBeNull(); // at the base: nothing to do
  });

  it('a stall during recovery restarts the period', () => {
    const r = new TargetLatencyRatchet(options);
    r.setBase(1);
    r.stall(0);
    r.stall(9000);
    expect(r.tick(10_000)).toBeNull();
    expect(r.tick(19_000)).toBeCloseTo(1.25);
  });

  it('step 0 disables the ratchet altogether', () => {
    const r = new TargetLatencyRatchet({ ...options, step: 0 });
    r.setBase(0.6);
    expect(r.stall(0)).toBe(0.6);
    expect(r.tick(1e6)).toBeNull();
  });
});
