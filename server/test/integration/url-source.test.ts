import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MediaFlags } from '@framewire/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index.js';
import { testLogger } from '../support/fixtures.js';
import { liveUrl, Viewer } from '../support/viewer.js';

describe('pulled URL source (http://) with restart', () => {
  let origin: Server;
  let server: RunningServer;
  let requests = 0;

  beforeAll(async () => {
    // A 1-second H.264 MPEG-TS clip served over HTTP: ffmpeg pulls it, reaches the end, exits 0.
    const clip = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=30', '-t', '1',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', '-g', '15', '-pix_fmt', 'yuv420p', '-f', 'mpegts', 'pipe:1'], { maxBuffer: 1 << 24 });
    origin = createServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'video/mp2t', 'content-length': clip.byteLength });
      res.end(clip);
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const port = (origin.address() as AddressInfo).port;
    server = await startServer(
      { host: '127.0.0.1', port: 0, streams: { cam: `http://127.0.0.1:${port}/clip.ts` }, sourceRestartInitialMs: 300, sourceRestartMaxMs: 1000 },
      { logger: testLogger },
    );
  });
  afterAll(async () => {
    await server.close();
    await new Promise((resolve) => origin.close(resolve));
  });

  it('copies H.264 without re-encoding, and respawns ffmpeg after it exits with a discontinuity', async () => {
    const v = new Viewer(liveUrl(server.url, 'cam'));
    await v.until(() => v.frames.some((f) => f.flags & MediaFlags.DISCONTINUITY), 10_000, 'a restarted run');
    const states = v.controls.flatMap((m) => (m.type === 'status' ? [m.state] : []));
    // A restartable source that finished cleanly is 'waiting', never 'ended': players would give up.
    expect(states).not.toContain('ended');
    expect(v.controls).toContainEqual({ type: 'status', state: 'waiting', reason: 'source finished; restarting' });
    expect(states.at(-1)).toBe('live');
    const restartAt = v.frames.findIndex((f) => f.flags & MediaFlags.DISCONTINUITY);
    expect(v.frames[restartAt]!.flags & MediaFlags.KEY).toBeTruthy();
    expect(v.frames[restartAt]!.flags & MediaFlags.CONFIG).toBeTruthy();
    expect(requests).toBeGreaterThanOrEqual(3); // ffprobe + ffmpeg, then ffprobe + ffmpeg again
    v.close();
  });
});
