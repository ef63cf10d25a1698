import { describe, expect, it } from 'vitest';
import { selectMode, type FallbackSetting, type ModeTrigger, type PlaybackCapabilities } from '../../src/fallback/mode-selector.js';

/** Browsers as capability sets (what detectCapabilities() reads from them). */
const chromium: PlaybackCapabilities = { mediaSource: 'MediaSource', nativeHls: false };
const chromium156: PlaybackCapabilities = { mediaSource: 'MediaSource', nativeHls: true }; // canPlayType(HLS) = "maybe"
const safariMac: PlaybackCapabilities = { mediaSource: 'MediaSource', nativeHls: true };
const iosMms: PlaybackCapabilities = { mediaSource: 'ManagedMediaSource', nativeHls: true }; // iOS 17.1+
const iosOld: PlaybackCapabilities = { mediaSource: null, nativeHls: true }; // iOS before 17.1: no MSE at all
const nothing: PlaybackCapabilities = { mediaSource: null, nativeHls: false };

const start: ModeTrigger = { kind: 'start' };
const timeout: ModeTrigger = { kind: 'ws-timeout' };
const codecNative: ModeTrigger = { kind: 'codec-rejected', nativeHlsPlaysCodec: true };
const codecNowhere: ModeTrigger = { kind: 'codec-rejected', nativeHlsPlaysCodec: false };

describe('selectMode: the start of playback', () => {
  it('auto: the WebSocket path on MSE, ManagedMediaSource on iOS 17.1+, native HLS without MSE', () => {
    expect(selectMode(chromium, 'auto', start)).toEqual({ action: 'play', mode: 'ws', reason: 'initial' });
    expect(selectMode(safariMac, 'auto', start)).toEqual({ action: 'play', mode: 'ws', reason: 'initial' });
    expect(selectMode(iosMms, 'auto', start)).toEqual({ action: 'play', mode: 'mms', reason: 'initial' });
    expect(selectMode(iosOld, 'auto', start)).toEqual({ action: 'play', mode: 'native-hls', reason: 'mse-missing' });
  });

  it('auto: a browser with neither MSE nor HLS fails with a reason', () => {
    const d = selectMode(nothing, 'auto', start);
    expect(d.action).toBe('fail');
    expect(d.action === 'fail' && d.reason).toMatch(/no MediaSource Extensions and cannot play HLS/);
  });

  it('hls: hls.js wherever MSE exists (even where the element plays HLS), native HLS otherwise', () => {
    expect(selectMode(chromium, 'hls', start)).toEqual({ action: 'play', mode: 'hls.js', reason: 'forced' });
    expect(selectMode(safariMac, 'hls', start)).toEqual({ action: 'play', mode: 'hls.js', reason: 'forced' });
    expect(selectMode(iosMms, 'hls', start)).toEqual({ action: 'play', mode: 'hls.js', reason: 'forced' });
    expect(selectMode(iosOld, 'hls', start)).toEqual({ action: 'play', mode: 'native-hls', reason: 'forced' });
    expect(selectMode(nothing, 'hls', start).action).toBe('fail');
  });

  it('native: only where the element plays HLS', () => {
    expect(selectMode(chromium156, 'native', start)).toEqual({ action: 'play', mode: 'native-hls', reason: 'forced' });
    expect(selectMode(iosOld, 'native', start)).toEqual({ action: 'play', mode: 'native-hls', reason: 'forced' });
    const d = selectMode(chromium, 'native', start);
    expect(d.action === 'fail' && d.reason).toMatch(/cannot play HLS itself/);
  });

  it('ws: the WebSocket path or a failure, never HLS', () => {
    expect(selectMode(chromium, 'ws', start)).toEqual({ action: 'play', mode: 'ws', reason: 'initial' });
    expect(selectMode(iosMms, 'ws', start)).toEqual({ action: 'play', mode: 'mms', reason: 'initial' });
    expect(selectMode(iosOld, 'ws', start).action).toBe('fail');
  });
});

describe('selectMode: the first WebSocket connection timed out', () => {
  it('auto: hls.js where MSE exists (not native HLS, even on Safari)', () => {
    expect(selectMode(chromium, 'auto', timeout)).toEqual({ action: 'play', mode: 'hls.js', reason: 'ws-timeout' });
    expect(selectMode(safariMac, 'auto', timeout)).toEqual({ action: 'play', mode: 'hls.js', reason: 'ws-timeout' });
    expect(selectMode(iosMms, 'auto', timeout)).toEqual({ action: 'play', mode: 'hls.js', reason: 'ws-timeout' });
  });

  it('ws: stays on the WebSocket (keeps reconnecting)', () => {
    for (const caps of [chromium, safariMac, iosMms]) expect(selectMode(caps, 'ws', timeout)).toEqual({ action: 'stay' });
  });
});

describe('selectMode: MediaSource rejected the codec', () => {
  it('switches to native HLS only when the element claims the codec (hls.js would hit the same MSE check)', () => {
    expect(selectMode(safariMac, 'auto', codecNative)).toEqual({ action: 'play', mode: 'native-hls', reason: 'codec-rejected' });
    expect(selectMode(safariMac, 'hls', codecNative)).toEqual({ action: 'play', mode: 'native-hls', reason: 'codec-rejected' });
    expect(selectMode(safariMac, 'auto', codecNowhere).action).toBe('fail');
    expect(selectMode(chromium, 'auto', codecNative).action).toBe('fail'); // no native HLS at all
  });

  it('ws: fails instead of switching', () => {
    expect(selectMode(safariMac, 'ws', codecNative).action).toBe('fail');
  });
});

describe('selectMode: totality', () => {
  it('answers every combination of capabilities, setting and trigger with a valid decision', () => {
    const settings: FallbackSetting[] = ['auto', 'ws', 'hls', 'native'];
    const triggers: ModeTrigger[] = [start, timeout, codecNative, codecNowhere];
    for (const caps of [chromium, chromium156, safariMac, iosMms, iosOld, nothing]) {
      for (const setting of settings) {
        for (const trigger of triggers) {
          const d = selectMode(caps, setting, trigger);
          if (d.action !== 'play') continue;
          // A mode is only ever chosen when the browser has what it needs.
          if (d.mode === 'ws' || d.mode === 'hls.js') expect(caps.mediaSource, `${setting}/${trigger.kind}`).not.toBeNull();
          if (d.mode === 'mms') expect(caps.mediaSource).toBe('ManagedMediaSource');
          if (d.mode === 'native-hls') expect(caps.nativeHls).toBe(true);
          if (setting === 'ws') expect(d.mode === 'ws' || d.mode === 'mms').toBe(true);
          if (setting === 'native') expect(d.mode).toBe('native-hls');
        }
      }
    }
  });
});
