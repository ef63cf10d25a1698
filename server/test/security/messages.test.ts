import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServer, type RunningServer } from '../../src/index.js';
import { sleep, testLogger } from '../support/fixtures.js';
import { publishWsUrl, WsPublisher } from '../support/publisher.js';
import { HealthyViewer, metric, rateDuring } from '../support/security.js';
import { liveUrl, Viewer } from '../support/viewer.js';

const SOURCE_FPS = 30;
const MAX_PAYLOAD = 16 * 1024;
const PUBLISH_MAX_PAYLOAD = 256 * 1024;

/** Opens a viewer, sends `send` once it is open, and resolves with how the server closed it. */
async function viewerSending(server: RunningServer, send: (ws: WebSocket) => void): Promise<{ code: number | null; reason: string }> {
  const v = new Viewer(liveUrl(server.url, 'demo'));
  v.ws.on('error', () => {});
  await v.opened;
  send(v.ws);
  await v.untilClosed(3000);
  return { code: v.closeCode, reason: v.closeReason };
}

describe('malformed and oversized WebSocket messages', () => {
  let server: RunningServer;
  let healthy: HealthyViewer;

  beforeAll(async () => {
    server = await startServer(
      {
        host: '127.0.0.1',
        port: 0,
        viewerMaxPayloadBytes: MAX_PAYLOAD,
        publishMaxPayloadBytes: PUBLISH_MAX_PAYLOAD,
        streams: { demo: 'demo', cam: { source: 'publish', key: 'k3y' } },
      },
      { logger: testLogger },
    );
    healthy = new HealthyViewer(server);
    await healthy.warmUp();
  });
  afterAll(async () => {
    healthy.close();
    await server.close();
  });

  it('closes a viewer for an oversized (1009), binary (1003), non-JSON (4400) or flooding (1008) message; ignores unknown types', async () => {
    expect(await viewerSending(server, (ws) => ws.send('x'.repeat(MAX_PAYLOAD + 1)))).toMatchObject({ code: 1009 });
    expect(await viewerSending(server, (ws) => ws.send(Buffer.alloc(MAX_PAYLOAD + 1), { binary: true }))).toMatchObject({ code: 1009 });
    expect(await viewerSending(server, (ws) => ws.send(Buffer.from([0, 0, 0, 1, 0x65]), { binary: true }))).toMatchObject({ code: 1003 });
    for (const text of ['{"type":', 'not json', '[1,2]', '42', 'null', '{"no":"type"}', '{"type":7}']) {
      expect(await viewerSending(server, (ws) => ws.send(text)), text).toMatchObject({ code: 4400, reason: expect.stringMatching(/invalid control message/) });
    }
    // Text that is not UTF-8: ws closes with 1007 (RFC 6455 8.1).
    expect(await viewerSending(server, (ws) => ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false }))).toMatchObject({ code: 1007 });
    expect(await viewerSending(server, (ws) => {
      for (let i = 0; i < 100; i++) ws.send('{"type":"ping"}');
    })).toMatchObject({ code: 1008 });

    // A known-shaped message of an unknown type is ignored: the viewer keeps receiving frames.
    const polite = new Viewer(liveUrl(server.url, 'demo'));
    await polite.opened;
    polite.ws.send('{"type":"future-feature","x":1}');
    const before = polite.frames.length;
    await polite.untilFrames(before + 10, 2000);
    expect(polite.closeCode).toBeNull();
    polite.close();
    expect(await metric(server, 'framewire_viewer_refused_total{transport="ws",reason="bad_message"}')).toBe(9);
  });

  it('closes a publisher for an oversized (1009) or a text (1003) message; garbage bytes leave the other streams playing', async () => {
    const url = publishWsUrl(server.url, 'cam', 'k3y');
    const big = new WsPublisher(url);
    await big.opened;
    big.send(new Uint8Array(PUBLISH_MAX_PAYLOAD + 1));
    await big.closed;
    expect(big.closeCode).toBe(1009);
    const text = new WsPublisher(url);
    await text.opened;
    text.ws.send('hello');
    await text.closed;
    expect(text.closeCode).toBe(1003);
    const garbage = new WsPublisher(url);
    await garbage.opened;
    for (let i = 0; i < 40; i++) garbage.send(new Uint8Array(64 * 1024).map((_, j) => (i * 31 + j * 7) & 0xff));
    await sleep(300);
    garbage.close();
    await garbage.closed;
    const streams = (await (await fetch(`${server.url}api/streams`)).json()) as { name: string; state: string }[];
    expect(streams.find((s) => s.name === 'demo')?.state).toBe('live');
  });

  it('the healthy viewer kept the source rate through a burst of malformed and oversized messages', async () => {
    const during = await rateDuring(healthy, async () => {
      const end = performance.now() + 2000;
      while (performance.now() < end) {
        await Promise.all([
          viewerSending(server, (ws) => ws.send('x'.repeat(MAX_PAYLOAD + 1))),
          viewerSending(server, (ws) => ws.send('{"type":')),
          viewerSending(server, (ws) => ws.send(Buffer.alloc(1000), { binary: true })),
          (async () => {
            const p = new WsPublisher(publishWsUrl(server.url, 'cam', 'k3y'));
            await p.opened.catch(() => {});
            p.send(new Uint8Array(PUBLISH_MAX_PAYLOAD + 1));
            await p.closed;
          })(),
        ]);
      }
    });
    console.log(`healthy viewer during malformed-message burst: ${during.fps.toFixed(1)} fps (source ${SOURCE_FPS}), max gap ${during.maxGapMs.toFixed(0)} ms over ${during.ms.toFixed(0)} ms`);
    expect(during.fps).toBeGreaterThan(SOURCE_FPS * 0.8);
    expect(during.fps).toBeLessThan(SOURCE_FPS * 1.2);
    expect(healthy.closeCode).toBeNull();
  });
});
