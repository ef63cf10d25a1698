import { request } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServer, type RunningServer } from '../../src/app.js';
import { isLocalRequest } from '../../src/metrics/metrics-http.js';
import { sleep, testLogger } from '../support/fixtures.js';

/** name{a="x",b="y"} → value, from the Prometheus text format. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_:][a-z0-9_:]*(?:\{[^}]*\})?) (\S+)$/i.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

function value(all: Map<string, number>, key: string): number {
  const v = all.get(key);
  if (v === undefined) throw new Error(`no sample ${key} in /metrics`);
  return v;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(url, { headers });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe('GET /metrics', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(
      {
        host: '127.0.0.1',
        port: 0,
        streams: { demo: 'demo', pub: { source: 'publish', key: 's3cret' }, broken: 'ffmpeg:-f lavfi -i testsrc2' },
        // `broken` never starts (this "ffmpeg" exits at once with status 1), so it is restarted.
        ffmpegPath: '/bin/false',
        sourceRestartInitialMs: 50,
        sourceRestartMaxMs: 100,
      },
      { logger: testLogger },
    );
    await sleep(2100); // one statsWindowMs, so the ingest rates are full
  });
  afterAll(() => server.close());

  it('reports viewers, bytes and frames sent, ingest, stream state and server latency, changing as a viewer watches', async () => {
    const scrape = async () => {
      const res = await get(`${server.url}metrics`);
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
      return samples(res.body);
    };
    const before = await scrape();
    expect(value(before, 'framewire_viewers{stream="demo"}')).toBe(0);
    expect(value(before, 'framewire_bytes_sent_total{stream="demo"}')).toBe(0);
    expect(value(before, 'framewire_server_latency_seconds_count{stream="demo"}')).toBe(0);
    expect(value(before, 'framewire_ingest_frames_total{stream="demo"}')).toBeGreaterThan(5);
    expect(value(before, 'framewire_stream_state{stream="demo",state="live"}')).toBe(1);
    expect(value(before, 'framewire_stream_state{stream="pub",state="waiting"}')).toBe(1);
    expect(value(before, 'framewire_ingest_fps{stream="demo"}')).toBeCloseTo(30, -1);

    // A viewer watches for a second; count what it really received.
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}live/demo`);
    let bytes = 0;
    let frames = 0;
    ws.on('message', (data: Buffer, binary: boolean) => {
      if (!binary) return;
      bytes += data.byteLength;
      frames++;
    });
    await new Promise((resolve) => ws.once('open', resolve));
    await sleep(1000);
    const during = await scrape();
    expect(value(during, 'framewire_viewers{stream="demo"}')).toBe(1);
    expect(value(during, 'framewire_ingest_bitrate_bits_per_second{stream="demo"}')).toBeGreaterThan(100_000);
    const latencyCount = value(during, 'framewire_server_latency_seconds_count{stream="demo"}');
    // One observation per access unit fanned out while the viewer was subscribed (~30 fps).
    expect(latencyCount).toBeGreaterThan(20);
    // The demo source stamps each frame as it hands it over: the fan-out takes well under 5 ms.
    expect(value(during, 'framewire_server_latency_seconds_sum{stream="demo"}') / latencyCount).toBeLessThan(0.005);
    expect(value(during, 'framewire_server_latency_seconds_bucket{le="+Inf",stream="demo"}')).toBe(latencyCount);

    ws.close();
    await new Promise((resolve) => ws.once('close', resolve));
    await sleep(100);
    const after = await scrape();
    expect(value(after, 'framewire_viewers{stream="demo"}')).toBe(0);
    // Totals survive the viewer leaving, and match what it received (at most a frame in flight when it closed).
    const sentFrames = value(after, 'framewire_frames_sent_total{stream="demo"}');
    const sentBytes = value(after, 'framewire_bytes_sent_total{stream="demo"}');
    expect(sentFrames).toBeGreaterThanOrEqual(frames);
    expect(sentFrames).toBeLessThanOrEqual(frames + 2);
    expect(sentBytes).toBeGreaterThanOrEqual(bytes);
    expect(frames).toBeGreaterThan(20);
    expect(value(after, 'framewire_dropped_frames_total{stream="demo"}')).toBe(0);
    // No viewer: no further latency observations for the idle fan-out.
    await sleep(300);
    expect(value(await scrape(), 'framewire_server_latency_seconds_count{stream="demo"}')).toBe(value(after, 'framewire_server_latency_seconds_count{stream="demo"}'));
  });

  it('counts source restarts and refused publish attempts by reason', async () => {
    const put = (path: string) => fetch(`${server.url}${path}`, { method: 'PUT', body: new Uint8Array(16) }).then((r) => r.status);
    expect(await put('publish/pub')).toBe(401);
    expect(await put('publish/pub?key=nope')).toBe(403);
    expect(await put('publish/pub?key=nope')).toBe(403);
    expect(await put('publish/demo?key=x')).toBe(405);
    expect(await put('publish/nosuch?key=x')).toBe(404);
    const all = samples((await get(`${server.url}metrics`)).body);
    expect(value(all, 'framewire_publish_refused_total{reason="no_key"}')).toBe(1);
    expect(value(all, 'framewire_publish_refused_total{reason="wrong_key"}')).toBe(2);
    expect(value(all, 'framewire_publish_refused_total{reason="not_publish_stream"}')).toBe(1);
    expect(value(all, 'framewire_publish_refused_total{reason="unknown_stream"}')).toBe(1);
    expect(value(all, 'framewire_publish_refused_total{reason="busy"}')).toBe(0);
    expect(value(all, 'framewire_source_restarts_total{stream="broken"}')).toBeGreaterThanOrEqual(2);
    expect(value(all, 'framewire_source_restarts_total{stream="demo"}')).toBe(0);
    // process metrics for soak tests
    expect(value(all, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(all.has('process_open_fds')).toBe(true);
  });

  it('answers only this machine by default: a proxied request is refused with 403', async () => {
    const proxied = await get(`${server.url}metrics`, { 'x-forwarded-for': '203.0.113.9' });
    expect(proxied.status).toBe(403);
    expect(proxied.body).toMatch(/metricsAllowRemote/);
    expect((await get(`${server.url}metrics`, { forwarded: 'for=203.0.113.9' })).status).toBe(403);
    const fake = (remoteAddress: string, headers: Record<string, string> = {}) => ({ headers, socket: { remoteAddress } as Socket }) as Parameters<typeof isLocalRequest>[0];
    expect(isLocalRequest(fake('127.0.0.1'))).toBe(true);
    expect(isLocalRequest(fake('127.8.9.10'))).toBe(true);
    expect(isLocalRequest(fake('::1'))).toBe(true);
    expect(isLocalRequest(fake('::ffff:127.0.0.1'))).toBe(true);
    expect(isLocalRequest(fake('10.0.0.5'))).toBe(false);
    expect(isLocalRequest(fake('::ffff:192.168.1.2'))).toBe(false);
    expect(isLocalRequest(fake('fe80::1'))).toBe(false);
  });

  it('serves other machines with metricsAllowRemote: true', async () => {
    const open = await startServer({ host: '127.0.0.1', port: 0, streams: { demo: 'demo' }, metricsAllowRemote: true }, { logger: testLogger });
    try {
      const res = await get(`${open.url}metrics`, { 'x-forwarded-for': '203.0.113.9' });
      expect(res.status).toBe(200);
      expect(res.body).toContain('framewire_viewers{stream="demo"} 0');
    } finally {
      await open.close();
    }
  });

  it('scrapes in a few ms', async () => {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await server.metrics.render();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const median = times[10]!;
    console.log(`/metrics render: median ${median.toFixed(2)} ms, max ${times.at(-1)!.toFixed(2)} ms (3 streams)`);
    expect(median).toBeLessThan(20);
  });
});

describe('GET /healthz', () => {
  it('answers JSON: status, uptime, streams live/total, viewers; 503 "stopping" once shutdown began', async () => {
    let releaseStop: () => void = () => {};
    const server = await startServer(
      { host: '127.0.0.1', port: 0, streams: { demo: 'demo', slow: 'publish' } },
      {
        logger: testLogger,
        // A source whose stop takes a while, so /healthz can be asked during the shutdown.
        sources: {
          slow: () => ({ description: 'slow to stop', start() {}, stop: () => new Promise<void>((resolve) => (releaseStop = resolve)) }),
        },
      },
    );
    try {
      await sleep(300);
      const res = await fetch(`${server.url}healthz`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toEqual({ status: 'ok', uptimeSeconds: expect.any(Number), streams: { total: 2, live: 1 }, viewers: 0 });
      expect(body.uptimeSeconds).toBeGreaterThan(0.1);

      const ws = new WebSocket(`${server.url.replace('http', 'ws')}live/demo`);
      await new Promise((resolve) => ws.once('open', resolve));
      await sleep(50);
      expect(((await (await fetch(`${server.url}healthz`)).json()) as { viewers: number }).viewers).toBe(1);

      const closing = server.close();
      await sleep(100);
      const stopping = await rawGet(server.port, '/healthz');
      expect(stopping.status).toBe(503);
      expect(JSON.parse(stopping.body)).toMatchObject({ status: 'stopping' });
      releaseStop();
      await closing;
    } finally {
      releaseStop();
      await server.close();
    }
  });
});

function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
