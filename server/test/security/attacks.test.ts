/**
 * The key assertion of the security suite: one viewer, connected from another address for the
 * whole file, keeps receiving the stream at its source rate (within 20%) while each attack runs
 * for 2 s against the same server, every attack is refused with its status, and the server
 * keeps answering /healthz (within 1 s) to that viewer's address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServer, type RunningServer } from '../../src/index.js';
import { mintViewerToken } from '../../src/security/tokens.js';
import { sleep, testLogger } from '../support/fixtures.js';
import { HEALTHY_ADDRESS, handshake, HealthyViewer, rawExchange, upgradeRequest } from '../support/security.js';
import { liveUrl } from '../support/viewer.js';

const SOURCE_FPS = 30;
const ATTACK_MS = 2000;
const SECRET = 'attack-test-secret-0123456789-abcdefghijklmnop';
const PER_IP = 60;

interface Row {
  attack: string;
  fps: number;
  maxGapMs: number;
  healthMaxMs: number;
  refusals: string;
}
const rows: Row[] = [];

describe('a healthy viewer through a series of attacks', () => {
  let server: RunningServer;
  let healthy: HealthyViewer;

  beforeAll(async () => {
    server = await startServer(
      {
        host: '127.0.0.1',
        port: 0,
        viewerTokenSecret: SECRET,
        allowedOrigins: ['https://good.example'],
        handshakeTimeoutMs: 1000,
        maxConnectionsPerIp: PER_IP,
        viewerMaxPayloadBytes: 16 * 1024,
        streams: { demo: 'demo', priv: { source: 'demo', requireViewerToken: true } },
      },
      { logger: testLogger },
    );
    healthy = new HealthyViewer(server);
    await healthy.warmUp();
  });
  afterAll(async () => {
    healthy.close();
    await server.close();
    console.log(`healthy viewer (source ${SOURCE_FPS} fps), ${ATTACK_MS} ms per attack:`);
    console.table(rows.map((r) => ({ ...r, fps: Number(r.fps.toFixed(1)), maxGapMs: Math.round(r.maxGapMs), healthMaxMs: Math.round(r.healthMaxMs) })));
  });

  /** Runs `wave` back to back for ATTACK_MS, probing /healthz from the healthy address meanwhile. */
  async function attack(name: string, wave: () => Promise<(number | null)[]>): Promise<Row> {
    const outcomes = new Map<number | null, number>();
    let healthMaxMs = 0;
    let attacking = true;
    const probe = (async () => {
      while (attacking) {
        const t0 = performance.now();
        const r = await rawExchange(server.port, ['GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], { localAddress: HEALTHY_ADDRESS });
        expect(r.status).toBe(200);
        healthMaxMs = Math.max(healthMaxMs, performance.now() - t0);
        await sleep(100);
      }
    })();
    const from = performance.now();
    while (performance.now() - from < ATTACK_MS) for (const o of await wave()) outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
    const to = performance.now();
    attacking = false;
    await probe;
    const { fps, maxGapMs } = healthy.rate(from, to);
    const row = { attack: name, fps, maxGapMs, healthMaxMs, refusals: JSON.stringify(Object.fromEntries(outcomes)) };
    rows.push(row);
    expect(healthy.closeCode, name).toBeNull();
    expect(fps, `${name}: healthy viewer fps`).toBeGreaterThan(SOURCE_FPS * 0.8);
    expect(fps, `${name}: healthy viewer fps`).toBeLessThan(SOURCE_FPS * 1.2);
    // Loose on purpose: the attackers, the probe and the server share this process's event loop
    // (and the kernel's accept queue during the connection flood: one probe waited 422 ms once);
    // the frame rate above is the precise measure of the server being unaffected.
    expect(healthMaxMs, `${name}: /healthz`).toBeLessThan(1000);
    return row;
  }

  const times = <T>(n: number, f: () => Promise<T>) => Promise.all(Array.from({ length: n }, f));

  it('no attack (baseline)', async () => {
    await attack('none (baseline)', async () => {
      await sleep(200);
      return [];
    });
  });

  it('a flood of connections from one address: 429 past maxConnectionsPerIp', async () => {
    const row = await attack('connection flood', () => times(PER_IP + 40, async () => (await rawExchange(server.port, [upgradeRequest('/live/demo')], { deadlineMs: 300 })).status));
    expect(row.refusals).toMatch(/"429":\d+/);
  });

  it('slowloris: headers a byte at a time, closed with 408 after handshakeTimeoutMs', async () => {
    const request = [...'GET /api/streams HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'z'.repeat(100)];
    const row = await attack('slowloris (40 sockets)', () => times(40, async () => (await rawExchange(server.port, request, { gapMs: 50, deadlineMs: 3000 })).status));
    expect(row.refusals).toMatch(/^\{"408":\d+\}$/);
  });

  it('wrong, expired and other-stream tokens: closed 4401 / 4403', async () => {
    const expired = await mintViewerToken(SECRET, 'priv', { ttlSeconds: 60, now: Date.now() - 600_000 });
    const other = await mintViewerToken(SECRET, 'demo', { ttlSeconds: 60 });
    let i = 0;
    const row = await attack('bad viewer tokens', () =>
      times(20, async () => {
        // A different forged signature each time: every one costs a real HMAC check.
        const token = [expired, other, `${other.slice(0, other.lastIndexOf('.'))}.${Buffer.from(String(i++)).toString('base64url')}`][i % 3]!;
        return (await handshake(liveUrl(server.url, 'priv'), { protocols: ['framewire', `framewire.token.${token}`], openMs: 1000 })).closeCode;
      }),
    );
    expect(row.refusals).toMatch(/"4401":\d+/);
    expect(row.refusals).toMatch(/"4403":\d+/);
    expect(row.refusals).not.toMatch(/null/);
  });

  it('a page of another site (wrong Origin): 403 at the handshake', async () => {
    const row = await attack('wrong Origin', () => times(20, async () => (await handshake(liveUrl(server.url, 'demo'), { headers: { origin: 'https://evil.example' } })).status));
    expect(row.refusals).toMatch(/^\{"403":\d+\}$/);
  });

  it('oversized, binary and invalid control messages from viewers: 1009 / 1003 / 4400', async () => {
    const send = (payload: string | Buffer) => async () => {
      const ws = new WebSocket(liveUrl(server.url, 'demo'), { perMessageDeflate: false });
      ws.on('error', () => {});
      return new Promise<number | null>((resolve) => {
        ws.on('open', () => ws.send(payload));
        ws.on('close', (code) => resolve(code));
        setTimeout(() => resolve(null), 2000);
      });
    };
    const row = await attack('malformed messages', async () => [
      ...(await times(5, send('x'.repeat(20_000)))),
      ...(await times(5, send(Buffer.alloc(100)))),
      ...(await times(5, send('{"type":'))),
    ]);
    expect(Object.keys(JSON.parse(row.refusals) as object).sort()).toEqual(['1003', '1009', '4400']);
  });

  it('path traversal attempts: 400 / 404', async () => {
    const paths = ['/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2fpackage.json', '/hls/demo/..%5c..%5cx', '/..\\..\\etc\\passwd', '/%252e%252e/x', '/watch/%00'];
    const row = await attack('path traversal', () => Promise.all(paths.map(async (p) => (await rawExchange(server.port, [`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`])).status)));
    expect(row.refusals).toMatch(/^\{("40[04]":\d+,?)+\}$/);
  });
});
