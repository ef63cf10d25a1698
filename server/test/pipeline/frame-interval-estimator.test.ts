import { describe, expect, it } from 'vitest';
import { FrameIntervalEstimator } from '../../src/pipeline/frame-interval-estimator.js';

/** Arrival times of `n` frames at `fps` with deterministic jitter of up to ±jitterMs. */
function arrivals(n: number, fps: number, jitterMs: number, start = 1000): number[] {
  return Array.from({ length: n }, (_, i) => start + (i * 1000) / fps + (((i * 7919) % 11) / 10 - 0.5) * 2 * jitterMs);
}

function estimates(times: number[], window?: number): number[] {
  const e = new FrameIntervalEstimator(window);
  return times.map((t) => e.add(t)).filter((v): v is number => v !== null);
}

describe('FrameIntervalEstimator', () => {
  it.each([20, 30, 15, 25])('finds %i fps (snapped) from jittery arrivals after one window', (fps) => {
    const out = estimates(arrivals(61, fps, 3));
    expect(out).toHaveLength(2);
    for (const v of out) expect(v).toBeCloseTo(1000 / fps, 9);
  });

  it('keeps an uncommon rate as measured', () => {
    const [v] = estimates(arrivals(31, 17, 0));
    expect(v).toBeCloseTo(1000 / 17, 6);
  });

  it('ignores frames that arrived in the same read and lone stalls', () => {
    const times: number[] = [];
    for (let i = 0; i < 40; i++) {
      const t = 1000 + i * 50 + (i > 20 ? 400 : 0); // one 450 ms stall
      times.push(t);
      if (i % 5 === 0) times.push(t); // a burst: two pictures in one chunk
    }
    const [v] = estimates(times);
    expect(v).toBeCloseTo(50, 9);
  });

  it('gives no estimate outside 5–120 fps', () => {
    expect(estimates(arrivals(31, 2, 0))).toEqual([]);
    expect(estimates(arrivals(31, 500, 0))).toEqual([]);
  });
});
