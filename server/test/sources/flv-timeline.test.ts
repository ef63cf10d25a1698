import { describe, expect, it } from 'vitest';
import { FlvTimeline } from '../../src/sources/flv-timeline.js';

describe('FlvTimeline', () => {
  it('snaps millisecond FLV timestamps back onto the exact 90 kHz frame grid', () => {
    const t = new FlvTimeline();
    t.setFps(30000 / 1001);
    const out = Array.from({ length: 3000 }, (_, n) => t.map(Math.round((n * 1001) / 30), 0));
    out.forEach((o, n) => expect(o.dts).toBeCloseTo(n * 3003, 6));
    expect(out[1]!.duration).toBeCloseTo(3003, 6);
  });

  it('keeps composition offsets and re-anchors after a jump', () => {
    const t = new FlvTimeline();
    t.setFps(25);
    expect(t.map(0, 80)).toMatchObject({ dts: 0, pts: 7200 });
    expect(t.map(40, 40)).toMatchObject({ dts: 3600, pts: 7200 });
    expect(t.map(10_017, 0).dts).toBe(10_017 * 90); // off-grid: raw value, new anchor
    expect(t.map(10_057, 0).dts).toBe(10_017 * 90 + 3600);
  });

  it('without a known frame rate uses raw ms × 90, strictly increasing', () => {
    const t = new FlvTimeline();
    expect(t.map(0, 0).dts).toBe(0);
    expect(t.map(33, 0).dts).toBe(2970);
    expect(t.map(33, 0).dts).toBe(2971);
  });
});
