import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index.js';
import { CHECK_INTERVAL_MS, guardUpgrade } from '../../src/security/handshake-timeout.js';
import { sleep, testLogger } from '../support/fixtures.js';
import { HealthyViewer, metric, rateDuring, rawExchange, upgradeRequest } from '../support/security.js';

const SOURCE_FPS = 30;
const TIMEOUT_MS = 1000;
/** Node enforces headersTimeout on a timer (CHECK_INTERVAL_MS), plus scheduling slack on a busy 2-core machine. */
const CLOSE_BY_MS = TIMEOUT_MS + CHECK_INTERVAL_MS + 400;

/** A request's bytes, one per chunk: each is written `gapMs` after the previous one. */
const bytewise = (text: string) => [...text].map((c) => c);

describe('slow handshakes (slowloris)', () => {
  let server: RunningServer;
  let healthy: HealthyViewer;

  beforeAll(async () => {
    // No per-address limit here: the timeout alone must free the sockets.
    server = await startServer({ host: '127.0.0.1', port: 0, handshakeTimeoutMs: TIMEOUT_MS, maxConnectionsPerIp: 0, streams: { demo: 'demo' } }, { logger: testLogger });
    healthy = new HealthyViewer(server);
    await healthy.warmUp();
  });
  afterAll(async () => {
    healthy.close();
    await server.close();
  });

  it('closes with 408 a request whose headers trickle in a byte every 100 ms, a WebSocket upgrade too, and a silent socket', async () => {
    const [get, upgrade, silent] = await Promise.all([
      rawExchange(server.port, bytewise('GET /api/streams HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ' + 'a'.repeat(200)), { gapMs: 100 }),
      rawExchange(server.port, bytewise(upgradeRequest('/live/demo').slice(0, -2)), { gapMs: 100 }),
      rawExchange(server.port, [], {}),
    ]);
    for (const [what, r] of [['trickled GET', get], ['trickled upgrade', upgrade], ['silent socket', silent]] as const) {
      console.log(`${what}: closed after ${r.closedAfterMs?.toFixed(0)} ms (handshakeTimeoutMs ${TIMEOUT_MS}) with ${r.text.split('\r\n')[0]}`);
      expect(r.status, what).toBe(408);
      expect(r.closedAfterMs, what).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(r.closedAfterMs, what).toBeLessThan(CLOSE_BY_MS);
    }
    expect(await metric(server, 'framewire_connections_refused_total{reason="handshake_timeout"}')).toBe(3);
  });

  it('a request that completes in time is served (the timeout is on the headers, not the connection)', async () => {
    const r = await rawExchange(server.port, bytewise('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), { gapMs: 15 });
    expect(r.status).toBe(200);
  });

  it('150 slowloris sockets at once: all closed within the timeout, the healthy viewer keeps the source rate', async () => {
    let results: Awaited<ReturnType<typeof rawExchange>>[] = [];
    const during = await rateDuring(healthy, async () => {
      results = await Promise.all(
        Array.from({ length: 150 }, (_, i) => rawExchange(server.port, bytewise(`GET /watch/demo?${i} HTTP/1.1\r\nHost: x\r\nX-A: ${'b'.repeat(100)}`), { gapMs: 50, deadlineMs: 4000 })),
      );
    });
    const closedAfter = results.map((r) => r.closedAfterMs ?? Infinity);
    console.log(`150 slowloris sockets: closed after ${Math.min(...closedAfter).toFixed(0)}–${Math.max(...closedAfter).toFixed(0)} ms; healthy viewer ${during.fps.toFixed(1)} fps (source ${SOURCE_FPS}), max gap ${during.maxGapMs.toFixed(0)} ms over ${during.ms.toFixed(0)} ms`);
    expect(results.every((r) => r.status === 408)).toBe(true);
    expect(Math.max(...closedAfter)).toBeLessThan(CLOSE_BY_MS + 300);
    expect(during.fps).toBeGreaterThan(SOURCE_FPS * 0.8);
    expect(during.fps).toBeLessThan(SOURCE_FPS * 1.2);
  });
});

describe('guardUpgrade', () => {
  it('destroys a socket whose WebSocket handshake did not complete in time, and leaves a completed one alone', async () => {
    const slow = new PassThrough();
    let timedOut = 0;
    guardUpgrade(slow, 100, () => timedOut++);
    const fast = new PassThrough();
    const done = guardUpgrade(fast, 100, () => timedOut++);
    done();
    await sleep(200);
    expect(slow.destroyed).toBe(true);
    expect(fast.destroyed).toBe(false);
    expect(timedOut).toBe(1);
  });
});
