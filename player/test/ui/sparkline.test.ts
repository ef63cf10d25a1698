import { describe, expect, it } from 'vitest';
import { niceMax, SampleRing, sparklinePaths } from '../../src/ui/sparkline.js';
import { emptyStats } from '../../src/stats/stats-collector.js';
import { formatBitrate, formatMs, formatStatsText, MODE_LABELS, statsRows } from '../../src/ui/stats-format.js';

describe('SampleRing', () => {
  it('keeps the newest `capacity` samples, oldest first', () => {
    const r = new SampleRing(3);
    for (let i = 1; i <= 5; i++) r.push(i * 100, i);
    expect(r.size).toBe(3);
    expect(r.toArray().map((s) => s.v)).toEqual([3, 4, 5]);
    expect(r.toArray(400).map((s) => s.t)).toEqual([400, 500]);
  });
  it('stays bounded over a day of samples at 4 a second', () => {
    const r = new SampleRing(512);
    for (let i = 0; i < 4 * 86_400; i++) r.push(i * 250, i % 97);
    expect(r.size).toBe(512);
    const a = r.toArray();
    expect(a[0]!.t).toBe((4 * 86_400 - 512) * 250);
    expect(a.at(-1)!.t).toBe((4 * 86_400 - 1) * 250);
  });
  it('stores non-finite values as gaps', () => {
    const r = new SampleRing(4);
    r.push(0, Number.NaN);
    r.push(1, null);
    r.push(2, 5);
    expect(r.toArray().map((s) => s.v)).toEqual([null, null, 5]);
    r.clear();
    expect(r.size).toBe(0);
    expect(() => new SampleRing(0)).toThrow(RangeError);
  });
});

describe('sparkline scale and points', () => {
  it('rounds the top of the axis up to 1, 2, 5 × 10^n, at least the floor', () => {
    expect(niceMax([], 100)).toBe(100);
    expect(niceMax([40, 60], 100)).toBe(100);
    expect(niceMax([101])).toBe(200);
    expect(niceMax([260])).toBe(500);
    expect(niceMax([501])).toBe(1000);
    expect(niceMax([1200])).toBe(2000);
  });
  it('maps the window onto the canvas, breaks the line at gaps and clamps', () => {
    const samples = [
      { t: -1000, v: 50 }, // before the window: left out
      { t: 0, v: 0 },
      { t: 15_000, v: 50 },
      { t: 20_000, v: null }, // outage
      { t: 25_000, v: 100 },
      { t: 30_000, v: 400 }, // above max: clamped to the top
    ];
    const paths = sparklinePaths(samples, 30_000, 30_000, 300, 40, 100);
    expect(paths).toEqual([
      [[0, 40], [150, 20]],
      [[250, 0], [300, 0]],
    ]);
  });
});

describe('stats text', () => {
  it('shows every figure the overlay promises, in every mode', () => {
    const s = { ...emptyStats(), latencyMs: 45.4, latencyP50Ms: 47, latencyP95Ms: 61.2, fps: 30, bitrateKbps: 2400, bufferMs: 12,
      droppedFrames: 3, skippedFrames: 1, stalls: 2, reconnects: 4, width: 1280, height: 720, codec: 'avc1.42c01f' };
    const text = formatStatsText(s);
    expect(text).toContain('mode       ws  WebSocket + MSE');
    expect(text).toContain('latency    45 ms  (p50 47 ms, p95 61 ms)');
    expect(text).toContain('buffer     12 ms  rate 1.00');
    expect(text).toContain('fps        30');
    expect(text).toContain('bitrate    2.40 Mbit/s');
    expect(text).toContain('dropped    3  skipped 1  stalls 2');
    expect(text).toContain('reconnects 4');
    expect(text).toContain('video      1280x720 avc1.42c01f');
    expect(text).not.toContain('edge');
    for (const mode of ['ws', 'mms', 'hls.js', 'native-hls'] as const) {
      const rows = statsRows({ ...s, mode, edgeLatencyMs: 600, targetLatencyMs: 612 });
      expect(rows[0]!.value).toBe(`${mode}  ${MODE_LABELS[mode]}`);
      expect(rows.some((r) => r.key === 'edge')).toBe(mode === 'hls.js' || mode === 'native-hls');
    }
  });
  it('formats missing and small values', () => {
    expect(formatMs(null)).toBe('–');
    expect(formatMs(Number.NaN)).toBe('–');
    expect(formatMs(0.4)).toBe('0 ms');
    expect(formatBitrate(0)).toBe('0 kbit/s');
    expect(formatBitrate(850.4)).toBe('850 kbit/s');
    expect(formatStatsText(emptyStats())).toContain('latency    –  (p50 –, p95 –)');
  });
});
