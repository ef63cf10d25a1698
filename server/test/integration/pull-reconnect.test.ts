import { MediaFlags } from '@framewire/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index.js';
import { testLogger } from '../support/fixtures.js';
import { LiveTsOrigin } from '../support/live-ffmpeg.js';
import { liveUrl, Viewer } from '../support/viewer.js';

describe('pulled http:// source: the remote side drops mid-stream and comes back', () => {
  const origin = new LiveTsOrigin();
  let port = 0;
  let server: RunningServer;

  beforeAll(async () => {
    port = await origin.start();
    server = await startServer(
      { host: '127.0.0.1', port: 0, streams: { remote: `http://127.0.0.1:${port}/live.ts` }, sourceRestartInitialMs: 250, sourceRestartMaxMs: 500 },
      { logger: testLogger },
    );
  });
  afterAll(async () => {
    await server?.close();
    await origin.stop();
  });

  it('keeps viewers connected while it is gone, then resumes live with a discontinuity', async () => {
    const v = new Viewer(liveUrl(server.url, 'remote'));
    await v.untilFrames(20, 12_000);
    const before = v.frames.length;

    await origin.stop();
    await v.until(() => v.controls.some((m) => m.type === 'status' && m.state !== 'live'), 5000, 'the stream to notice the drop');
    // Gone for a while: several reconnect attempts fail (connection refused) and are retried.
    await new Promise((r) => setTimeout(r, 1000));
    // Each attempt fails with the reason, on /api/streams and to viewers.
    expect(server.streams.get('remote')!.state).toBe('error');
    expect(server.streams.get('remote')!.reason).toMatch(new RegExp(`cannot open http://127.0.0.1:${port}/live.ts: Connection refused`));
    expect(v.closeCode).toBeNull(); // the viewer keeps its connection

    const back = performance.now();
    await origin.start(port);
    await v.until(() => v.frames.slice(before).some((f) => f.flags & MediaFlags.DISCONTINUITY), 10_000, 'frames after the remote came back');
    const first = v.frames.slice(before).find((f) => f.flags & MediaFlags.DISCONTINUITY)!;
    // The restarted run begins at a key frame with its parameter sets, flagged so the player re-anchors its timeline.
    expect(first.flags & MediaFlags.KEY).toBeTruthy();
    expect(first.flags & MediaFlags.CONFIG).toBeTruthy();
    const reconnectMs = first.receivedAt - back;
    process.stdout.write(`pull reconnect: first frame ${reconnectMs.toFixed(0)} ms after the remote came back\n`);
    expect(reconnectMs).toBeLessThan(8000);
    await v.untilFrames(v.frames.length + 15, 5000);
    expect(server.streams.get('remote')!.state).toBe('live');
    v.close();
  });
});

describe('pulled http:// source with a 4 s GOP', () => {
  const origin = new LiveTsOrigin(120);
  let server: RunningServer;

  beforeAll(async () => {
    const port = await origin.start();
    server = await startServer(
      { host: '127.0.0.1', port: 0, streams: { slow: `http://127.0.0.1:${port}/live.ts` }, sourceRestartInitialMs: 250, sourceRestartMaxMs: 500 },
      { logger: testLogger },
    );
  });
  afterAll(async () => {
    await server?.close();
    await origin.stop();
  });

  it('goes live even when 1 s of analysis holds no key frame (falls back to the full window)', async () => {
    const v = new Viewer(liveUrl(server.url, 'slow'));
    const start = performance.now();
    await v.untilFrames(10, 16_000);
    process.stdout.write(`4 s GOP pull: first frame after ${(performance.now() - start).toFixed(0)} ms\n`);
    expect(v.frames[0]!.flags & MediaFlags.KEY).toBeTruthy();
    expect(server.streams.get('slow')!.state).toBe('live');
    v.close();
  });
});
