/**
 * rewriteSpsBitstreamRestriction on real x264 SPS (issue 3, "Decoder delay"): the rewritten SPS
 * parses to the same picture, ffmpeg decodes a stream carrying it to the same frames, and
 * ffmpeg's own SPS parser (trace_headers) reads the new max_num_reorder_frames.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitNalUnits } from '../../src/h264/annexb.js';
import { BitWriter } from '../../src/h264/bit-writer.js';
import { addEmulationPrevention } from '../../src/h264/rbsp.js';
import { removeEmulationPrevention } from '../../src/h264/rbsp.js';
import { parseSps, type SpsInfo } from '../../src/h264/sps.js';
import { readBitstreamRestriction, rewriteSpsBitstreamRestriction } from '../../src/h264/sps-vui-rewrite.js';
import { FIXTURES, ffmpeg, makeTempDir, readFile, readFixture } from '../support/fixtures.js';

interface Clip {
  name: string;
  /** x264 arguments after -c:v libx264. */
  args: string[];
  size: string;
  pixFmt: string;
  /** The clip has B-frames: max_num_reorder_frames 0 would be a lie, so only round trips are checked. */
  reorders: boolean;
}

const CLIPS: Clip[] = [
  { name: 'baseline-320x240', args: ['-profile:v', 'baseline'], size: '320x240', pixFmt: 'yuv420p', reorders: false },
  { name: 'main-854x480-zerolatency', args: ['-profile:v', 'main', '-tune', 'zerolatency'], size: '854x480', pixFmt: 'yuv420p', reorders: false },
  { name: 'high-1280x720-bf0', args: ['-profile:v', 'high', '-bf', '0', '-preset', 'ultrafast'], size: '1280x720', pixFmt: 'yuv420p', reorders: false },
  { name: 'high-1920x1080-bf3', args: ['-profile:v', 'high', '-bf', '3'], size: '1920x1080', pixFmt: 'yuv420p', reorders: true },
  { name: 'high444-176x144', args: ['-profile:v', 'high444', '-bf', '0'], size: '176x144', pixFmt: 'yuv444p', reorders: false },
  // hrd_parameters (E.1.2) in the VUI: nal-hrd needs a VBV.
  {
    name: 'high-640x360-nal-hrd-bf2',
    args: ['-profile:v', 'high', '-bf', '2', '-b:v', '500k', '-maxrate', '500k', '-bufsize', '1000k', '-x264-params', 'nal-hrd=vbr'],
    size: '640x360',
    pixFmt: 'yuv420p',
    reorders: true,
  },
];

const isSps = (n: Uint8Array): boolean => ((n[0] ?? 0) & 0x1f) === 7;

/** The stream with every SPS replaced by `sps`, as Annex-B with 4-byte start codes. */
function withSps(nalus: Uint8Array[], sps: Uint8Array): Uint8Array {
  const parts = nalus.map((n) => (isSps(n) ? sps : n));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length + 4, 0));
  let at = 0;
  for (const p of parts) {
    out.set([0, 0, 0, 1], at);
    out.set(p, at + 4);
    at += p.length + 4;
  }
  return out;
}

/** `ffmpeg -f h264 -i - -f framemd5 -`: one line per decoded frame (comments dropped). */
function framemd5(annexB: Uint8Array): string[] {
  const text = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'h264', '-i', '-', '-f', 'framemd5', '-'], {
    input: annexB,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return text.split('\n').filter((l) => l && !l.startsWith('#'));
}

/** ffmpeg's own SPS syntax trace (trace_headers bsf) of the first SPS: element name → value and bit position. */
function traceSps(annexB: Uint8Array): Map<string, { value: number; bit: number }> {
  const run = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-f', 'h264', '-i', '-', '-frames:v', '1', '-c', 'copy', '-bsf:v', 'trace_headers', '-f', 'null', '-'],
    { input: annexB, encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (run.status !== 0) throw new Error(`ffmpeg trace_headers failed: ${run.stderr}`);
  const fields = new Map<string, { value: number; bit: number }>();
  let inSps = false;
  for (const line of run.stderr.split('\n')) {
    if (/Sequence Parameter Set/.test(line)) inSps = true;
    else if (inSps && /Parameter Set|Slice|Supplemental|Access Unit/.test(line)) break;
    const m = /\]\s+(\d+)\s+(\w+)\s+[01]+ = (-?\d+)/.exec(line);
    if (inSps && m && !fields.has(m[2]!)) fields.set(m[2]!, { bit: Number(m[1]), value: Number(m[3]) });
  }
  if (!fields.has('profile_idc')) throw new Error(`no SPS in the trace:\n${run.stderr.slice(0, 2000)}`);
  return fields;
}

/**
 * The SPS cut at vui_parameters_present_flag (bit position from ffmpeg's trace, so independent of
 * the code under test), with the flag 0: a real SPS without VUI, as some encoders write them.
 */
function withoutVui(sps: Uint8Array, vuiFlagBit: number): Uint8Array {
  const rbsp = removeEmulationPrevention(sps.subarray(1));
  const w = new BitWriter().copyBits(rbsp, 0, vuiFlagBit - 8).writeBit(0).writeTrailingBits();
  return Uint8Array.from([sps[0]!, ...addEmulationPrevention(w.finish())]);
}

const samePicture = (a: SpsInfo, b: SpsInfo) => {
  const pick = (i: SpsInfo) => ({ ...i, hasBitstreamRestriction: 0, maxNumReorderFrames: 0, maxDecFrameBuffering: 0 });
  expect(pick(a)).toEqual(pick(b));
};

describe('rewriteSpsBitstreamRestriction on real x264 streams', () => {
  const tmp = makeTempDir();
  const streams = new Map<string, Uint8Array[]>();

  beforeAll(() => {
    for (const c of CLIPS) {
      const file = join(tmp.dir, `${c.name}.h264`);
      ffmpeg([
        '-f', 'lavfi', '-i', `testsrc2=size=${c.size}:rate=30`, '-frames:v', '12', '-c:v', 'libx264', ...c.args,
        '-pix_fmt', c.pixFmt, '-g', '6', '-f', 'h264', file,
      ]);
      streams.set(c.name, splitNalUnits(readFile(file)));
    }
    streams.set('fixture-demo', splitNalUnits(readFixture(FIXTURES.demo)).slice(0, 400));
  }, 120_000);
  afterAll(() => tmp.cleanup());

  const cases = [...CLIPS.map((c) => ({ name: c.name, reorders: c.reorders })), { name: 'fixture-demo', reorders: false }];

  for (const { name, reorders } of cases) {
    describe(name, () => {
      const nalus = () => streams.get(name)!;
      const sps = () => nalus().find(isSps)!;

      it('x264 wrote bitstream_restriction; setting its own values back gives the same bytes', () => {
        const own = readBitstreamRestriction(sps());
        expect(own).not.toBeNull();
        expect(own!.maxNumReorderFrames > 0).toBe(reorders);
        const same = rewriteSpsBitstreamRestriction(sps(), {
          mode: 'set',
          maxNumReorderFrames: own!.maxNumReorderFrames,
          maxDecFrameBuffering: own!.maxDecFrameBuffering,
        });
        expect(Buffer.from(same).toString('hex')).toBe(Buffer.from(sps()).toString('hex'));
      });

      it('remove: same picture, no restriction, ffmpeg decodes the same frames and sees none', () => {
        const stripped = rewriteSpsBitstreamRestriction(sps(), { mode: 'remove' });
        const info = parseSps(stripped);
        samePicture(info, parseSps(sps()));
        expect(info.hasBitstreamRestriction).toBe(false);
        expect(readBitstreamRestriction(stripped)).toBeNull();
        const stream = withSps(nalus(), stripped);
        expect(framemd5(stream)).toEqual(framemd5(withSps(nalus(), sps())));
        const trace = traceSps(stream);
        expect(trace.get('bitstream_restriction_flag')?.value).toBe(0);
        expect(trace.has('max_num_reorder_frames')).toBe(false);
      });

      it('remove then set: ffmpeg reads the new max_num_reorder_frames and decodes the same frames', () => {
        const own = readBitstreamRestriction(sps())!;
        const stripped = rewriteSpsBitstreamRestriction(sps(), { mode: 'remove' });
        // A stream with B-frames keeps its real reorder depth; one without gets 0.
        const reorder = reorders ? own.maxNumReorderFrames : 0;
        const fixed = rewriteSpsBitstreamRestriction(stripped, { mode: 'set', maxNumReorderFrames: reorder });
        const info = parseSps(fixed);
        samePicture(info, parseSps(sps()));
        expect(info.maxNumReorderFrames).toBe(reorder);
        const stream = withSps(nalus(), fixed);
        expect(framemd5(stream)).toEqual(framemd5(withSps(nalus(), sps())));
        const trace = traceSps(stream);
        expect(trace.get('max_num_reorder_frames')?.value).toBe(reorder);
        expect(trace.get('max_dec_frame_buffering')?.value).toBe(info.maxDecFrameBuffering);
        // ffmpeg's trace of every field before bitstream_restriction is unchanged.
        const before = traceSps(withSps(nalus(), sps()));
        for (const [k, v] of before) {
          if (v.bit < before.get('bitstream_restriction_flag')!.bit) expect([k, trace.get(k)]).toEqual([k, v]);
        }
      });

      if (!reorders) {
        it('an SPS without any VUI gets one carrying only bitstream_restriction; ffmpeg decodes the same frames', () => {
          const vuiFlag = traceSps(withSps(nalus(), sps())).get('vui_parameters_present_flag')!;
          const bare = withoutVui(sps(), vuiFlag.bit);
          expect(parseSps(bare).hasBitstreamRestriction).toBe(false);
          expect(parseSps(bare).fps).toBeNull();
          const fixed = rewriteSpsBitstreamRestriction(bare, { mode: 'set', maxNumReorderFrames: 0 });
          const info = parseSps(fixed);
          samePicture(info, parseSps(bare));
          expect([info.maxNumReorderFrames, info.maxDecFrameBuffering]).toEqual([0, readBitstreamRestriction(sps())!.maxDecFrameBuffering]);
          const trace = traceSps(withSps(nalus(), fixed));
          expect(trace.get('vui_parameters_present_flag')?.value).toBe(1);
          expect(trace.get('timing_info_present_flag')?.value).toBe(0);
          expect(trace.get('max_num_reorder_frames')?.value).toBe(0);
          // No timing info: ffmpeg's raw h264 demuxer assumes 25 fps for both, so frames compare equal.
          expect(framemd5(withSps(nalus(), fixed))).toEqual(framemd5(withSps(nalus(), bare)));
          // Removing from an SPS without VUI changes nothing.
          expect(rewriteSpsBitstreamRestriction(bare, { mode: 'remove' })).toEqual(bare);
        });
      }
    });
  }
});
