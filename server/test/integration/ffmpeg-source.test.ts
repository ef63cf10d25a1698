import { MediaFlags, type CodecMessage } from '@framewire/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index.js';
import { testLogger } from '../support/fixtures.js';
import { liveUrl, Viewer } from '../support/viewer.js';

describe('ffmpeg: sources (FLV over a pipe)', () => {
  let server: RunningServer;
  const viewers: Viewer[] = [];
  let shortViewer: Viewer;

  beforeAll(async () => {
    server = await startServer(
      {
        host: '127.0.0.1',
        port: 0,
        sourceRestartInitialMs: 200,
        sourceRestartMaxMs: 400,
        streams: {
          live: 'ffmpeg:-re -f lavfi -i testsrc2=size=320x240:rate=30',
          short: 'ffmpeg:-re -t 1 -f lavfi -i testsrc2=size=320x240:rate=30',
          broken: 'ffmpeg:-f lavfi -i nosuchfilter=foo',
          missing: 'file:/nonexistent/clip.mp4',
        },
      },
      { logger: testLogger },
    );
    // Joins before the 1-second source finishes.
    shortViewer = new Viewer(liveUrl(server.url, 'short'));
    viewers.push(shortViewer);
  });
  afterAll(async () => {
    for (const v of viewers) v.close();
    await server.close();
  });

  it('produces live access units with FLV-derived timestamps, exact 3000-tick steps', async () => {
    const v = new Viewer(liveUrl(server.url, 'live'));
    viewers.push(v);
    await v.untilFrames(40, 8000);
    const codec = v.controls.find((m) => m.type === 'codec') as CodecMessage;
    expect(codec).toMatchObject({ width: 320, height: 240, fps: 30 });
    expect(codec.codec).toMatch(/^avc1\.[0-9a-f]{6}$/);
    const frames = v.frames;
    expect(frames[0]!.flags & MediaFlags.KEY).toBeTruthy();
    expect(frames[0]!.flags & MediaFlags.CONFIG).toBeTruthy();
    // FLV stores whole ms (33/33/34): the SPS frame rate snaps them back to exact 90 kHz steps.
    for (let i = 1; i < frames.length; i++) {
      expect(frames[i]!.dts - frames[i - 1]!.dts).toBe(3000);
      expect(frames[i]!.pts).toBe(frames[i]!.dts);
    }
    // -re: frames arrive in real time (media clock ≈ wall clock), after the GOP burst.
    const live = frames.filter((f) => f.receivedAt - frames[0]!.receivedAt > 100);
    const span = live.at(-1)!.receivedAt - live[0]!.receivedAt;
    const media = (live.at(-1)!.dts - live[0]!.dts) / 90;
    expect(Math.abs(span - media)).toBeLessThan(100);
    // Arrival to send on the server: well under a millisecond or two.
    const serverDelay = live.map((f) => f.sendTimeMs - f.captureTimeMs).sort((a, b) => a - b);
    expect(serverDelay[Math.floor(serverDelay.length / 2)]!).toBeLessThan(2);
  });

  it('reports a source that finishes as ended, to API and viewers', async () => {
    const v = shortViewer;
    await v.until(() => v.controls.some((m) => m.type === 'status' && m.state === 'ended'), 8000, 'ended status');
    expect(v.frames.length).toBeGreaterThan(10);
    const rows = (await (await fetch(`${server.url}api/streams`)).json()) as { name: string; state: string; reason?: string }[];
    expect(rows.find((r) => r.name === 'short')).toMatchObject({ state: 'ended', restarts: 0 });
  });

  it('reports ffmpeg failures as state error with the reason, other streams unaffected', async () => {
    const stream = server.streams.get('broken')!;
    const deadline = Date.now() + 8000;
    while (stream.state !== 'error' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(stream.state).toBe('error');
    expect(stream.reason).toMatch(/SRV_ERR_SOURCE_EXITED: ffmpeg exited with code/);
    expect(stream.reason).toMatch(/nosuchfilter/i);
    const missing = server.streams.get('missing')!;
    while (missing.state !== 'error' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(missing.state).toBe('error');
    expect(server.streams.get('live')!.state).toBe('live');
    // Failures are retried with backoff (200 → 400 ms here), clean ends are not (above).
    const restartsOf = async (name: string): Promise<number> => {
      const rows = (await (await fetch(`${server.url}api/streams`)).json()) as { name: string; restarts: number }[];
      return rows.find((r) => r.name === name)!.restarts;
    };
    while ((await restartsOf('broken')) < 2 && Date.now() < deadline + 4000) await new Promise((r) => setTimeout(r, 100));
    expect(await restartsOf('broken')).toBeGreaterThanOrEqual(2);
    expect(await restartsOf('missing')).toBeGreaterThanOrEqual(1);
    expect(stream.state).toBe('error');
  });
});

describe('ffmpeg missing', () => {
  it('fails the stream with SRV_ERR_FFMPEG_MISSING naming apt-get install ffmpeg', async () => {
    const server = await startServer(
      { host: '127.0.0.1', port: 0, ffmpegPath: '/nonexistent/ffmpeg', streams: { a: 'ffmpeg:-f lavfi -i testsrc2' } },
      { logger: testLogger },
    );
    try {
      const stream = server.streams.get('a')!;
      const deadline = Date.now() + 3000;
      while (stream.state !== 'error' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(stream.reason).toMatch(/^SRV_ERR_FFMPEG_MISSING: .*apt-get install ffmpeg/);
    } finally {
      await server.close();
    }
  });
});
