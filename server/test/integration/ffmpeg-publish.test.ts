import { spawn } from 'node:child_process';
import { MediaFlags } from '@framewire/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index.js';
import { testLogger } from '../support/fixtures.js';
import { liveUrl, Viewer } from '../support/viewer.js';

const KEY = 'ffmpeg-key';

/** ffmpeg's http protocol as a publisher: `-f h264 -method PUT` (chunked, one request for the whole run). */
function ffmpegPut(url: string, seconds: number) {
  const proc = spawn(
    'ffmpeg',
    [
      '-hide_banner', '-loglevel', 'error', '-re',
      '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30',
      '-t', String(seconds),
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-bf', '0', '-g', '30', '-pix_fmt', 'yuv420p',
      '-f', 'h264', '-method', 'PUT', url,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; at: number; stderr: string }>((resolve) =>
    proc.once('exit', (code) => resolve({ code, at: performance.now(), stderr })),
  );
  return { proc, exited };
}

describe('ffmpeg publishing with -method PUT', () => {
  let server: RunningServer;
  let framesAfterFirst = -1;
  beforeAll(async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, streams: { cam: { source: 'publish', key: KEY } } }, { logger: testLogger });
  });
  afterAll(async () => {
    await server.close();
  });

  it('plays live while ffmpeg streams (frames arrive one by one, not at the end of the request)', async () => {
    const v = new Viewer(liveUrl(server.url, 'cam'));
    await v.opened;
    const started = performance.now();
    const ff = ffmpegPut(`${server.url}publish/cam?key=${KEY}`, 3);
    const result = await ff.exited;
    v.close();
    expect(result.code, result.stderr).toBe(0);
    const frames = v.frames;
    expect(frames.length).toBeGreaterThan(75); // 90 frames in 3 s
    expect(frames[0]!.flags & MediaFlags.KEY).toBeTruthy();
    // The first picture arrives long before ffmpeg finishes: the body is streamed, not buffered.
    expect(frames[0]!.receivedAt - started).toBeLessThan(1500);
    expect(result.at - frames[0]!.receivedAt).toBeGreaterThan(1500);
    // Arrival timestamps on the 30 fps grid.
    expect(frames[1]!.duration).toBe(3000);
    expect(server.streams.get('cam')!.codec).toMatchObject({ width: 320, height: 240 });
  });

  it('a second ffmpeg is refused (409) while the first keeps publishing', async () => {
    const first = ffmpegPut(`${server.url}publish/cam?key=${KEY}`, 4);
    await expect.poll(() => server.streams.get('cam')!.state, { timeout: 5000 }).toBe('live');
    // ffmpeg does not read the response while it writes: a refusal shows as "Broken pipe" when
    // the server closes the connection (the 409 and its reason are in the server log).
    const t0 = performance.now();
    const second = ffmpegPut(`${server.url}publish/cam?key=${KEY}`, 3);
    const refused = await second.exited;
    expect(refused.code).not.toBe(0);
    expect(refused.at - t0).toBeLessThan(2500);
    expect(refused.stderr).toMatch(/Broken pipe|Connection reset|409/i);
    expect(server.streams.get('cam')!.state).toBe('live');
    expect((await first.exited).code).toBe(0);
    framesAfterFirst = server.streams.get('cam')!.framesIn;
  });

  it('a wrong key makes ffmpeg fail at once (403, connection closed)', async () => {
    const t0 = performance.now();
    const ff = ffmpegPut(`${server.url}publish/cam?key=wrong`, 3);
    const result = await ff.exited;
    expect(result.code).not.toBe(0);
    expect(result.at - t0).toBeLessThan(2500);
    expect(server.streams.get('cam')!.framesIn).toBe(framesAfterFirst);
  });
});
