import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServer, type RunningServer } from '../../src/index.js';
import { testLogger } from '../support/fixtures.js';
import { liveUrl, Viewer } from '../support/viewer.js';

describe('viewer socket hygiene', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(
      { host: '127.0.0.1', port: 0, streams: { demo: 'demo' }, heartbeatIntervalMs: 100 },
      { logger: testLogger },
    );
  });
  afterAll(() => server.close());

  it('keeps a viewer that answers pings and terminates one that does not', async () => {
    const good = new Viewer(liveUrl(server.url, 'demo'));
    const silent = new WebSocket(liveUrl(server.url, 'demo'), { autoPong: false });
    const silentClosed = new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)));
    await good.opened;
    const code = await silentClosed;
    expect(code).toBe(1006); // terminated: no close frame
    expect(good.closeCode).toBeNull();
    await good.until(() => server.ws.viewerCount === 1, 1000, 'server to drop the silent viewer');
    expect(good.closeCode).toBeNull();
    good.close();
  });

  it('closes a viewer that sends an oversized message (1009) and ignores small ones', async () => {
    const v = new Viewer(liveUrl(server.url, 'demo'));
    await v.untilFrames(1);
    v.ws.send('{"type":"whatever"}');
    v.ws.send(new Uint8Array(70 * 1024));
    await v.untilClosed();
    expect(v.closeCode).toBe(1009);
    expect(server.streams.get('demo')!.state).toBe('live');
  });
});
