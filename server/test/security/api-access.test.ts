import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index.js';
import { testLogger } from '../support/fixtures.js';

/** A request a reverse proxy forwarded for another machine (the server treats it as remote). */
const REMOTE = { 'x-forwarded-for': '203.0.113.7' };

describe('what other machines may read: /api/streams and /metrics', () => {
  let open: RunningServer;
  let closed: RunningServer;

  beforeAll(async () => {
    open = await startServer({ host: '127.0.0.1', port: 0, streams: { demo: 'demo' } }, { logger: testLogger });
    closed = await startServer({ host: '127.0.0.1', port: 0, apiAllowRemote: false, metricsAllowRemote: false, streams: { demo: 'demo' } }, { logger: testLogger });
  });
  afterAll(async () => {
    await open.close();
    await closed.close();
  });

  it('by default /api/streams answers everyone (the index page reads it) and /metrics only this machine', async () => {
    expect((await fetch(`${open.url}api/streams`, { headers: REMOTE })).status).toBe(200);
    expect((await fetch(`${open.url}metrics`, { headers: REMOTE })).status).toBe(403);
    expect((await fetch(`${open.url}metrics`)).status).toBe(200);
  });

  it('apiAllowRemote: false keeps /api/streams to this machine', async () => {
    expect((await fetch(`${closed.url}api/streams`)).status).toBe(200);
    const remote = await fetch(`${closed.url}api/streams`, { headers: REMOTE });
    expect(remote.status).toBe(403);
    expect(await remote.text()).toMatch(/apiAllowRemote/);
  });
});
