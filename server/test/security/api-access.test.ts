import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index.js';
import { testLogger } from '../support/fixtures.js';

/** A request a reverse proxy forwarded for another machine (the server treats it as remote). */
const REMOTE = { 'x-forwarded-for': '203.0.113.7' };

describe('what other machines may read: /api/streams and /metrics', () => {
  let open: RunningServer;
  let closed: RunningServer;

  beforeAll(async () => {
    closed = await startServer({ host: '127.0.0.1', port: 0, streams: { demo: 'demo' } }, { logger: testLogger });
    open = await startServer({ host: '127.0.0.1', port: 0, apiAllowRemote: true, metricsAllowRemote: true, streams: { demo: 'demo' } }, { logger: testLogger });
  });
  afterAll(async () => {
    await open.close();
    await closed.close();
  });

  it('by default /api/streams and /metrics answer only this machine, saying which key opens them', async () => {
    expect((await fetch(`${closed.url}api/streams`)).status).toBe(200);
    expect((await fetch(`${closed.url}metrics`)).status).toBe(200);
    const api = await fetch(`${closed.url}api/streams`, { headers: REMOTE });
    expect(api.status).toBe(403);
    expect(await api.text()).toMatch(/apiAllowRemote/);
    const metrics = await fetch(`${closed.url}metrics`, { headers: REMOTE });
    expect(metrics.status).toBe(403);
    expect(await metrics.text()).toMatch(/metricsAllowRemote/);
  });

  it('apiAllowRemote / metricsAllowRemote: true serve other machines too', async () => {
    expect((await fetch(`${open.url}api/streams`, { headers: REMOTE })).status).toBe(200);
    expect((await fetch(`${open.url}metrics`, { headers: REMOTE })).status).toBe(200);
  });
});
