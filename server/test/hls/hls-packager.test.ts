import { TIMESCALE } from '@framewire/shared';
import { describe, expect, it } from 'vitest';
import { HlsPackager, MAX_SEGMENT_TICKS } from '../../src/hls/hls-packager.js';
import { PartStore } from '../../src/hls/part-store.js';
import { renderPlaylist } from '../../src/hls/playlist.js';
import { DEMO_FIXTURE, NOAUD_FIXTURE, testLogger } from '../support/fixtures.js';
import { allParts, encodedFrames, findBoxes, inspect, parsePlaylist } from '../support/hls.js';

const RUN = 'abc123';

function setup(o: { partTargetMs?: number; segmentTargetMs?: number; windowSegments?: number; now?: () => number } = {}) {
  const store = new PartStore({
    windowSegments: o.windowSegments ?? 6,
    segmentTargetMs: o.segmentTargetMs ?? 1000,
    firstMsn: 0,
    firstPartNumber: 0,
    discontinuitySequence: 0,
    ...(o.now ? { now: o.now } : {}),
  });
  const packager = new HlsPackager({ store, logger: testLogger, partTargetMs: o.partTargetMs ?? 200, segmentTargetMs: o.segmentTargetMs ?? 1000, firstInitId: 0, ...(o.now ? { now: o.now } : {}) });
  return { store, packager, playlist: () => parsePlaylist(renderPlaylist(store, RUN)) };
}

interface Trun {
  samples: { duration: number; size: number; compositionTimeOffset: number; flags: { dependsOn: number; isNonSyncSample: number } }[];
}
const trunOf = (bytes: Uint8Array) => findBoxes(inspect(bytes), 'trun')[0] as unknown as Trun;
const tfdtOf = (bytes: Uint8Array) => findBoxes(inspect(bytes), 'tfdt')[0]!.baseMediaDecodeTime as number;

describe('HlsPackager', () => {
  it('closes a part on the frame that fills it: six 30 fps frames, published as that frame arrives', () => {
    const { store, packager } = setup();
    const frames = encodedFrames(DEMO_FIXTURE, { count: 13 });
    for (let i = 0; i < 5; i++) packager.onFrame(frames[i]!);
    expect(store.lastPart()).toBeNull();
    packager.onFrame(frames[5]!);
    // The sixth frame completes part 0 in the same call: nothing waits for frame 7 or a timer.
    expect(store.lastPart()).toMatchObject({ number: 0, msn: 0, index: 0, duration: 18_000, independent: true });
    for (let i = 6; i < 12; i++) packager.onFrame(frames[i]!);
    expect(store.lastPart()).toMatchObject({ number: 1, index: 1, duration: 18_000, independent: false });
    // PART-TARGET: six frames plus 2 % slack, in whole ms; parts are ≤ it and ≥ 85 % of it (RFC 8216bis 4.4.4.9).
    expect(store.partTargetSeconds).toBe(0.204);
    expect(18_000 / TIMESCALE).toBeGreaterThanOrEqual(0.85 * store.partTargetSeconds);
  });

  it('writes a multi-sample moof: dts deltas as durations, the last one from the estimate, sync flags, tfdt', () => {
    const { store, packager } = setup();
    for (const f of encodedFrames(DEMO_FIXTURE, { count: 12, startDts: 900_000 })) packager.onFrame(f);
    const [p0, p1] = [store.part(0)!, store.part(1)!];
    const t0 = trunOf(p0.bytes);
    expect(t0.samples).toHaveLength(6);
    expect(t0.samples.map((s) => s.duration)).toEqual([3000, 3000, 3000, 3000, 3000, 3000]);
    expect(t0.samples.map((s) => [s.flags.dependsOn, s.flags.isNonSyncSample])).toEqual([[2, 0], ...Array(5).fill([1, 1])]);
    expect(t0.samples.every((s) => s.compositionTimeOffset === 0)).toBe(true);
    // tfdt follows the source's dts (no re-basing to 0).
    expect(tfdtOf(p0.bytes)).toBe(900_000);
    expect(tfdtOf(p1.bytes)).toBe(918_000);
  });

  it('cuts segments at key frames (GOP 30 = 1 s: five parts), lists them with EXTINF, PDT and INDEPENDENT', () => {
    const { store, packager, playlist } = setup();
    for (const f of encodedFrames(DEMO_FIXTURE, { count: 96 })) packager.onFrame(f);
    const p = playlist();
    expect(p.segments.slice(0, 3).map((s) => [s.msn, s.duration, s.parts.length])).toEqual([[0, 1, 5], [1, 1, 5], [2, 1, 5]]);
    expect(p.segments[3]).toMatchObject({ msn: 3, uri: null, duration: null }); // open: parts only
    expect(p.segments[3]!.parts).toHaveLength(1);
    for (const s of p.segments) expect(s.parts.map((x) => x.independent)).toEqual(s.parts.map((_, i) => i === 0));
    expect(p.targetDuration).toBe(1);
    expect(p.preloadHint).toBe(`part-${RUN}-${store.nextPartNumber}.m4s`);
    expect(p.segments[1]!.programDateTime).toBe(new Date(1_700_000_000_000 + 1000).toISOString());
    // A segment is its parts back to back (one buffer; parts are views into it).
    const seg = store.segment(1)!;
    expect(seg.bytes!.byteLength).toBe(seg.parts.reduce((n, x) => n + x.bytes.byteLength, 0));
    expect(seg.parts[1]!.bytes.buffer).toBe(seg.bytes!.buffer);
    expect(findBoxes(inspect(seg.bytes!), 'moof')).toHaveLength(5);
  });

  it('carries B-frame composition offsets (pts ≥ dts) into trun', () => {
    const { store, packager } = setup();
    const offsets = [0, 9000, 3000, 3000, 9000, 3000];
    for (const f of encodedFrames(DEMO_FIXTURE, { count: 6, compositionOffset: (i) => offsets[i]! })) packager.onFrame(f);
    expect(trunOf(store.part(0)!.bytes).samples.map((s) => s.compositionTimeOffset)).toEqual(offsets);
  });

  it('keeps the last sample of a part on the estimate and does not overlap the next part when the estimate was long', () => {
    const { store, packager } = setup();
    // Header says 3003 per frame, the real interval is 3000: part 0's last sample claims 3003.
    for (const frame of encodedFrames(DEMO_FIXTURE, { count: 12, duration: 3000 })) {
      // dts 3000 apart, but the header's duration estimate (u32 at byte 20) says 3003.
      const bytes = frame.bytes.slice();
      new DataView(bytes.buffer).setUint32(20, 3003);
      packager.onFrame({ bytes, key: frame.key });
    }
    const p0 = store.part(0)!;
    expect(trunOf(p0.bytes).samples.at(-1)!.duration).toBe(3003);
    expect(tfdtOf(store.part(1)!.bytes)).toBeGreaterThanOrEqual(tfdtOf(p0.bytes) + p0.duration);
  });

  it('a new SPS makes a new init segment and an EXT-X-DISCONTINUITY; the timeline goes on', () => {
    const { store, packager, playlist } = setup();
    for (const f of encodedFrames(NOAUD_FIXTURE, { count: 60 })) packager.onFrame(f);
    for (const f of encodedFrames(DEMO_FIXTURE, { count: 31, startDts: 0 })) packager.onFrame(f);
    const p = playlist();
    const maps = [...new Set(p.segments.map((s) => s.map))];
    expect(maps).toEqual([`init-${RUN}-0.mp4`, `init-${RUN}-1.mp4`]);
    const switched = p.segments.findIndex((s) => s.map.endsWith('-1.mp4'));
    expect(p.segments[switched]!.discontinuity).toBe(true);
    expect(p.segments.filter((s) => s.discontinuity)).toHaveLength(1);
    expect(findBoxes(inspect(store.init(1)!), 'tkhd')[0]).toMatchObject({ width: 1280, height: 720 });
    // dts restarted at 0, the media timeline did not: the new segment starts where the old one ended.
    const before = store.segment(switched - 1)!;
    const after = store.segment(switched)!;
    expect(tfdtOf(after.parts[0]!.bytes)).toBe(tfdtOf(before.parts[0]!.bytes) + before.duration);
  });

  it('a source restart ends the segment and continues the timeline without a discontinuity tag', () => {
    const { store, packager, playlist } = setup();
    for (const f of encodedFrames(DEMO_FIXTURE, { count: 40, startDts: 5_000_000 })) packager.onFrame(f);
    packager.onStatus({ type: 'status', state: 'waiting', reason: 'restarting' });
    // Pending frames were published at once: 40 frames = segment 0 + a flushed segment 1.
    expect(store.openSegment).toBeNull();
    expect(store.segment(1)!.duration).toBe(10 * 3000);
    for (const f of encodedFrames(DEMO_FIXTURE, { count: 30, startDts: 0, discontinuity: true })) packager.onFrame(f);
    const p = playlist();
    expect(p.segments.some((s) => s.discontinuity)).toBe(false);
    expect(tfdtOf(store.segment(2)!.parts[0]!.bytes)).toBe(5_000_000 + 40 * 3000);
  });

  it('the first segment of a run ends at its second key frame, later ones at the target', () => {
    const { packager, playlist } = setup({ segmentTargetMs: 2000 });
    for (const f of encodedFrames(DEMO_FIXTURE, { count: 30 * 5 + 1 })) packager.onFrame(f);
    expect(playlist().segments.filter((s) => s.uri).map((s) => s.duration)).toEqual([1, 2, 2]);
  });

  it('idle (an on-demand source stopped, no one watching): the store is emptied; the next run starts afresh', () => {
    const { store, packager, playlist } = setup();
    for (const f of encodedFrames(DEMO_FIXTURE, { count: 70 })) packager.onFrame(f);
    const before = playlist();
    packager.onStatus({ type: 'status', state: 'idle' });
    expect(store.hasParts).toBe(false);
    expect(store.byteCount).toBe(0);
    for (const f of encodedFrames(DEMO_FIXTURE, { count: 31, discontinuity: true })) packager.onFrame(f);
    const after = playlist();
    // Numbering goes on (no URI names other bytes), under a new Discontinuity Sequence Number.
    expect(after.mediaSequence).toBe(before.segments.at(-1)!.msn + 1);
    expect(after.discontinuitySequence).toBe(1);
    expect(after.segments[0]!.map).toBe(`init-${RUN}-1.mp4`);
    expect(after.segments[0]!.discontinuity).toBe(false);
  });

  it('a short outage continues the playlist; one longer than the window starts it afresh', () => {
    let now = 0;
    const { store, packager } = setup({ now: () => now });
    for (const f of encodedFrames(DEMO_FIXTURE, { count: 90 })) packager.onFrame(f);
    packager.onStatus({ type: 'status', state: 'waiting', reason: 'restarting' });
    now += 2000;
    for (const f of encodedFrames(DEMO_FIXTURE, { count: 30, discontinuity: true })) packager.onFrame(f);
    expect(store.segment(0)).not.toBeNull();
    packager.onStatus({ type: 'status', state: 'error', reason: 'gone' });
    now += 60_000;
    for (const f of encodedFrames(DEMO_FIXTURE, { count: 30, discontinuity: true })) packager.onFrame(f);
    expect(store.segment(0)).toBeNull();
    expect(store.listed()[0]!.discontinuitySequence).toBe(1);
  });

  it('ended: EXT-X-ENDLIST and no preload hint', () => {
    const { packager, playlist } = setup();
    for (const f of encodedFrames(DEMO_FIXTURE, { count: 20 })) packager.onFrame(f);
    packager.onStatus({ type: 'status', state: 'ended', reason: 'done' });
    const p = playlist();
    expect(p.endList).toBe(true);
    expect(p.preloadHint).toBeNull();
    expect(p.segments.every((s) => s.uri !== null)).toBe(true);
  });

  it('a GOP longer than the segment target makes longer segments and a larger TARGETDURATION', () => {
    const { packager, playlist } = setup();
    for (const f of encodedFrames(NOAUD_FIXTURE, { count: 200, keyEvery: 75 })) packager.onFrame(f);
    const p = playlist();
    expect(p.segments.filter((s) => s.uri).map((s) => s.duration)).toEqual([2.5, 2.5]);
    expect(p.targetDuration).toBe(3);
    expect(p.segments.every((s) => s.parts[0]!.independent)).toBe(true);
  });

  it('without key frames a segment is cut at MAX_SEGMENT_TICKS (memory bound), its first part not INDEPENDENT', () => {
    const { store, packager } = setup();
    const frames = Math.ceil(MAX_SEGMENT_TICKS / 3000) + 10;
    for (const f of encodedFrames(NOAUD_FIXTURE, { count: frames, keyEvery: 100_000 })) packager.onFrame(f);
    expect(store.segment(0)!.duration).toBe(MAX_SEGMENT_TICKS);
    expect(store.segment(1)!.parts[0]!.independent).toBe(false);
  });

  it('waits for a key frame before the first part', () => {
    const { store, packager } = setup();
    const frames = encodedFrames(NOAUD_FIXTURE, { count: 60 });
    for (const f of frames.slice(1, 29)) packager.onFrame(f);
    expect(store.hasParts).toBe(false);
    for (const f of frames.slice(30, 36)) packager.onFrame(f);
    expect(store.lastPart()).toMatchObject({ independent: true });
  });

  it('keeps memory bounded: a minute of 1280x720 leaves a window of segments, the rest forgotten once unavailable', () => {
    let now = 0;
    const { store, packager, playlist } = setup({ now: () => now });
    for (const f of encodedFrames(DEMO_FIXTURE, { count: 1800 })) {
      now += 1000 / 30;
      packager.onFrame(f);
    }
    const p = playlist();
    expect(p.segments.filter((s) => s.uri)).toHaveLength(6);
    expect(p.mediaSequence).toBe(59 - 6);
    // Removed segments stay for their availability duration (segment + playlist ≈ 7 s), then go.
    expect(store.segmentCount).toBeLessThanOrEqual(6 + 1 + 8);
    expect(store.segment(p.mediaSequence - 1)).not.toBeNull();
    expect(store.segment(40)).toBeNull();
    // EXT-X-PART only within three target durations of the end (RFC 8216bis 6.2.2).
    expect(p.segments.filter((s) => s.parts.length > 0).length).toBeLessThanOrEqual(4);
    expect(allParts(p).length).toBeGreaterThan(0);
  });
});
