import { decodeMediaFrame, MediaFlags, NalType, nalType, splitAvcc, type AccessUnit, type CodecMessage, type RawAccessUnit, type StatusMessage } from '@framewire/shared';
import { describe, expect, it } from 'vitest';
import type { EncodedFrame } from '../../src/pipeline/gop-cache.js';
import { Stream } from '../../src/pipeline/stream.js';
import { DEMO_FIXTURE, fixtureAccessUnits, NOAUD_FIXTURE, testLogger } from '../support/fixtures.js';

function setup() {
  const stream = new Stream({ name: 's', logger: testLogger, gopCacheMaxFrames: 600, gopCacheMaxBytes: 1 << 25, statsWindowMs: 2000 });
  const frames: EncodedFrame[] = [];
  const codecs: CodecMessage[] = [];
  const statuses: StatusMessage[] = [];
  stream.subscribe({ droppedFrames: 0, onFrame: (f) => frames.push(f), onCodec: (c) => codecs.push(c), onStatus: (s) => statuses.push(s) });
  let n = 0;
  const push = (raw: RawAccessUnit) => {
    const au: AccessUnit = { ...raw, dts: n * 3000, pts: n * 3000, duration: 3000, captureTimeMs: Date.now() };
    n++;
    stream.accessUnit(au);
  };
  return { stream, frames, codecs, statuses, push };
}

const withoutConfig = (au: RawAccessUnit): RawAccessUnit => ({
  ...au,
  nalus: au.nalus.filter((nal) => nalType(nal) !== NalType.SPS && nalType(nal) !== NalType.PPS),
});

describe('Stream', () => {
  it('prepends the cached SPS/PPS to a key frame that lacks them', () => {
    const units = fixtureAccessUnits(NOAUD_FIXTURE);
    const { frames, push } = setup();
    push(units[0]!);
    for (const u of units.slice(1, 30)) push(u);
    push(withoutConfig(units[30]!)); // second IDR, parameter sets stripped
    const second = decodeMediaFrame(frames[30]!.bytes);
    expect(second.flags & MediaFlags.KEY).toBeTruthy();
    expect(second.flags & MediaFlags.CONFIG).toBeTruthy();
    expect(splitAvcc(second.payload).map(nalType).slice(0, 2)).toEqual([NalType.SPS, NalType.PPS]);
  });

  it('skips delta frames before the first IDR, counting them', () => {
    const units = fixtureAccessUnits(NOAUD_FIXTURE);
    const { stream, frames, push } = setup();
    for (const u of units.slice(5)) push(u);
    expect(stream.skippedBeforeKey).toBe(25);
    expect(frames).toHaveLength(30);
    expect(frames[0]!.key).toBe(true);
  });

  it('emits a codec change when the SPS changes, and flags a restarted source as a discontinuity', () => {
    const small = fixtureAccessUnits(NOAUD_FIXTURE);
    const big = fixtureAccessUnits(DEMO_FIXTURE);
    const { stream, frames, codecs, statuses, push } = setup();
    for (const u of small.slice(0, 10)) push(u);
    stream.ended('source finished');
    for (const u of big.slice(0, 5)) push(u);
    expect(codecs.map((c) => [c.width, c.height])).toEqual([[320, 240], [1280, 720]]);
    expect(statuses.map((s) => s.state)).toEqual(['live', 'ended', 'live']);
    const restart = decodeMediaFrame(frames[10]!.bytes);
    expect(restart.flags & MediaFlags.DISCONTINUITY).toBeTruthy();
    expect(restart.flags & MediaFlags.KEY).toBeTruthy();
    expect(decodeMediaFrame(frames[11]!.bytes).flags & MediaFlags.DISCONTINUITY).toBe(0);
  });

  it('drops an access unit with a malformed SPS and resumes at the next valid IDR', () => {
    const units = fixtureAccessUnits(NOAUD_FIXTURE);
    const { stream, frames, push } = setup();
    const broken = { ...units[0]!, nalus: [new Uint8Array([0x67, 0x42]), ...units[0]!.nalus.slice(1)] };
    expect(() => push(broken)).not.toThrow();
    for (const u of units.slice(1)) push(u);
    expect(frames).toHaveLength(30);
    expect(frames[0]!.key).toBe(true);
    expect(stream.malformedDropped).toBe(1);
  });
});
