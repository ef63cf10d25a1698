/**
 * Issue 3, periodic intra refresh: x264 --intra-refresh streams have one IDR, then recovery point
 * SEIs (H.264 D.2.8). The Stream starts viewers at those like at an IDR; the FLV path marks them
 * the same way as the Annex-B path.
 */
import { execFileSync } from 'node:child_process';
import {
  AccessUnitAssembler,
  decodeMediaFrame,
  MediaFlags,
  NalType,
  nalType,
  splitAvcc,
  splitNalUnits,
  type AccessUnit,
  type RawAccessUnit,
} from '@framewire/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EncodedFrame } from '../../src/pipeline/gop-cache.js';
import { Stream } from '../../src/pipeline/stream.js';
import { FlvDemuxer } from '../../src/sources/flv-demuxer.js';
import { testLogger } from '../support/fixtures.js';

const FRAMES = 75;
const X264_INTRA_REFRESH = ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-bf', '0', '-g', '30',
  '-intra-refresh', '1', '-pix_fmt', 'yuv420p'];

function encode(format: 'h264' | 'flv'): Uint8Array {
  return execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30',
    '-frames:v', String(FRAMES), ...X264_INTRA_REFRESH, '-f', format, 'pipe:1'], { maxBuffer: 1 << 26 });
}

function assemble(annexB: Uint8Array): RawAccessUnit[] {
  const a = new AccessUnitAssembler();
  const out: RawAccessUnit[] = [];
  for (const nal of splitNalUnits(annexB)) out.push(...a.push(nal));
  const last = a.flush();
  if (last) out.push(last);
  return out;
}

function setup() {
  const stream = new Stream({ name: 's', logger: testLogger, gopCacheMaxFrames: 600, gopCacheMaxBytes: 1 << 25, statsWindowMs: 2000 });
  const frames: EncodedFrame[] = [];
  stream.subscribe({ droppedFrames: 0, onFrame: (f) => frames.push(f), onCodec: () => {}, onStatus: () => {} });
  let n = 0;
  const push = (raw: RawAccessUnit) => {
    const au: AccessUnit = { ...raw, dts: n * 3000, pts: n * 3000, duration: 3000, captureTimeMs: Date.now() };
    n++;
    stream.accessUnit(au);
  };
  return { stream, frames, push };
}

const isConfig = (nal: Uint8Array) => nalType(nal) === NalType.SPS || nalType(nal) === NalType.PPS;
const keyIndices = (frames: EncodedFrame[]) => frames.flatMap((f, i) => (f.key ? [i] : []));

describe('Stream: intra refresh (recovery points, no IDR after the first picture)', () => {
  let units: RawAccessUnit[];
  beforeAll(() => {
    units = assemble(encode('h264'));
    expect(units).toHaveLength(FRAMES);
    expect(units.flatMap((u, i) => (u.key ? [i] : []))).toEqual([0]);
    expect(units.flatMap((u, i) => (u.recoveryPoint ? [i] : []))).toEqual([30, 60]);
  });

  it('sends recovery points as key frames and restarts the GOP cache there', () => {
    const { stream, frames, push } = setup();
    for (const u of units) push(u);
    expect(frames).toHaveLength(FRAMES);
    expect(keyIndices(frames)).toEqual([0, 30, 60]);
    expect(decodeMediaFrame(frames[30]!.bytes).flags & MediaFlags.KEY).toBeTruthy();
    const gop = stream.cachedGop();
    expect(gop).toHaveLength(FRAMES - 60);
    expect(gop[0]).toBe(frames[60]);
    expect(stream.skippedBeforeKey).toBe(0);
  });

  it('a stream seen from mid-way (no IDR ever) goes live at the first recovery point', () => {
    const { stream, frames, push } = setup();
    for (const u of units.slice(5)) push(u);
    expect(stream.skippedBeforeKey).toBe(25);
    expect(stream.state).toBe('live');
    expect(frames).toHaveLength(FRAMES - 30);
    const first = decodeMediaFrame(frames[0]!.bytes);
    expect(first.flags & (MediaFlags.KEY | MediaFlags.CONFIG)).toBe(MediaFlags.KEY | MediaFlags.CONFIG);
    expect(stream.cachedGop()[0]).toBe(frames[30]);
  });

  it('prepends SPS/PPS to a recovery point that lacks them', () => {
    const { frames, push } = setup();
    push(units[0]!);
    for (const u of units.slice(1)) push({ ...u, nalus: u.nalus.filter((n) => !isConfig(n)) });
    const nalTypes = splitAvcc(decodeMediaFrame(frames[30]!.bytes).payload).map(nalType);
    expect(nalTypes.slice(0, 3)).toEqual([NalType.SPS, NalType.PPS, NalType.SEI]);
    expect(splitAvcc(decodeMediaFrame(frames[31]!.bytes).payload).some(isConfig)).toBe(false);
  });

  it('a recovery point before any SPS/PPS is skipped and counted, like an IDR', () => {
    const { stream, frames, push } = setup();
    for (const u of units.slice(5)) push({ ...u, nalus: u.nalus.filter((n) => !isConfig(n)) });
    expect(frames).toHaveLength(0);
    expect(stream.skippedBeforeKey).toBe(FRAMES - 5);
  });
});

describe('FlvDemuxer: intra refresh', () => {
  it('flags recovery points from the bitstream and gives them SPS/PPS', () => {
    const d = new FlvDemuxer({ maxTagBytes: 1 << 20 });
    const frames = d.push(encode('flv'));
    expect(frames).toHaveLength(FRAMES);
    expect(frames.flatMap((f, i) => (f.key ? [i] : []))).toEqual([0]);
    expect(frames.flatMap((f, i) => (f.recoveryPoint ? [i] : []))).toEqual([30, 60]);
    for (const i of [0, 30, 60]) expect(frames[i]!.nalus.filter(isConfig).map(nalType)).toEqual([NalType.SPS, NalType.PPS]);
    expect(frames[31]!.nalus.some(isConfig)).toBe(false);
  });
});
