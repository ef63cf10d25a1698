import { describe, expect, it, vi } from 'vitest';
import { PlayerConfigError, defaultPlayerConfig, mergeConfig } from '../src/config.js';
import { backBufferRange } from '../src/mse/back-buffer.js';
import { CaptureTimeMap } from '../src/stats/capture-time-map.js';

describe('mergeConfig', () => {
  it('returns the defaults', () => {
    expect(mergeConfig()).toEqual(defaultPlayerConfig);
  });
  it('throws on unknown keys and contradictions', () => {
    expect(() => mergeConfig({ nope: 1 } as never)).toThrow(PlayerConfigError);
    expect(() => mergeConfig({ catchUpExitFrames: 3, catchUpEnterFrames: 1 })).toThrow(/hysteresis/);
    expect(() => mergeConfig({ reconnectInitialDelayMs: 9000, reconnectMaxDelayMs: 100 })).toThrow(PlayerConfigError);
  });
  it('clamps out-of-range values with a warning', () => {
    const warn = vi.fn();
    expect(mergeConfig({ maxPlaybackRate: 5 }, warn).maxPlaybackRate).toBe(2);
    expect(warn).toHaveBeenCalledOnce();
  });
});

describe('backBufferRange', () => {
  it('keeps `seconds` behind currentTime', () => {
    expect(backBufferRange([{ start: 0, end: 30 }], 29, 10)).toEqual({ start: 0, end: 19 });
    expect(backBufferRange([{ start: 0, end: 5 }], 4, 10)).toBeNull();
  });
});

describe('CaptureTimeMap', () => {
  it('finds the nearest entry within the tolerance and stays bounded', () => {
    const m = new CaptureTimeMap(4);
    for (let i = 0; i < 6; i++) m.set((i * 3003) / 90000, 1000 + i, 50 + i);
    expect(m.size).toBe(4);
    expect(m.get(0.16683, 1 / 60)).toEqual({ captureTimeMs: 1005, arrivalMs: 55 }); // 5 * 3003 / 90000 = 0.166833.. rounded to µs by the browser
    expect(m.get(0.1, 1 / 60)).toEqual({ captureTimeMs: 1003, arrivalMs: 53 });
    expect(m.get(0, 1 / 60)).toBeUndefined(); // evicted
  });
});
