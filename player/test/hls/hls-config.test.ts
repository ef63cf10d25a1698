import Hls from 'hls.js/light';
import { describe, expect, it } from 'vitest';
import { mergeConfig, PlayerConfigError } from '../../src/config.js';
import { lowLatencyHlsConfig, maxLatencyFor } from '../../src/hls/hls-config.js';

describe('lowLatencyHlsConfig', () => {
  it('asks hls.js for low-latency mode with catch-up and without its stall ratchet', () => {
    const c = lowLatencyHlsConfig(mergeConfig());
    expect(c.lowLatencyMode).toBe(true);
    expect(c.maxLiveSyncPlaybackRate).toBe(1.5);
    expect(c.liveSyncOnStallIncrease).toBe(0);
    expect(c.liveDurationInfinity).toBe(true);
    // Default target: the playlist's PART-HOLD-BACK, so no fixed liveSyncDuration / max latency.
    expect(c).not.toHaveProperty('liveSyncDuration');
    expect(c).not.toHaveProperty('liveMaxLatencyDuration');
  });

  it('is accepted by the real hls.js, with and without a configured target', () => {
    for (const user of [{}, { hlsTargetLatency: 1, hlsMaxLatency: 4 }]) {
      const hls = new Hls(lowLatencyHlsConfig(mergeConfig(user)));
      expect(hls.config.lowLatencyMode).toBe(true);
      expect(hls.config.liveSyncOnStallIncrease).toBe(0);
      if ('hlsTargetLatency' in user) expect(hls.config.liveSyncDuration).toBe(1);
      hls.destroy();
    }
  });

  it('hls.js refuses a max latency without a sync duration: the reason the default leaves both out', () => {
    expect(() => new Hls({ liveMaxLatencyDuration: 3 })).toThrow(/Illegal hls.js config/);
  });

  it('the targetLatency setter of the real hls.js takes the ratchet value (hls.js PR #6473)', () => {
    const hls = new Hls(lowLatencyHlsConfig(mergeConfig()));
    hls.targetLatency = 0.85;
    expect(hls.config.liveSyncDuration).toBe(0.85);
    hls.destroy();
  });

  it('leaves room above the target for the ratchet when the playlist decides the target', () => {
    const c = mergeConfig();
    expect(maxLatencyFor(0.3, c)).toBe(2); // hlsMaxLatency
    expect(maxLatencyFor(0.612, c)).toBeCloseTo(2.112); // PART-HOLD-BACK of 0.204 s parts + 1 s ratchet + 0.5 s
    expect(maxLatencyFor(3, c)).toBe(4.5);
  });
});

describe('mergeConfig: fallback options', () => {
  it('accepts the four fallback settings and refuses others', () => {
    for (const fallback of ['auto', 'ws', 'hls', 'native'] as const) expect(mergeConfig({ fallback }).fallback).toBe(fallback);
    expect(() => mergeConfig({ fallback: 'flash' as never })).toThrow(PlayerConfigError);
  });

  it('refuses a max latency that leaves no room above a configured target', () => {
    expect(() => mergeConfig({ hlsTargetLatency: 2, hlsMaxLatency: 2.5 })).toThrow(/hlsMaxLatency/);
  });
});
