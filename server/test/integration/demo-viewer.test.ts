import { CloseCode, MediaFlags, type CodecMessage } from '@framewire/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index.js';
import { sleep, testLogger } from '../support/fixtures.js';
import { liveUrl, Viewer } from '../support/viewer.js';

describe('demo stream over WebSocket', () => {
  let server: RunningServer;
  const viewers: Viewer[] = [];
  const viewer = (name = 'demo') => {
    const v = new Viewer(liveUrl(server.url, name));
    viewers.push(v);
    return v;
  };

  beforeAll(async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, streams: { demo: 'demo' } }, { logger: testLogger });
  });

  it('tells a viewer that joins before the first frame that the stream is starting, then codec and live', async () => {
    const v = viewer();
    await v.untilFrames(1, 3000);
    expect(v.controls.map((m) => m.type)).toEqual(['hello', 'status', 'live-edge', 'codec', 'status']);
    expect(v.controls[1]).toMatchObject({ state: 'starting' });
    expect(v.controls[2]).toMatchObject({ cachedFrames: 0 });
    expect(v.controls[4]).toMatchObject({ state: 'live' });
    expect(v.frames[0]!.flags & MediaFlags.KEY).toBeTruthy();
    v.close();
  });
  afterAll(async () => {
    for (const v of viewers) v.close();
    await server.close();
  });

  it('sends hello, codec, status, then a KEY|CONFIG frame and frames ~33 ms apart with dts step 3000', async () => {
    const v = viewer();
    await v.untilFrames(45, 4000);
    const [hello, codec, status] = v.controls;
    expect(hello).toMatchObject({ type: 'hello', protocol: 1, stream: 'demo' });
    expect(codec).toMatchObject({ type: 'codec', width: 1280, height: 720, fps: 30 });
    expect((codec as CodecMessage).codec).toMatch(/^avc1\.4d/);
    expect(status).toMatchObject({ type: 'status', state: 'live' });
    // Control messages come before any media.
    expect(v.log.slice(0, 3).every((r) => r.kind === 'control')).toBe(true);

    const frames = v.frames;
    const first = frames[0]!;
    expect(first.flags & MediaFlags.KEY).toBeTruthy();
    expect(first.flags & MediaFlags.CONFIG).toBeTruthy();
    for (let i = 1; i < frames.length; i++) {
      expect(frames[i]!.dts - frames[i - 1]!.dts).toBe(3000);
      expect(frames[i]!.sequence).toBe(frames[i - 1]!.sequence + 1);
      expect(frames[i]!.duration).toBe(3000);
    }
    // Pacing: skip the GOP burst at the start, then the mean gap is one frame (33.3 ms).
    const live = frames.filter((f) => f.receivedAt - first.receivedAt > 50);
    const gaps = live.slice(1).map((f, i) => f.receivedAt - live[i]!.receivedAt);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean).toBeGreaterThan(30);
    expect(mean).toBeLessThan(37);
    // Each frame leaves the server within a few ms of being produced (send - capture).
    const serverDelay = live.map((f) => f.sendTimeMs - f.captureTimeMs).sort((a, b) => a - b);
    expect(serverDelay[Math.floor(serverDelay.length * 0.95)]!).toBeLessThan(5);
  });

  it('gives a late joiner the cached GOP at once, starting with a key frame', async () => {
    await sleep(500); // land mid-GOP (GOP 30 = 1 s)
    const cached = server.streams.get('demo')!.cachedGop().length;
    const v = viewer();
    await v.untilFrames(Math.max(cached, 2) + 3, 3000);
    const frames = v.frames;
    expect(frames[0]!.flags & MediaFlags.KEY).toBeTruthy();
    expect(frames[0]!.flags & MediaFlags.CONFIG).toBeTruthy();
    // The burst: all cached frames arrive within a few ms of the first one, not paced.
    const burst = frames.filter((f) => f.receivedAt - frames[0]!.receivedAt < 15);
    expect(burst.length).toBeGreaterThanOrEqual(Math.min(cached, 2));
    expect(burst.length).toBeGreaterThanOrEqual(cached - 1);
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.dts - frames[i - 1]!.dts).toBe(3000);
    // `live-edge` separates the burst from live frames: exactly the cached frames precede it.
    const edge = v.log.findIndex((r) => r.kind === 'control' && r.message.type === 'live-edge');
    const before = v.log.slice(0, edge).filter((r) => r.kind === 'media').length;
    expect(v.log[edge]).toMatchObject({ message: { cachedFrames: before } });
    expect(Math.abs(before - cached)).toBeLessThanOrEqual(1); // a frame may land between the two reads
  });

  it('answers an unknown stream with an error message and close 4404', async () => {
    const v = viewer('nope');
    await v.untilClosed();
    expect(v.controls[0]).toMatchObject({ type: 'error', code: 'STREAM_NOT_FOUND' });
    expect(v.closeCode).toBe(CloseCode.STREAM_NOT_FOUND);
    expect(v.closeReason).toBe('stream "nope" not found');
  });

  it('rejects an invalid stream name with close 4400', async () => {
    const v = viewer('bad%20name');
    await v.untilClosed();
    expect(v.controls[0]).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
    expect(v.closeCode).toBe(CloseCode.BAD_REQUEST);
  });

  it('closes viewers with 1001 on shutdown', async () => {
    const local = await startServer({ host: '127.0.0.1', port: 0, streams: { demo: 'demo' } }, { logger: testLogger });
    const v = new Viewer(liveUrl(local.url, 'demo'));
    await v.untilFrames(1);
    await local.close();
    await v.untilClosed();
    expect(v.closeCode).toBe(CloseCode.GOING_AWAY);
  });
});
