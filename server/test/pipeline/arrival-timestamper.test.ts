import { describe, expect, it } from 'vitest';
import { ArrivalTimestamper } from '../../src/pipeline/arrival-timestamper.js';

describe('ArrivalTimestamper', () => {
  it('turns jittery arrivals into exact uniform steps without drift over hours', () => {
    const t = new ArrivalTimestamper(3003); // 29.97 fps
    let seed = 7;
    const jitter = () => ((seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5) * 2400; // ±13 ms
    const frames = 30 * 3600 * 2; // two hours
    let dts = 0;
    for (let n = 0; n < frames; n++) dts = t.next(1000 + n * 3003 + (n === 0 ? 0 : jitter()));
    // Every step was exact (jitter < D/2), so the last dts is exactly on the nominal grid.
    expect(Math.abs(dts - (1000 + (frames - 1) * 3003))).toBe(0);
  });

  it('resyncs after a stall and keeps bursts strictly increasing', () => {
    const t = new ArrivalTimestamper(3000);
    expect(t.next(0)).toBe(0);
    expect(t.next(3100)).toBe(3000);
    expect(t.next(90_000)).toBe(90_000); // stalled ~1 s: resync to arrival
    expect(t.next(90_000)).toBe(93_000); // burst: same arrival, nominal spacing
    expect(t.next(90_000)).toBe(96_000);
  });
});
