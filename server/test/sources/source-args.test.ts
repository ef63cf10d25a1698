import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveServerConfig } from '../../src/config.js';
import { createSource, type SourceHooks } from '../../src/sources/source-factory.js';
import { parseSourceSpec } from '../../src/sources/source-spec.js';
import { testLogger } from '../support/fixtures.js';
import { RecordingSink } from '../support/recording-sink.js';

/**
 * The exact ffmpeg command lines of the sources that cannot run here against a real peer (an RTSP
 * server: ffmpeg cannot be one for pulling). A stand-in ffmpeg records its arguments and exits 1;
 * a stand-in ffprobe answers "H.264 High".
 */
describe('ffmpeg command lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-args-'));
  const argsFile = join(dir, 'args');
  const ffmpeg = join(dir, 'ffmpeg');
  const ffprobe = join(dir, 'ffprobe');
  writeFileSync(ffmpeg, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\necho 'stand-in ffmpeg: cannot open input' >&2\nexit 1\n`);
  writeFileSync(ffprobe, `#!/bin/sh\necho '{"streams":[{"codec_name":"h264","profile":"High","pix_fmt":"yuv420p","field_order":"progressive","has_b_frames":0}]}'\n`);
  chmodSync(ffmpeg, 0o755);
  chmodSync(ffprobe, 0o755);
  const config = resolveServerConfig({ ffmpegPath: ffmpeg, ffprobePath: ffprobe, sourceRestartInitialMs: 60_000, sourceRestartMaxMs: 60_000 });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function commandLine(source: string, hooks: SourceHooks = {}): Promise<{ args: string; sink: RecordingSink }> {
    rmSync(argsFile, { force: true });
    const sink = new RecordingSink();
    const s = createSource(parseSourceSpec(source), sink, config, testLogger, hooks);
    s.start();
    await sink.until(() => sink.events.some((e) => e.kind === 'failed'), 5000, 'the stand-in to exit');
    await s.stop();
    return { args: readFileSync(argsFile, 'utf8').trim().split('\n').join(' '), sink };
  }

  it('RTSP is pulled over TCP and copied', async () => {
    const { args, sink } = await commandLine('rtsp://admin:pw@10.0.0.2/stream1');
    expect(args).toContain('-rtsp_transport tcp -timeout 5000000 -i rtsp://admin:pw@10.0.0.2/stream1 -map 0:v:0 -an -c:v copy');
    expect(sink.events[0]!.reason).toMatch(/exited with code 1: stand-in ffmpeg: cannot open input/);
  });

  it('an RTMP listener gets -listen 1 (not ?listen=1, which ffmpeg ignores) and 1 s of analysis', async () => {
    const { args } = await commandLine('rtmp://0.0.0.0:1935/live/KEY?listen=1');
    expect(args).toContain('-analyzeduration 1000000 -listen 1 -i rtmp://0.0.0.0:1935/live/KEY -map 0:v:0 -an -c:v copy');
  });

  it('an SRT listener keeps its URL options (passphrase) and is not probed', async () => {
    const { args } = await commandLine('srt://0.0.0.0:9000?mode=listener&passphrase=0123456789ab');
    expect(args).toContain('-analyzeduration 1000000 -i srt://0.0.0.0:9000?mode=listener&passphrase=0123456789ab -map 0:v:0');
  });

  it('file: loops by default, loop=0 plays once; both paced with -re', async () => {
    expect((await commandLine('file:/v/a.mkv')).args).toContain('-re -stream_loop -1 -i /v/a.mkv -map 0:v:0 -an -c:v copy');
    const once = (await commandLine('file:/v/a.mkv?loop=0')).args;
    expect(once).toContain('-re -i /v/a.mkv');
    expect(once).not.toContain('-stream_loop');
  });

  it('a pulled URL is analysed for 1 s, and for ffmpeg\'s full 5 s after a run that found no codec parameters in 1 s', async () => {
    const runs = join(dir, 'runs');
    const slowFfmpeg = join(dir, 'ffmpeg-long-gop');
    writeFileSync(slowFfmpeg, `#!/bin/sh\necho "$*" >> '${runs}'\necho '[mpegts @ 0x1] Could not find codec parameters for stream 0 (Video: h264, none): unspecified size' >&2\nexit 1\n`);
    chmodSync(slowFfmpeg, 0o755);
    const sink = new RecordingSink();
    const s = createSource(parseSourceSpec('http://cam.local/live.ts'), sink, { ...config, ffmpegPath: slowFfmpeg, sourceRestartInitialMs: 20, sourceRestartMaxMs: 40 }, testLogger);
    s.start();
    await sink.until(() => sink.events.filter((e) => e.kind === 'failed').length >= 3, 5000, 'three runs');
    await s.stop();
    const lines = readFileSync(runs, 'utf8').trim().split('\n');
    expect(lines[0]).toContain('-analyzeduration 1000000 -i http://cam.local/live.ts');
    expect(lines[1]).not.toContain('-analyzeduration');
    expect(lines[2]).not.toContain('-analyzeduration');
  });

  it('camera: v4l2 on Linux with the live x264 settings', async () => {
    const { args } = await commandLine('camera?size=1280x720&fps=30&gop=60', { platform: 'linux' });
    expect(args).toContain('-f v4l2 -framerate 30 -video_size 1280x720 -i /dev/video0 -map 0:v:0 -an -c:v libx264 -preset ultrafast -tune zerolatency -bf 0 -g 60 -pix_fmt yuv420p');
  });
});
