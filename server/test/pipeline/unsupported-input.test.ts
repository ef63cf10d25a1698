/**
 * Issue 3: input that is not H.264 (H.265, random bytes, MP3) puts the stream in state `error`
 * with a clear reason and recovers when valid H.264 follows; H.264 with features many browsers
 * cannot decode (10-bit, 4:4:4, interlaced) plays with a warning. Clips are made with ffmpeg here.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import type { StatusMessage } from '@framewire/shared';
import { describe, expect, it } from 'vitest';
import { InputClassifier } from '../../src/pipeline/input-classifier.js';
import { Stream } from '../../src/pipeline/stream.js';
import { StdinSource } from '../../src/sources/stdin-source.js';
import { NOAUD_FIXTURE, sleep, testLogger } from '../support/fixtures.js';

function ffmpeg(args: string[]): Buffer {
  return execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-frames:v', '5', ...args, '-'], {
    maxBuffer: 1 << 26,
  });
}

const h264 = (...extra: string[]) => ffmpeg(['-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', ...extra, '-f', 'h264']);

function makeStream() {
  const stream = new Stream({ name: 's', logger: testLogger, gopCacheMaxFrames: 600, gopCacheMaxBytes: 1 << 25, statsWindowMs: 2000 });
  const statuses: StatusMessage[] = [];
  stream.subscribe({ onFrame: () => {}, onCodec: () => {}, onStatus: (m) => statuses.push(m), droppedFrames: 0 });
  return { stream, statuses };
}

/** Feeds `parts` into a StdinSource → Stream, in 4000-byte chunks (not page-aligned) with pauses. */
async function feed(stream: Stream, parts: Uint8Array[]): Promise<void> {
  const input = new PassThrough();
  const source = new StdinSource({ idleFlushMs: 2, maxNalBytes: 1 << 20, input }, stream, testLogger);
  source.start();
  for (const part of parts) {
    for (let i = 0; i < part.length; i += 4000) {
      input.write(part.subarray(i, i + 4000));
      await sleep(1);
    }
  }
  await sleep(20);
}

describe('InputClassifier', () => {
  const classify = (bytes: Uint8Array, limit = 64 * 1024) => {
    const c = new InputClassifier(limit);
    c.addBytes(bytes.length);
    // Split on 00 00 01 like the Annex-B splitter (enough for the verdict).
    let start = -1;
    for (let i = 0; i + 2 < bytes.length; i++) {
      if (bytes[i] === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 1) {
        if (start >= 0) c.addNal(bytes.subarray(start, i));
        start = i + 3;
      }
    }
    if (start >= 0) c.addNal(bytes.subarray(start));
    return c.verdict();
  };

  it('says H.264 for x264 output, including High 10 and interlaced', () => {
    expect(classify(readFileSync(NOAUD_FIXTURE)).kind).toBe('h264');
    expect(classify(h264('-pix_fmt', 'yuv420p10le')).kind).toBe('h264');
    expect(classify(h264('-flags', '+ildct+ilme', '-x264-params', 'interlaced=1')).kind).toBe('h264');
  });

  it('names H.265 as soon as its parameter sets are seen', () => {
    const hevc = ffmpeg(['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-f', 'hevc']);
    const v = classify(hevc.subarray(0, 2000), 1 << 30);
    expect(v.kind).toBe('not-h264');
    expect(v.kind === 'not-h264' && v.reason).toMatch(/H\.265\/HEVC/);
  });

  it('gives up on random bytes after the byte limit, not before', () => {
    const junk = randomBytes(128 * 1024);
    expect(classify(junk.subarray(0, 32 * 1024)).kind).toBe('unknown');
    const v = classify(junk);
    expect(v.kind).toBe('not-h264');
    expect(v.kind === 'not-h264' && v.reason).toMatch(/no H\.264 found in the first 128 KiB/);
  });
});

describe('Stream with unsupported input (stdin)', () => {
  it('H.265 on stdin: state error with a clear reason and code, then live when H.264 follows', async () => {
    const { stream, statuses } = makeStream();
    const hevc = ffmpeg(['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-f', 'hevc']);
    await feed(stream, [hevc]);
    expect(stream.state).toBe('error');
    expect(stream.snapshot().reason).toMatch(/^SRV_ERR_NOT_H264: stdin: the input looks like H\.265\/HEVC/);
    expect(statuses.at(-1)).toMatchObject({ state: 'error', code: 'CODEC_UNSUPPORTED' });
    expect(stream.framesIn).toBe(0);
  });

  it('random bytes: error after the byte limit; a valid H.264 stream that follows goes live', async () => {
    const { stream, statuses } = makeStream();
    const input = new PassThrough();
    new StdinSource({ idleFlushMs: 2, maxNalBytes: 1 << 20, input }, stream, testLogger).start();
    const junk = randomBytes(300 * 1024);
    for (let i = 0; i < junk.length; i += 4000) input.write(junk.subarray(i, i + 4000));
    await sleep(20);
    expect(stream.state).toBe('error');
    expect(stream.reason).toMatch(/not an H\.264 Annex-B byte stream/);
    expect(statuses.filter((s) => s.state === 'error')).toHaveLength(1); // one status, one log line

    const good = h264('-pix_fmt', 'yuv420p');
    // A start code ends whatever garbage NAL was pending.
    for (let i = 0; i < good.length; i += 4000) {
      input.write(good.subarray(i, i + 4000));
      await sleep(2);
    }
    await sleep(20);
    expect(stream.state).toBe('live');
    expect(stream.framesIn).toBeGreaterThanOrEqual(4);
    expect(statuses.at(-1)).toEqual({ type: 'status', state: 'live' });
  });

  it.each([
    ['High 10', ['-pix_fmt', 'yuv420p10le'], /High 10, 4:2:0, 10-bit.*10-bit H\.264/],
    ['4:4:4', ['-pix_fmt', 'yuv444p'], /High 4:4:4 Predictive, 4:4:4, 8-bit.*4:4:4 chroma/],
    ['4:2:2', ['-pix_fmt', 'yuv422p'], /High 4:2:2, 4:2:2, 8-bit.*4:2:2 chroma/],
    ['interlaced', ['-pix_fmt', 'yuv420p', '-flags', '+ildct+ilme', '-x264-params', 'interlaced=1'], /interlaced.*interlaced coding/],
  ])('%s H.264 plays (Chromium decodes it) with a warning in /api/streams', async (_name, args, warning) => {
    const { stream } = makeStream();
    await feed(stream, [h264(...args)]);
    expect(stream.state).toBe('live');
    expect(stream.snapshot().warning).toMatch(warning);
    expect(stream.snapshot().reason).toBeUndefined();
  });

  it('plain 8-bit 4:2:0 progressive H.264 has no warning', async () => {
    const { stream } = makeStream();
    await feed(stream, [h264('-pix_fmt', 'yuv420p')]);
    expect(stream.state).toBe('live');
    expect(stream.snapshot().warning).toBeUndefined();
  });
});
