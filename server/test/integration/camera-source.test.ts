import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NalType, nalType, parseSps } from '@framewire/shared';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { resolveServerConfig } from '../../src/config.js';
import type { CameraInputArgs } from '../../src/sources/camera.js';
import { FfmpegSource } from '../../src/sources/ffmpeg-source.js';
import { createSource } from '../../src/sources/source-factory.js';
import { parseSourceSpec } from '../../src/sources/source-spec.js';
import type { Source } from '../../src/sources/source.js';
import { fixtureAccessUnits, testLogger } from '../support/fixtures.js';
import { RecordingSink } from '../support/recording-sink.js';

/**
 * This machine has no camera. These tests run the production camera: path — SOURCE parsing,
 * createSource, the encode arguments (x264 settings, gop, or -c:v copy for format=h264) and the
 * FfmpegSource run — with only the device-opening input arguments replaced through
 * SourceHooks.cameraInput: a real-time lavfi test pattern (or a raw H.264 file read at its frame
 * rate, standing in for a camera that outputs H.264). The platform argument builders are
 * unit-tested in test/sources/camera-and-file-spec.test.ts; the v4l2 path itself runs in the
 * "device that cannot be opened" test below.
 */
const lavfiCamera: CameraInputArgs = (_device, o) => ['-re', '-f', 'lavfi', '-i', `testsrc2=size=${o.size ?? '640x480'}:rate=${o.fps ?? 30}`];

describe('camera: source (lavfi standing in for the device)', () => {
  const config = resolveServerConfig({ sourceRestartInitialMs: 200, sourceRestartMaxMs: 400 });
  const dir = mkdtempSync(join(tmpdir(), 'fw-camera-'));
  let source: Source | null = null;
  afterEach(async () => {
    await source?.stop();
    source = null;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('encodes for low latency: requested size, key frame every gop frames, no B-frames, real time', async () => {
    const sink = new RecordingSink();
    source = createSource(parseSourceSpec('camera:/dev/video0?size=320x240&fps=30&gop=15'), sink, config, testLogger, { cameraInput: lavfiCamera });
    expect(source.description).toBe('camera /dev/video0 (x264, key frame every 15 frames)');
    source.start();
    await sink.until(() => sink.units.length >= 50, 8000, '50 access units');
    const units = sink.units;
    const sps = parseSps(units[0]!.nalus.find((n) => nalType(n) === NalType.SPS)!);
    expect([sps.width, sps.height]).toEqual([320, 240]);
    const keys = units.flatMap((u, i) => (u.key ? [i] : []));
    expect(keys.slice(0, 4)).toEqual([0, 15, 30, 45]);
    for (let i = 1; i < units.length; i++) {
      expect(units[i]!.pts).toBe(units[i]!.dts); // no B-frames: nothing waits for reordering
      expect(units[i]!.dts - units[i - 1]!.dts).toBe(3000);
    }
    const span = units.at(-1)!.at - units[10]!.at;
    expect(Math.abs(span - ((units.length - 11) * 1000) / 30)).toBeLessThan(150);
    expect(sink.events).toEqual([]);
  });

  it('format=h264 copies the camera H.264 unchanged', async () => {
    const clip = join(dir, 'camera.h264');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-t', '2',
      '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-bf', '0', '-g', '20', '-pix_fmt', 'yuv420p', '-f', 'h264', clip]);
    // A camera with H.264 output delivers encoded frames at its own rate: the raw stream read in real time.
    const h264Camera: CameraInputArgs = (_device, o) => ['-re', '-f', 'h264', '-framerate', String(o.fps ?? 30), '-i', clip];
    const sink = new RecordingSink();
    source = createSource(parseSourceSpec('camera:/dev/video0?format=h264&fps=30'), sink, config, testLogger, { cameraInput: h264Camera });
    source.start();
    await sink.until(() => sink.units.length >= 30, 8000, '30 access units');
    const slices = (nalus: Uint8Array[]) => nalus.filter((n) => nalType(n) === NalType.IDR || nalType(n) === NalType.SLICE).map((n) => Buffer.from(n).toString('hex'));
    const reference = fixtureAccessUnits(clip);
    for (let i = 0; i < 30; i++) expect(slices(sink.units[i]!.nalus)).toEqual(slices(reference[i]!.nalus));
    // Main profile as encoded above: the live encoder (ultrafast) would have produced Constrained Baseline.
    expect(parseSps(sink.units[0]!.nalus.find((n) => nalType(n) === NalType.SPS)!).profileIdc).toBe(77);
  });

  it('a device that cannot be opened: clear error naming it, then retried with backoff', async () => {
    const sink = new RecordingSink();
    source = createSource(parseSourceSpec('camera:/dev/video9'), sink, config, testLogger, { platform: 'linux' });
    source.start();
    await sink.until(() => sink.events.filter((e) => e.kind === 'failed').length >= 2, 8000, 'two failed runs');
    expect(sink.events[0]!.reason).toMatch(/ffmpeg exited with code \d+: .*\/dev\/video9/);
    expect(sink.units).toEqual([]);
    expect((source as FfmpegSource).restarts).toBeGreaterThanOrEqual(1);
  });
});
