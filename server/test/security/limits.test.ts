import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index.js';
import { sleep, testLogger } from '../support/fixtures.js';
import { HEALTHY_ADDRESS, handshake, HealthyViewer, metric, rateDuring, rawExchange, upgradeRequest } from '../support/security.js';
import { liveUrl, Viewer } from '../support/viewer.js';

const SOURCE_FPS = 30;

describe('viewer limits (maxViewers, maxViewersPerStream, per-stream maxViewers)', () => {
  let server: RunningServer;
  const viewers: Viewer[] = [];

  beforeAll(async () => {
    server = await startServer(
      {
        host: '127.0.0.1',
        port: 0,
        maxViewers: 5,
        maxViewersPerStream: 3,
        streams: { demo: 'demo', small: { source: 'demo', maxViewers: 1 }, other: 'demo' },
      },
      { logger: testLogger },
    );
  });
  afterAll(async () => {
    for (const v of viewers) v.close();
    await server.close();
  });

  const join = async (name: string) => {
    const v = new Viewer(liveUrl(server.url, name));
    viewers.push(v);
    await v.opened;
    return v;
  };

  it('closes a viewer over a limit with 1013 and a reason, and takes one again when a place frees up', async () => {
    const demo = [await join('demo'), await join('demo'), await join('demo')];
    const fourth = await join('demo');
    await fourth.untilClosed(2000);
    expect(fourth.closeCode).toBe(1013);
    expect(fourth.closeReason).toBe('stream full (3 viewers), try again later');
    expect(fourth.controls).toEqual([]); // nothing before the close: a player may fall back to LL-HLS

    await join('small');
    const second = await join('small');
    await second.untilClosed(2000);
    expect(second.closeReason).toBe('stream full (1 viewers), try again later');

    await join('other'); // 5 viewers now: the total
    const sixth = await join('other');
    await sixth.untilClosed(2000);
    expect(sixth.closeCode).toBe(1013);
    expect(sixth.closeReason).toBe('server full (5 viewers), try again later');

    demo[0]!.close();
    await sleep(100);
    const again = await join('demo');
    await again.untilFrames(1, 3000);
    expect(again.closeCode).toBeNull();
    expect(await metric(server, 'framewire_viewer_refused_total{transport="ws",reason="stream_full"}')).toBe(2);
    expect(await metric(server, 'framewire_viewer_refused_total{transport="ws",reason="server_full"}')).toBe(1);
  });
});

describe('LL-HLS clients count as viewers under the same limits', () => {
  let server: RunningServer;
  const viewers: Viewer[] = [];
  beforeAll(async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, maxViewersPerStream: 2, streams: { demo: 'demo' } }, { logger: testLogger });
  });
  afterAll(async () => {
    for (const v of viewers) v.close();
    await server.close();
  });
  const playlist = (client: string) => fetch(`${server.url}hls/demo/index.m3u8`, { headers: { 'user-agent': client } });

  it('counts an HLS client in /api/streams and /metrics, refuses a new one over the limit with 503, never the ones watching', async () => {
    // The first playlist waits for a complete segment (or says 503 "no media yet, retry").
    await expect.poll(async () => (await playlist('client-a')).status, { timeout: 15_000 }).toBe(200);
    const streams = (await (await fetch(`${server.url}api/streams`)).json()) as Array<{ name: string; viewers: number; hlsViewers: number }>;
    expect(streams.find((s) => s.name === 'demo')).toMatchObject({ viewers: 0, hlsViewers: 1 });
    expect(await metric(server, 'framewire_hls_viewers{stream="demo"}')).toBe(1);

    const ws = new Viewer(liveUrl(server.url, 'demo'));
    viewers.push(ws);
    await ws.untilFrames(1, 3000); // 2 of 2: one HLS client, one WebSocket viewer

    const refused = await playlist('client-b');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.text()).toMatch(/stream full \(2 viewers\), try again later/);
    expect((await playlist('client-a')).status, 'a client already watching goes on').toBe(200);

    const third = new Viewer(liveUrl(server.url, 'demo'));
    viewers.push(third);
    await third.untilClosed(2000);
    expect(third.closeCode).toBe(1013);
  });
});

describe('connections per address (maxConnectionsPerIp)', () => {
  const LIMIT = 20;
  let server: RunningServer;
  let healthy: HealthyViewer;

  beforeAll(async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, maxConnectionsPerIp: LIMIT, streams: { demo: 'demo' } }, { logger: testLogger });
    healthy = new HealthyViewer(server);
    await healthy.warmUp();
  });
  afterAll(async () => {
    healthy.close();
    await server.close();
  });

  it('a flood from one address: the first LIMIT connections are served, the rest get 429 at once, another address keeps playing', async () => {
    const held: Socket[] = [];
    let results: Awaited<ReturnType<typeof rawExchange>>[] = [];
    const during = await rateDuring(healthy, async () => {
      // LIMIT sockets that connect and say nothing (each holds a place until the handshake timeout)...
      for (let i = 0; i < LIMIT; i++) {
        const s = connect({ port: server.port, host: '127.0.0.1' });
        s.on('error', () => {});
        held.push(s);
      }
      await sleep(200);
      // ...then 300 more viewers from the same address, in waves, for 2 s.
      const end = performance.now() + 2000;
      while (performance.now() < end) {
        const wave = await Promise.all(Array.from({ length: 50 }, () => rawExchange(server.port, [upgradeRequest('/live/demo')], { deadlineMs: 1500 })));
        results = results.concat(wave);
      }
    });
    const statuses = new Map<number | null, number>();
    for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    console.log(`per-IP flood: ${results.length} attempts → ${JSON.stringify(Object.fromEntries(statuses))}; healthy viewer ${during.fps.toFixed(1)} fps (source ${SOURCE_FPS}), max gap ${during.maxGapMs.toFixed(0)} ms`);
    expect(statuses.get(429)).toBe(results.length);
    expect(results[0]!.text).toMatch(/Retry-After: 5\r\n/);
    expect(results[0]!.text).toMatch(/too many connections from your address \(limit 20\)/);
    expect(results.every((r) => r.closedAfterMs !== null && r.closedAfterMs < 1000)).toBe(true);
    expect(during.fps).toBeGreaterThan(SOURCE_FPS * 0.8);
    expect(during.fps).toBeLessThan(SOURCE_FPS * 1.2);

    // The server answers other addresses at once, and this one again as soon as its sockets close.
    const health = await rawExchange(server.port, ['GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], { localAddress: HEALTHY_ADDRESS });
    expect(health.status).toBe(200);
    for (const s of held) s.destroy();
    await sleep(100);
    const back = await handshake(liveUrl(server.url, 'demo'), { openMs: 300 });
    expect(back.binaries).toBeGreaterThan(0);
    expect(await metric(server, 'framewire_connections_refused_total{reason="per_ip_limit"}')).toBe(results.length);
    expect(healthy.closeCode).toBeNull();
  });
});
