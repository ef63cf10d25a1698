import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServer, type RunningServer } from '../../src/index.js';
import type { AccessUnit } from '@framewire/shared';
import { fixtureAccessUnits, NOAUD_FIXTURE, testLogger } from '../support/fixtures.js';
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

describe('join burst', () => {
  it('sends a late joiner the whole cached GOP even when it is larger than the viewer limit', async () => {
    // 8 frames of 1 MB: far more than the kernel's socket buffers take at once, so most of the
    // burst sits in bufferedAmount, 8x over the 1 MiB viewer limit.
    const [first] = fixtureAccessUnits(NOAUD_FIXTURE);
    const params = first!.nalus.filter((n) => (n[0]! & 0x1f) === 7 || (n[0]! & 0x1f) === 8);
    const slice = (type: number): Uint8Array => new Uint8Array(1_000_000).fill(0x55).fill(type, 0, 1);
    const gop: AccessUnit[] = Array.from({ length: 8 }, (_, i) => ({
      nalus: i === 0 ? [...params, slice(0x65)] : [slice(0x41)],
      key: i === 0,
      dts: i * 3000,
      pts: i * 3000,
      duration: 3000,
      captureTimeMs: Date.now(),
    }));
    const server = await startServer(
      { host: '127.0.0.1', port: 0, streams: { big: 'stdin' }, maxViewerBufferedBytes: 1 << 20 },
      {
        logger: testLogger,
        sources: { big: (stream) => ({ description: 'test GOP', start: () => gop.forEach((au) => stream.accessUnit(au)), stop: async () => {} }) },
      },
    );
    try {
      expect(server.streams.get('big')!.cachedGop()).toHaveLength(8);
      const v = new Viewer(liveUrl(server.url, 'big'));
      await v.untilFrames(8, 5000);
      expect(v.frames.map((f) => f.dts)).toEqual(gop.map((au) => au.dts));
      expect(v.controls.find((m) => m.type === 'live-edge')).toMatchObject({ cachedFrames: 8 });
      v.close();
    } finally {
      await server.close();
    }
  });
});
