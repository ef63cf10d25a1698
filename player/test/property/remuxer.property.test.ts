/// <reference types="node" />
/**
 * Property 4 (issue 3): the remuxer on any sequence of fixture access units (runs that start at a
 * key frame, from two clips with different SPS/PPS, strictly increasing dts with jitter, random
 * positive durations): positive sample durations, non-decreasing tfdt, one init segment per
 * SPS/PPS change, no fragment before the first key frame. Corrupted AVCC lengths: MediaFrameError
 * or a skip reason, never anything else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import inspector from 'mux.js/lib/tools/mp4-inspector.js';
import { MediaFlags, MediaFrameError, toLengthPrefixed } from '@framewire/shared';
import { Fmp4Remuxer, type RemuxInput } from '../../src/remux/fmp4-remuxer.js';
import { FIXTURES, accessUnits, splitAnnexB } from '../helpers/fixture-frames.js';
import { readFileSync } from 'node:fs';
import { findBox } from '../helpers/mp4-boxes.js';

const SEED = Number(process.env.FC_SEED ?? 0x5eed_f00d);
const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns });

const nalType = (n: Uint8Array): number => (n[0] ?? 0) & 0x1f;
const hexOf = (n: Uint8Array | undefined): string => (n ? Buffer.from(n).toString('hex') : '');

interface Clip {
  aus: Uint8Array[][];
  keys: number[];
}
function loadClip(name: string): Clip {
  const aus = accessUnits(splitAnnexB(new Uint8Array(readFileSync(FIXTURES + name))));
  const keys = aus.flatMap((au, i) => (au.some((n) => nalType(n) === 5) ? [i] : []));
  return { aus, keys };
}
const CLIPS = [loadClip('testsrc-320x240-30-baseline-noaud.h264'), loadClip('demo-1280x720-30.h264'), loadClip('testsrc-320x240-30-baseline-aud.h264')];

/** A run of access units: clip, which key frame it starts at, how many AUs, which non-key ones are dropped. */
const runArb = fc.record({
  clip: fc.nat({ max: CLIPS.length - 1 }),
  key: fc.nat(),
  length: fc.integer({ min: 1, max: 40 }),
  dropMask: fc.array(fc.boolean(), { maxLength: 40 }),
});

const timingArb = fc.record({
  startDts: fc.integer({ min: 0, max: 2 ** 40 }),
  steps: fc.array(fc.integer({ min: 1, max: 6000 }), { minLength: 200, maxLength: 200 }),
  durations: fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 200, maxLength: 200 }),
  cto: fc.array(fc.integer({ min: 0, max: 6000 }), { minLength: 200, maxLength: 200 }),
});


function frame(nalus: Uint8Array[], sequence: number, dts: number, duration: number, cto: number): RemuxInput {
  const key = nalus.some((n) => nalType(n) === 5);
  const config = nalus.some((n) => nalType(n) === 7);
  return {
    flags: (key ? MediaFlags.KEY : 0) | (config ? MediaFlags.CONFIG : 0),
    sequence,
    dts,
    pts: dts + cto,
    duration,
    captureTimeMs: 1_700_000_000_000 + sequence,
    payload: toLengthPrefixed(nalus),
  };
}

/** Independent oracle for AVCC framing: non-zero 4-byte big-endian lengths that tile the buffer exactly. */
function tiles(payload: Uint8Array): boolean {
  let o = 0;
  while (o < payload.length) {
    if (o + 4 > payload.length) return false;
    const size = ((payload[o]! << 24) >>> 0) + (payload[o + 1]! << 16) + (payload[o + 2]! << 8) + payload[o + 3]!;
    if (size === 0 || o + 4 + size > payload.length) return false;
    o += 4 + size;
  }
  return true;
}

describe('property: Fmp4Remuxer', () => {
  it('timing, init segments and key-frame gating hold for any key-frame-started runs (numRuns 60)', () => {
    fc.assert(
      fc.property(
        fc.array(runArb, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat({ max: 59 }), { maxLength: 3 }),
        timingArb,
        (runs, leadIn, timing) => {
          // Optional non-key frames before the first run: they must be skipped.
          const seq: Uint8Array[][] = leadIn.map((i) => CLIPS[0]!.aus[i]!).filter((au) => !au.some((n) => nalType(n) === 5));
          for (const run of runs) {
            const clip = CLIPS[run.clip]!;
            const start = clip.keys[run.key % clip.keys.length]!;
            const aus = clip.aus.slice(start, start + run.length);
            seq.push(...aus.filter((_, i) => i === 0 || !run.dropMask[i]));
          }
          const remuxer = new Fmp4Remuxer();
          let dts = timing.startDts;
          let seenKey = false;
          let lastDecode = -Infinity;
          let cur: string | undefined;
          let inits = 0;
          let expectedInits = 0;
          seq.slice(0, 200).forEach((nalus, i) => {
            dts += timing.steps[i]!;
            const f = frame(nalus, i, dts, timing.durations[i]!, timing.cto[i]!);
            const key = (f.flags & MediaFlags.KEY) !== 0;
            const r = remuxer.push(f);
            if (!seenKey && !key) {
              expect(r).toBe('waiting-for-keyframe');
              return;
            }
            expect(typeof r).toBe('object');
            if (typeof r === 'string') return;
            seenKey = true;
            // One init per change of the SPS/PPS pair, on the frame that carries the new pair.
            const sps = nalus.find((n) => nalType(n) === 7);
            const pps = nalus.find((n) => nalType(n) === 8);
            if (sps && pps && hexOf(sps) + hexOf(pps) !== cur) {
              cur = hexOf(sps) + hexOf(pps);
              expectedInits++;
              expect(r.init).toBeDefined();
            } else {
              expect(r.init).toBeUndefined();
            }
            if (r.init) inits++;
            expect(r.key).toBe(key);
            expect(r.duration).toBeGreaterThan(0);
            expect(r.duration).toBe(timing.durations[i]);
            expect(r.decodeTime).toBeGreaterThanOrEqual(lastDecode);
            lastDecode = r.decodeTime;
            // What is written in the boxes agrees with the result.
            const boxes = inspector.inspect(new Uint8Array(r.fragment));
            expect(findBox(boxes, ['moof', 'traf', 'tfdt'])!.baseMediaDecodeTime).toBe(r.decodeTime);
            const samples = findBox(boxes, ['moof', 'traf', 'trun'])!.samples as { duration: number }[];
            expect(samples).toHaveLength(1);
            expect(samples[0]!.duration).toBe(r.duration);
          });
          expect(inits).toBe(expectedInits);
        },
      ),
      params(60),
    );
  });

  /** Damage to the AVCC framing: a length field overwritten, bit-flipped, or the payload cut short. */
  const damageArb = fc.oneof(
    fc.record({ kind: fc.constant('length' as const), which: fc.nat(), value: fc.nat({ max: 0xffffffff }) }),
    fc.record({ kind: fc.constant('flip' as const), which: fc.nat(), byte: fc.nat({ max: 3 }), bit: fc.nat({ max: 7 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 7 }) }),
  );

  it('corrupted AVCC lengths: MediaFrameError or a skip reason, never anything else (numRuns 600)', () => {
    fc.assert(
      fc.property(fc.nat({ max: CLIPS.length - 1 }), fc.nat(), fc.boolean(), damageArb, (c, which, primed, damage) => {
        const clip = CLIPS[c]!;
        const remuxer = new Fmp4Remuxer();
        // Sometimes the remuxer has already started (so the damaged frame is not gated by the key-frame wait).
        if (primed) expect(typeof remuxer.push(frame(clip.aus[0]!, 0, 1000, 3000, 0))).toBe('object');
        const au = clip.aus[which % clip.aus.length]!;
        const f = frame(au, 1, 4000, 3000, 0);
        let payload = f.payload.slice();
        // Offsets of the 4-byte length fields.
        const offsets: number[] = [];
        for (let o = 0, k = 0; k < au.length; k++) {
          offsets.push(o);
          o += 4 + au[k]!.length;
        }
        const view = new DataView(payload.buffer);
        if (damage.kind === 'length') {
          const o = offsets[damage.which % offsets.length]!;
          const old = view.getUint32(o);
          view.setUint32(o, damage.value === old ? old + 1 : damage.value);
        } else if (damage.kind === 'flip') {
          const o = offsets[damage.which % offsets.length]!;
          payload[o + damage.byte]! ^= 1 << damage.bit;
        } else if (damage.kind === 'truncate') {
          payload = payload.slice(0, damage.at % payload.length);
        } else {
          payload = Uint8Array.from([...payload, ...damage.bytes]);
        }
        const framed = tiles(payload);
        try {
          const r = remuxer.push({ ...f, payload });
          // Damage that still tiles the buffer (e.g. a cut at a NAL boundary) is a valid, shorter
          // access unit: a fragment or a skip reason are both fine. Broken framing must not pass.
          expect(framed, `bad framing accepted: ${typeof r === 'string' ? r : 'fragment'}`).toBe(true);
        } catch (err) {
          if (err instanceof MediaFrameError) {
            expect(framed).toBe(false);
            return;
          }
          throw err;
        }
      }),
      params(600),
    );
  });
});
