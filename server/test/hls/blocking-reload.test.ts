import { describe, expect, it } from 'vitest';
import { reloadState } from '../../src/hls/blocking-reload.js';
import { HlsPackager } from '../../src/hls/hls-packager.js';
import { PartStore } from '../../src/hls/part-store.js';
import { renderPlaylist } from '../../src/hls/playlist.js';
import { DEMO_FIXTURE, testLogger } from '../support/fixtures.js';
import { encodedFrames, parsePlaylist } from '../support/hls.js';

/** 30 fps, GOP 30: segments of five 0.2 s parts. After `frames` frames. */
function storeAfter(frames: number): PartStore {
  const store = new PartStore({ windowSegments: 6, segmentTargetMs: 1000, firstMsn: 0, firstPartNumber: 0, discontinuitySequence: 0 });
  const packager = new HlsPackager({ store, logger: testLogger, partTargetMs: 200, segmentTargetMs: 1000, firstInitId: 0 });
  for (const f of encodedFrames(DEMO_FIXTURE, { count: frames })) packager.onFrame(f);
  return store;
}

describe('Blocking Playlist Reload decisions (RFC 8216bis 6.2.5.2)', () => {
  // 72 frames: segments 0 and 1 complete, segment 2 open with parts 0 and 1.
  const store = storeAfter(72);

  it('answers at once what the playlist has, waits for what comes next', () => {
    expect(store.lastPart()).toMatchObject({ msn: 2, index: 1 });
    expect(reloadState(store, { msn: 2, part: 1 })).toBe('ready');
    expect(reloadState(store, { msn: 2, part: 2 })).toBe('wait');
    expect(reloadState(store, { msn: 0, part: 3 })).toBe('ready');
    // _HLS_msn alone: a complete segment M or later.
    expect(reloadState(store, { msn: 1, part: null })).toBe('ready');
    expect(reloadState(store, { msn: 2, part: null })).toBe('wait');
  });

  it('a part index past a complete segment\'s last part means part 0 of the next one', () => {
    // Segment 1 has parts 0–4; part 5 is part 0 of segment 2, which exists.
    expect(reloadState(store, { msn: 1, part: 5 })).toBe('ready');
    const fresh = storeAfter(60); // segment 1 complete, segment 2 has no part yet
    expect(reloadState(fresh, { msn: 1, part: 5 })).toBe('wait');
    expect(reloadState(fresh, { msn: 1, part: 4 })).toBe('ready');
  });

  it('refuses too far ahead: MSN beyond the last + 2, or more parts ahead than the Advance Part Limit', () => {
    expect(reloadState(store, { msn: 4, part: 0 })).toBe('wait');
    expect(reloadState(store, { msn: 5, part: 0 })).toBe('too-far');
    expect(reloadState(store, { msn: 5, part: null })).toBe('too-far');
    // PART-TARGET 0.204 s: the limit is 3 / 0.204 ≈ 14.7 parts past the last one (segment 2, part 1).
    expect(reloadState(store, { msn: 2, part: 15 })).toBe('wait');
    expect(reloadState(store, { msn: 2, part: 16 })).toBe('too-far');
    expect(reloadState(store, { msn: 3, part: 14 })).toBe('too-far');
  });

  it('segments that left the window are answered with the current playlist; ENDLIST ignores directives', () => {
    const long = storeAfter(30 * 20);
    expect(reloadState(long, { msn: 0, part: 0 })).toBe('ready');
    long.setEnded(true);
    expect(reloadState(long, { msn: 30, part: 0 })).toBe('ready');
  });
});

describe('Media Playlist', () => {
  it('has the LL-HLS tags, in order, with PART-HOLD-BACK = 3 × PART-TARGET and parts ≤ PART-TARGET', () => {
    const text = renderPlaylist(storeAfter(100), 'r1');
    const p = parsePlaylist(text);
    expect(text.split('\n').slice(0, 7)).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:6',
      '#EXT-X-TARGETDURATION:1',
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.612',
      '#EXT-X-PART-INF:PART-TARGET=0.204',
      '#EXT-X-MEDIA-SEQUENCE:0',
      '#EXT-X-DISCONTINUITY-SEQUENCE:0',
    ]);
    expect(Number(p.serverControl['PART-HOLD-BACK'])).toBeGreaterThanOrEqual(3 * p.partTarget);
    for (const s of p.segments) {
      expect(s.programDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      for (const part of s.parts) expect(part.duration).toBeLessThanOrEqual(p.partTarget);
      if (s.duration !== null) expect(Math.round(s.duration)).toBeLessThanOrEqual(p.targetDuration);
    }
    // EXT-X-MAP and PDT come before the first EXT-X-PART of their segment (4.4.4.9).
    expect(text.indexOf('#EXT-X-MAP')).toBeLessThan(text.indexOf('#EXT-X-PART:'));
    expect(p.preloadHint).toBe('part-r1-16.m4s');
  });
});
