import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import inspector, { type InspectedBox } from 'mux.js/lib/tools/mp4-inspector.js';
import { describe, expect, it } from 'vitest';
import { AccessUnitAssembler, splitNalUnits } from '../../src/h264/index.js';
import { avcVideoTrack, writeInitSegment, writeMediaFragment, type Fmp4Sample } from '../../src/fmp4/index.js';
import { FIXTURES, makeTempDir, readFixture } from '../support/fixtures.js';

const box = (boxes: InspectedBox[], type: string): InspectedBox => {
  for (const b of boxes) {
    if (b.type === type) return b;
    const inner = b.boxes && box(b.boxes, type);
    if (inner) return inner;
  }
  return undefined as unknown as InspectedBox;
};

/** The clip's access units: parameter sets apart, the rest as samples. */
function clip() {
  const assembler = new AccessUnitAssembler();
  const aus = [...splitNalUnits(readFixture(FIXTURES.noaud)).flatMap((n) => assembler.push(n))];
  const last = assembler.flush();
  if (last) aus.push(last);
  const sps = aus[0]!.nalus.find((n) => (n[0]! & 0x1f) === 7)!;
  const pps = aus[0]!.nalus.find((n) => (n[0]! & 0x1f) === 8)!;
  const samples = aus.map((au) => ({ nalus: au.nalus.filter((n) => ![7, 8, 9].includes(n[0]! & 0x1f)), key: au.key }));
  return { sps, pps, samples };
}

describe('fMP4 writer (shared by the player remuxer and the LL-HLS packager)', () => {
  it('writes one moof with a trun entry per sample: durations, sizes, sync flags, composition offsets, tfdt', () => {
    const { sps, pps, samples } = clip();
    const track = avcVideoTrack(sps, pps);
    expect(track).toMatchObject({ id: 1, width: 320, height: 240, profileIdc: sps[1], levelIdc: sps[3] });
    const input: Fmp4Sample[] = [
      { ...samples[0]!, duration: 3000, compositionOffset: 0 },
      { ...samples[1]!, duration: 3003, compositionOffset: 6000 },
      { ...samples[2]!, duration: 2997, compositionOffset: 3000 },
    ];
    const fragment = writeMediaFragment(track, 7, 123_456_789_012, input);
    const boxes = inspector.inspect(fragment);
    expect(boxes.map((b) => b.type)).toEqual(['moof', 'mdat']);
    expect(box(boxes, 'mfhd').sequenceNumber).toBe(7);
    expect(box(boxes, 'tfdt').baseMediaDecodeTime).toBe(123_456_789_012);
    const trun = box(boxes, 'trun') as InspectedBox & { dataOffset: number; samples: { duration: number; size: number; compositionTimeOffset: number; flags: { dependsOn: number; isNonSyncSample: number } }[] };
    expect(trun.samples.map((s) => s.duration)).toEqual([3000, 3003, 2997]);
    expect(trun.samples.map((s) => s.compositionTimeOffset)).toEqual([0, 6000, 3000]);
    expect(trun.samples.map((s) => [s.flags.dependsOn, s.flags.isNonSyncSample])).toEqual([[2, 0], [1, 1], [1, 1]]);
    const sizes = input.map((s) => s.nalus.reduce((n, nal) => n + 4 + nal.byteLength, 0));
    expect(trun.samples.map((s) => s.size)).toEqual(sizes);
    // data_offset points at the first payload byte: right after the moof and the mdat header.
    expect(trun.dataOffset).toBe(boxes[0]!.size + 8);
    expect(boxes[1]!.size).toBe(8 + sizes.reduce((a, b) => a + b, 0));
    // mdat: AVCC, the samples' NAL units in order.
    const mdat = fragment.subarray(boxes[0]!.size + 8);
    const first = input[0]!.nalus[0]!;
    expect(new DataView(mdat.buffer, mdat.byteOffset).getUint32(0)).toBe(first.byteLength);
    expect(mdat.subarray(4, 4 + first.byteLength)).toEqual(first);
  });

  it('refuses an empty fragment', () => {
    const { sps, pps } = clip();
    expect(() => writeMediaFragment(avcVideoTrack(sps, pps), 1, 0, [])).toThrow(RangeError);
  });

  it('makes a file ffmpeg decodes frame for frame: init + fragments of six samples', () => {
    const { sps, pps, samples } = clip();
    const track = avcVideoTrack(sps, pps);
    const parts: Uint8Array[] = [writeInitSegment(track)];
    for (let i = 0, seq = 1; i < samples.length; i += 6, seq++) {
      const group = samples.slice(i, i + 6).map((s) => ({ ...s, duration: 3000, compositionOffset: 0 }));
      parts.push(writeMediaFragment(track, seq, i * 3000, group));
    }
    const { dir, cleanup } = makeTempDir();
    try {
      const file = join(dir, 'clip.mp4');
      writeFileSync(file, Buffer.concat(parts));
      const probe = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=width,height,nb_read_frames', '-of', 'csv=p=0', file], { encoding: 'utf8' });
      expect(probe.trim()).toBe(`320,240,${samples.length}`);
      const errors = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(errors).toBe('');
    } finally {
      cleanup();
    }
  });
});
