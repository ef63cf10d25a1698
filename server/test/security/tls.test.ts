import { rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerErrorCode, startServer, type RunningServer } from '../../src/index.js';
import { resolveServerConfig } from '../../src/config.js';
import { testLogger } from '../support/fixtures.js';
import { rawExchange, selfSignedCert } from '../support/security.js';
import { liveUrl, Viewer } from '../support/viewer.js';

function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('TLS (tlsCert, tlsKey)', () => {
  let tls: ReturnType<typeof selfSignedCert>;
  let server: RunningServer;

  beforeAll(async () => {
    tls = selfSignedCert();
    server = await startServer(
      { host: '127.0.0.1', port: 0, tlsCert: tls.cert, tlsKey: tls.key, handshakeTimeoutMs: 1000, streams: { demo: 'demo' } },
      { logger: testLogger },
    );
  });
  afterAll(async () => {
    await server.close();
    rmSync(tls.dir, { recursive: true, force: true });
  });

  it('serves https:// (the printed URL says so) and wss:// with the certificate', async () => {
    expect(server.url).toBe(`https://127.0.0.1:${server.port}/`);
    const health = await httpsGet(`${server.url}healthz`, tls.certPem);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });
    const viewer = new Viewer(liveUrl(server.url, 'demo'), { ca: tls.certPem });
    expect(viewer.ws.url).toMatch(/^wss:/);
    await viewer.untilFrames(5, 4000);
    viewer.close();
    // A client that does not trust the certificate is refused by TLS itself.
    await expect(httpsGet(`${server.url}healthz`, Buffer.from(''))).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it('plain HTTP on the TLS port gets no page; a silent socket is closed after the handshake timeout', async () => {
    const plain = await rawExchange(server.port, ['GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'], { deadlineMs: 3000 });
    expect(plain.text).not.toContain('"status"');
    expect(plain.closedAfterMs).not.toBeNull();
    const silent = await rawExchange(server.port, [], { deadlineMs: 4000 });
    console.log(`TLS: a silent socket was closed after ${silent.closedAfterMs?.toFixed(0)} ms (handshakeTimeoutMs 1000)`);
    expect(silent.closedAfterMs).not.toBeNull();
    expect(silent.closedAfterMs!).toBeGreaterThan(900);
    expect(silent.closedAfterMs!).toBeLessThan(2000);
  });

  it('refuses a certificate without a key, an unreadable file and a file that is not PEM, naming the key', async () => {
    expect(() => resolveServerConfig({ tlsCert: tls.cert })).toThrow(/tlsKey: must be set too when tlsCert is/);
    await expect(startServer({ host: '127.0.0.1', port: 0, tlsCert: join(tls.dir, 'missing.pem'), tlsKey: tls.key }, { logger: testLogger }))
      .rejects.toMatchObject({ code: ServerErrorCode.CONFIG_INVALID, key: 'tlsCert', message: expect.stringMatching(/tlsCert: cannot read/) });
    const junk = join(tls.dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate');
    await expect(startServer({ host: '127.0.0.1', port: 0, tlsCert: junk, tlsKey: tls.key, streams: { demo: 'demo' } }, { logger: testLogger }))
      .rejects.toMatchObject({ code: ServerErrorCode.CONFIG_INVALID, message: expect.stringMatching(/not a usable PEM certificate/) });
  });
});
