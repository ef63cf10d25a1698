import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveServerConfig, startServer, type RunningServer } from '../../src/index.js';
import { isOriginPattern, OriginPolicy } from '../../src/security/origin-policy.js';
import { testLogger } from '../support/fixtures.js';
import { publishWsUrl } from '../support/publisher.js';
import { handshake, metric } from '../support/security.js';
import { liveUrl } from '../support/viewer.js';

const GOOD = 'https://good.example';
const EVIL = 'https://evil.example';

describe('OriginPolicy', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as never;

  it('allows no Origin (not a browser), the server\'s own pages, listed origins; refuses others', () => {
    const policy = new OriginPolicy([GOOD, 'http://localhost:3000']);
    expect(policy.allows(req({ host: 'tv.example:8080' }))).toBe(true);
    expect(policy.allows(req({ host: 'tv.example:8080', origin: 'http://tv.example:8080' }))).toBe(true);
    expect(policy.allows(req({ host: 'tv.example:443', origin: 'https://tv.example' }))).toBe(true);
    expect(policy.allows(req({ host: '127.0.0.1:8080', 'x-forwarded-host': 'tv.example', origin: 'https://tv.example' }))).toBe(true);
    expect(policy.allows(req({ host: 'tv.example', origin: GOOD }))).toBe(true);
    expect(policy.allows(req({ host: 'tv.example', origin: 'HTTPS://GOOD.example' }))).toBe(true);
    expect(policy.allows(req({ host: 'tv.example', origin: 'http://localhost:3000' }))).toBe(true);
    for (const origin of [EVIL, 'http://good.example', 'https://good.example:8443', 'https://good.example.evil.example', 'null', 'garbage', 'http://tv.example.evil:8080']) {
      expect(policy.allows(req({ host: 'tv.example:8080', origin })), origin).toBe(false);
    }
    expect(new OriginPolicy(['*']).allows(req({ host: 'a', origin: EVIL }))).toBe(true);
    expect(new OriginPolicy(['null']).allows(req({ host: 'a', origin: 'null' }))).toBe(true);
    expect(new OriginPolicy([]).allows(req({ host: 'a', origin: EVIL }))).toBe(false);
  });

  it('config accepts origins as browsers send them, "*" and "null", and names the key otherwise', () => {
    for (const ok of ['*', 'null', GOOD, 'http://localhost:3000', 'https://a.example/']) expect(isOriginPattern(ok), ok).toBe(true);
    for (const bad of ['good.example', 'https://a.example/path', 'ftp://a.example', 'https://u:p@a.example', 'https://*.example']) expect(isOriginPattern(bad), bad).toBe(false);
    expect(resolveServerConfig({ allowedOrigins: [GOOD] }).allowedOrigins).toEqual([GOOD]);
    expect(() => resolveServerConfig({ allowedOrigins: ['good.example'] })).toThrow(/allowedOrigins\.0: must be a list of origins/);
  });
});

describe('Origin allow-list on a running server', () => {
  let server: RunningServer;
  let open: RunningServer;
  let dir: string;
  const own = () => `http://127.0.0.1:${server.port}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-origin-'));
    mkdirSync(join(dir, 'dist'));
    for (const page of ['index', 'watch', 'embed']) writeFileSync(join(dir, 'dist', `${page}.html`), `<title>${page}</title>`);
    server = await startServer(
      { host: '127.0.0.1', port: 0, playerDir: join(dir, 'dist'), allowedOrigins: [GOOD], streams: { demo: 'demo', cam: { source: 'publish', key: 'k3y' } } },
      { logger: testLogger },
    );
    open = await startServer({ host: '127.0.0.1', port: 0, streams: { demo: 'demo', cam: { source: 'publish', key: 'k3y' } } }, { logger: testLogger });
  });
  afterAll(async () => {
    await server.close();
    await open.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('viewers: 403 at the handshake for an unlisted Origin; listed, own and absent Origins play', async () => {
    const refused = await handshake(liveUrl(server.url, 'demo'), { headers: { origin: EVIL } });
    expect(refused.status).toBe(403);
    expect(refused.closeReason).toMatch(/allowedOrigins/);
    for (const headers of [{ origin: GOOD }, { origin: own() }, {}] as Record<string, string>[]) {
      const ok = await handshake(liveUrl(server.url, 'demo'), { headers, openMs: 500 });
      expect(ok.status, JSON.stringify(headers)).toBeNull();
      expect(ok.binaries, JSON.stringify(headers)).toBeGreaterThan(0);
    }
    expect(await metric(server, 'framewire_viewer_refused_total{transport="ws",reason="origin"}')).toBe(1);
  });

  it('LL-HLS: 403 for an unlisted Origin, the listed one passes', async () => {
    const path = `${server.url}hls/demo/init-0-0.mp4`;
    expect((await fetch(path, { headers: { origin: EVIL } })).status).toBe(403);
    expect((await fetch(path, { headers: { origin: GOOD } })).status).toBe(404);
    expect(await metric(server, 'framewire_viewer_refused_total{transport="hls",reason="origin"}')).toBe(1);
  });

  it('pages may be framed only by the listed origins (CSP frame-ancestors); no Referer leaves them', async () => {
    const page = await fetch(`${server.url}embed/demo`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(`frame-ancestors 'self' ${GOOD}`);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('publishers: another site\'s page is refused with 403 even with the right key; own page and programs are not', async () => {
    const evil = await handshake(publishWsUrl(server.url, 'cam', 'k3y'), { headers: { origin: EVIL } });
    expect(evil.status).toBe(403);
    const put = await fetch(`${server.url}publish/cam?key=k3y`, { method: 'POST', headers: { origin: EVIL }, body: 'x' });
    expect(put.status).toBe(403);
    const ownPage = await handshake(publishWsUrl(server.url, 'cam', 'k3y'), { headers: { origin: own() }, openMs: 300 });
    expect(ownPage.texts[0]).toBe('{"type":"publishing","stream":"cam"}');
    const program = await handshake(publishWsUrl(server.url, 'cam', 'wrong'), { openMs: 300 });
    expect(program.closeCode).toBe(4403); // the key check, not the Origin
    expect(await metric(server, 'framewire_publish_refused_total{reason="origin"}')).toBe(2);
  });

  it('by default any page may play (embeds), while publishing from another site is refused', async () => {
    const viewer = await handshake(liveUrl(open.url, 'demo'), { headers: { origin: EVIL }, openMs: 500 });
    expect(viewer.binaries).toBeGreaterThan(0);
    expect((await fetch(`${open.url}hls/demo/init-0-0.mp4`, { headers: { origin: EVIL } })).status).toBe(404);
    expect((await handshake(publishWsUrl(open.url, 'cam', 'k3y'), { headers: { origin: EVIL } })).status).toBe(403);
  });
});
