import { MediaFlags } from '@framewire/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index.js';
import { sleep, testLogger } from '../support/fixtures.js';
import { exited, freePort, OBS_LIKE_ARGS, spawnFfmpeg } from '../support/live-ffmpeg.js';
import { liveUrl, Viewer } from '../support/viewer.js';

/**
 * OBS pushing into Framewire, with ffmpeg standing in for OBS (x264 veryfast, zerolatency, no
 * B-frames, FLV over RTMP / MPEG-TS over SRT, as OBS sends them). The listeners are real ffmpeg
 * listeners started by the server's FfmpegSource.
 */
describe('push over RTMP and SRT with a stream key', () => {
  let server: RunningServer;
  let rtmpPort = 0;
  let srtPort = 0;
  const KEY = 's3cret-key';
  const PASSPHRASE = 'correct-horse-battery';
  const publishers: ReturnType<typeof spawnFfmpeg>[] = [];

  /** Publishes like OBS, retrying while the listener is not up yet (OBS retries too). */
  async function publish(url: string, format: 'flv' | 'mpegts'): Promise<ReturnType<typeof spawnFfmpeg>> {
    const deadline = performance.now() + 8000;
    for (;;) {
      const p = spawnFfmpeg([...OBS_LIKE_ARGS, '-f', format, url]);
      publishers.push(p);
      const early = await Promise.race([exited(p).then(() => true), sleep(700).then(() => false)]);
      if (!early) return p;
      if (performance.now() > deadline) throw new Error(`could not publish to ${url}`);
      await sleep(150);
    }
  }

  beforeAll(async () => {
    rtmpPort = await freePort();
    srtPort = await freePort();
    server = await startServer(
      {
        host: '127.0.0.1',
        port: 0,
        streams: {
          obs: `rtmp://127.0.0.1:${rtmpPort}/live/${KEY}?listen=1`,
          obssrt: `srt://127.0.0.1:${srtPort}?mode=listener&passphrase=${PASSPHRASE}`,
        },
        sourceRestartInitialMs: 200,
        sourceRestartMaxMs: 800,
      },
      { logger: testLogger },
    );
  });
  afterAll(async () => {
    for (const p of publishers) p.kill('SIGKILL');
    await server?.close();
  });

  it('RTMP: a wrong key is disconnected before any frame; the right key goes live; a reconnecting publisher resumes', async () => {
    const v = new Viewer(liveUrl(server.url, 'obs'));
    const stream = server.streams.get('obs')!;

    // ffmpeg's listener alone would take this stream (it only logs "Unexpected stream").
    // (Retried while the listener is not up yet: connection refused.)
    let wrong: ReturnType<typeof spawnFfmpeg> | null = null;
    for (let i = 0; i < 20 && stream.state !== 'error'; i++) {
      wrong = spawnFfmpeg([...OBS_LIKE_ARGS, '-f', 'flv', `rtmp://127.0.0.1:${rtmpPort}/live/WRONG`]);
      publishers.push(wrong);
      await Promise.race([exited(wrong), sleep(3000)]);
      await sleep(100);
    }
    expect(stream.state).toBe('error');
    expect(stream.reason).toMatch(/wrong stream key/);
    expect(stream.reason).not.toMatch(/WRONG|s3cret/);
    // Its connection was closed: the publisher gave up by itself, long before its input ended.
    expect(wrong!.exitCode ?? wrong!.signalCode).not.toBeNull();
    expect(v.frames.length).toBe(0);

    const first = await publish(`rtmp://127.0.0.1:${rtmpPort}/live/${KEY}`, 'flv');
    await v.untilFrames(20, 10_000);
    expect(stream.state).toBe('live');
    expect(v.frames[0]!.flags & MediaFlags.KEY).toBeTruthy();

    // OBS loses its connection, then reconnects: the listener is started again and the stream resumes.
    first.kill('SIGKILL');
    await v.until(() => stream.state !== 'live', 5000, 'the stream to notice the publisher left');
    const count = v.frames.length;
    const again = performance.now();
    await publish(`rtmp://127.0.0.1:${rtmpPort}/live/${KEY}`, 'flv');
    await v.until(() => v.frames.slice(count).some((f) => f.flags & MediaFlags.DISCONTINUITY), 10_000, 'frames from the reconnected publisher');
    const resumed = v.frames.slice(count).find((f) => f.flags & MediaFlags.DISCONTINUITY)!;
    expect(resumed.flags & MediaFlags.KEY).toBeTruthy();
    process.stdout.write(`rtmp republish: first frame ${(resumed.receivedAt - again).toFixed(0)} ms after the publisher reconnected\n`);
    expect(v.closeCode).toBeNull();
    v.close();
  });

  it('SRT: the passphrase is the key; a wrong one is rejected in the handshake, the right one goes live and can reconnect', async () => {
    const v = new Viewer(liveUrl(server.url, 'obssrt'));
    const wrong = spawnFfmpeg([...OBS_LIKE_ARGS, '-f', 'mpegts', `srt://127.0.0.1:${srtPort}?passphrase=not-the-passphrase`]);
    publishers.push(wrong);
    // libsrt refuses the handshake (BADSECRET): the publisher fails, nothing reaches the stream.
    expect(await exited(wrong)).not.toBe(0);
    expect(v.frames.length).toBe(0);

    const start = performance.now();
    const first = await publish(`srt://127.0.0.1:${srtPort}?passphrase=${PASSPHRASE}`, 'mpegts');
    await v.untilFrames(20, 12_000);
    process.stdout.write(`srt publish: first frame ${(v.frames[0]!.receivedAt - start).toFixed(0)} ms after the publisher started\n`);
    const stream = server.streams.get('obssrt')!;
    expect(stream.state).toBe('live');

    const killed = performance.now();
    first.kill('SIGKILL');
    // A vanished SRT peer (no shutdown handshake) is noticed after SRT's peer idle timeout, 5 s by default.
    await v.until(() => stream.state !== 'live', 8000, 'the stream to notice the publisher left');
    process.stdout.write(`srt: publisher loss noticed after ${(performance.now() - killed).toFixed(0)} ms\n`);
    const count = v.frames.length;
    const again = performance.now();
    await publish(`srt://127.0.0.1:${srtPort}?passphrase=${PASSPHRASE}`, 'mpegts');
    await v.until(() => v.frames.slice(count).some((f) => f.flags & MediaFlags.DISCONTINUITY), 10_000, 'frames from the reconnected publisher');
    const resumed = v.frames.slice(count).find((f) => f.flags & MediaFlags.DISCONTINUITY)!;
    process.stdout.write(`srt republish: first frame ${(resumed.receivedAt - again).toFixed(0)} ms after the publisher reconnected\n`);
    expect(stream.state).toBe('live');
    v.close();
  });
});
