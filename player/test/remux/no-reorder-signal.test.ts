/// <reference types="node" />
/**
 * Issue 3, "Decoder delay": the init segment's avcC SPS says max_num_reorder_frames = 0 when the
 * stream's SPS has no bitstream_restriction and the stream cannot or does not reorder, and never
 * for a stream with B-frames.
 */
import { describe, expect, it } from 'vitest';
import inspector, { type InspectedBox } from 'mux.js/lib/tools/mp4-inspector.js';
import {
  decodeMediaFrame,
  encodeMediaFrame,
  parseSps,
  readBitstreamRestriction,
  rewriteSpsBitstreamRestriction,
  splitAvcc,
  MediaFlags,
  type MediaFrame,
} from '@framewire/shared';
import { Fmp4Remuxer, type RemuxResult } from '../../src/remux/fmp4-remuxer.js';
import { firstSliceType } from '../../src/remux/no-reorder-signal.js';
import { bframeClipFrames } from '../helpers/bframe-clip.js';
import { fixtureFrames } from '../helpers/fixture-frames.js';
import { findBox } from '../helpers/mp4-boxes.js';

const BASELINE = 'testsrc-320x240-30-baseline-noaud.h264';
const HIGH = 'demo-1280x720-30.h264';

/** The frames with every SPS's bitstream_restriction removed (as some encoders write them), and timestamps changed by `retime`. */
function stripped(
  frames: MediaFrame[],
  retime: (f: MediaFrame) => { pts: number; dts: number } = (f) => f,
  key: (f: MediaFrame) => boolean = (f) => (f.flags & MediaFlags.KEY) !== 0,
): MediaFrame[] {
  return frames.map((f) => {
    const nalus = splitAvcc(f.payload).map((n) => ((n[0]! & 0x1f) === 7 ? rewriteSpsBitstreamRestriction(n, { mode: 'remove' }) : n));
    const { pts, dts } = retime(f);
    const encoded = encodeMediaFrame(
      { nalus, key: key(f), dts, pts, duration: f.duration, captureTimeMs: f.captureTimeMs },
      { sequence: f.sequence },
    );
    return decodeMediaFrame(encoded);
  });
}

function remux(frames: MediaFrame[], signalNoReorder = true, limit = 90): RemuxResult[] {
  const remuxer = new Fmp4Remuxer({ signalNoReorder });
  const out: RemuxResult[] = [];
  for (const f of frames.slice(0, limit)) {
    const r = remuxer.push(f);
    if (typeof r !== 'string') out.push(r);
  }
  return out;
}

/** The SPS in the avcC of an init segment. */
function avccSps(result: RemuxResult): Uint8Array {
  const boxes = inspector.inspect(new Uint8Array(result.init!.data));
  const stsd = findBox(boxes, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'])!;
  const avc1 = (stsd.sampleDescriptions as InspectedBox[])[0]!;
  const avcC = (avc1.config as InspectedBox[]).find((b) => b.type === 'avcC')!;
  return (avcC.sps as Uint8Array[])[0]!;
}

const inSps = (f: MediaFrame) => splitAvcc(f.payload).find((n) => (n[0]! & 0x1f) === 7)!;

describe('Fmp4Remuxer signalNoReorder', () => {
  it('Baseline SPS without bitstream_restriction: avcC SPS says max_num_reorder_frames 0, same picture (profile rule)', () => {
    const frames = stripped(fixtureFrames(BASELINE));
    const results = remux(frames);
    const inits = results.filter((r) => r.init);
    expect(inits).toHaveLength(1); // the SPS repeat at frame 30 is the same stream SPS: no new init
    expect(inits[0]!.init!.noReorder).toBe('profile');
    const sps = avccSps(inits[0]!);
    expect(readBitstreamRestriction(sps)?.maxNumReorderFrames).toBe(0);
    expect({ ...parseSps(sps), hasBitstreamRestriction: true, maxNumReorderFrames: 0, maxDecFrameBuffering: 0 }).toEqual({
      ...parseSps(inSps(frames[0]!)),
      hasBitstreamRestriction: true,
      maxNumReorderFrames: 0,
      maxDecFrameBuffering: 0,
    });
  });

  it('High, no B-frames, pts = dts: the stream SPS first, the rewrite in a new init just before the next key frame', () => {
    const frames = stripped(fixtureFrames(HIGH));
    const secondKey = frames.findIndex((f, i) => i > 0 && (f.flags & MediaFlags.KEY) !== 0);
    expect(secondKey).toBeGreaterThan(8);
    const results = remux(frames);
    const inits = results.map((r, i) => (r.init ? i : -1)).filter((i) => i >= 0);
    expect(inits).toEqual([0, secondKey]);
    expect(results[0]!.init!.noReorder).toBe('pending');
    expect(readBitstreamRestriction(avccSps(results[0]!))).toBeNull();
    expect(results[secondKey]!.init!.noReorder).toBe('watching');
    expect(results[secondKey]!.key).toBe(true);
    expect(readBitstreamRestriction(avccSps(results[secondKey]!))?.maxNumReorderFrames).toBe(0);
  });

  it('a clean GOP means at least 8 frames: with a key flag on every frame the rewrite waits for frame 9', () => {
    const results = remux(stripped(fixtureFrames(HIGH), undefined, () => true));
    expect(results.map((r, i) => (r.init ? i : -1)).filter((i) => i >= 0)).toEqual([0, 9]);
  });

  it('reordering after the rewrite (a composition offset) brings the stream SPS back at once, for good', () => {
    const base = fixtureFrames(HIGH);
    const secondKey = base.findIndex((f, i) => i > 0 && (f.flags & MediaFlags.KEY) !== 0);
    const late = secondKey + 5;
    const frames = stripped(base, (f) => ({ dts: f.dts, pts: f.sequence === late ? f.dts + 3000 : f.dts }));
    const results = remux(frames, true, 200);
    const inits = results.map((r, i) => (r.init ? i : -1)).filter((i) => i >= 0);
    expect(inits).toEqual([0, secondKey, late]);
    expect(results[late]!.init!.noReorder).toBe('off');
    expect(Buffer.from(avccSps(results[late]!)).equals(Buffer.from(inSps(frames[0]!)))).toBe(true);
  });

  it('off: the stream SPS goes into avcC unchanged', () => {
    const frames = stripped(fixtureFrames(HIGH));
    const [first] = remux(frames, false);
    expect(first!.init!.noReorder).toBe('off');
    expect(Buffer.from(avccSps(first!)).equals(Buffer.from(inSps(frames[0]!)))).toBe(true);
  });

  it('an SPS that has bitstream_restriction is left alone', () => {
    const frames = fixtureFrames(HIGH);
    const [first] = remux(frames);
    expect(first!.init!.noReorder).toBe('off');
    expect(Buffer.from(avccSps(first!)).equals(Buffer.from(inSps(frames[0]!)))).toBe(true);
  });

  describe('a B-frame stream whose SPS lost bitstream_restriction', () => {
    const frames = stripped(bframeClipFrames({ frames: 60, bframes: 2 }));

    it('is never rewritten: its first picture has a composition offset', () => {
      expect(frames[0]!.pts).toBeGreaterThan(frames[0]!.dts);
      const results = remux(frames);
      const inits = results.filter((r) => r.init);
      expect(inits).toHaveLength(1);
      expect(inits[0]!.init!.noReorder).toBe('off');
      expect(readBitstreamRestriction(avccSps(inits[0]!))).toBeNull();
      // Display order comes from the composition offsets, as without the option.
      expect(results.map((r) => r.mediaTime)).toEqual(remux(frames, false).map((r) => r.mediaTime));
    });

    it('with timestamps that hide the reordering (pts = dts): the B slices keep it from ever being rewritten', () => {
      const flat = stripped(frames, (f) => ({ pts: f.dts, dts: f.dts }));
      expect(flat.some((f) => firstSliceType(splitAvcc(f.payload)) === 1)).toBe(true);
      const results = remux(flat);
      expect(results).toHaveLength(flat.length);
      const inits = results.filter((r) => r.init);
      expect(inits).toHaveLength(1);
      expect(readBitstreamRestriction(avccSps(inits[0]!))).toBeNull();
    });
  });

  it('firstSliceType reads slice_type of I, P and B slices (Table 7-6)', () => {
    const types = bframeClipFrames({ frames: 12, bframes: 2 }).map((f) => firstSliceType(splitAvcc(f.payload)));
    expect(types[0]).toBe(2);
    expect(new Set(types)).toEqual(new Set([0, 1, 2]));
  });
});
