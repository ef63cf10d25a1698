import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index.js';
import { testLogger } from '../support/fixtures.js';
import { rawExchange, upgradeRequest } from '../support/security.js';

const SECRET_TEXT = 'TOP SECRET';

/**
 * Every spelling of "go up a directory" we know of, after each prefix that maps to files or
 * names: percent-encoded dots and slashes in upper and lower case, backslashes raw and encoded,
 * double encoding, overlong UTF-8 (which decodeURIComponent refuses), NUL bytes, and absolute
 * paths. Sent byte-exact over a raw socket (fetch and URL would normalise "..").
 */
const TRAVERSALS = [
  '../secret.txt',
  '../../secret.txt',
  '%2e%2e/secret.txt',
  '%2E%2E/%2e%2e/secret.txt',
  '..%2fsecret.txt',
  '..%2Fsecret.txt',
  '%2e%2e%2fsecret.txt',
  '..%5csecret.txt',
  '..%5Csecret.txt',
  '..\\secret.txt',
  '..\\..\\secret.txt',
  '%252e%252e/secret.txt',
  '%252e%252e%252fsecret.txt',
  '%c0%ae%c0%ae/secret.txt',
  '%e0%80%ae%e0%80%ae/secret.txt',
  '.%2e/secret.txt',
  '%2e./secret.txt',
  'secret.txt%00.html',
  '%00/../secret.txt',
  '..;/secret.txt',
  '%2f..%2f..%2fsecret.txt',
];
const PREFIXES = ['/', '/assets/', '/watch/', '/embed/', '/publish/', '/hls/', '/hls/demo/', '/live/', '/api/', '/x/y/'];

describe('path traversal in every file-serving and name-taking route', () => {
  let server: RunningServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-traversal-'));
    const dist = join(dir, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    for (const page of ['index', 'watch', 'embed', 'publish']) writeFileSync(join(dist, `${page}.html`), `<title>${page}</title>`);
    writeFileSync(join(dist, 'assets', 'app.js'), 'export {};');
    writeFileSync(join(dir, 'secret.txt'), SECRET_TEXT);
    // Also a secret one level further up, for the doubled "../../" spellings.
    writeFileSync(join(dist, 'assets', 'secret.txt.bak'), 'not served either way');
    server = await startServer({ host: '127.0.0.1', port: 0, playerDir: dist, streams: { demo: 'demo' } }, { logger: testLogger });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`GET: ${TRAVERSALS.length * PREFIXES.length} attempts, each 400 or 404, none reads the file`, async () => {
    const statuses = new Map<number | null, number>();
    for (const prefix of PREFIXES) {
      for (const attempt of TRAVERSALS) {
        const path = `${prefix}${attempt}`;
        const r = await rawExchange(server.port, [`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`]);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        expect([400, 404], path).toContain(r.status);
        expect(r.text, path).not.toContain(SECRET_TEXT);
      }
    }
    console.log(`traversal attempts by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
    // The same server still serves its own files.
    expect((await rawExchange(server.port, ['GET /assets/app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'])).status).toBe(200);
  });

  it('raw NUL and control bytes, an absolute-form target and a request without a leading slash are refused', async () => {
    for (const target of ['/assets/\0secret.txt', '/\x01../secret.txt', 'http://127.0.0.1/../secret.txt', '../secret.txt', '*']) {
      const r = await rawExchange(server.port, [Buffer.from(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, 'latin1')]);
      expect([400, 404], JSON.stringify(target)).toContain(r.status);
      expect(r.text).not.toContain(SECRET_TEXT);
    }
  });

  it('WebSocket names: traversal spellings are an invalid stream name (close 4400) for viewers and publishers', async () => {
    for (const name of ['..%2f..%2fsecret', '%2e%2e', '..', '..%5csecret', '..\\secret', 'demo%00', '%c0%ae', '%2e%2e%2fdemo']) {
      for (const route of ['/live/', '/publish/']) {
        const r = await rawExchange(server.port, [upgradeRequest(`${route}${name}`)], { deadlineMs: 1500, until: (t) => t.includes('\x11\x30invalid stream name') || t.includes('"hello"') });
        // 101, then the close frame (RFC 6455 5.5.1): 0x88, length, then the code 4400 = 0x1130.
        expect(r.status, route + name).toBe(101);
        expect(r.text, route + name).toContain('\x88');
        expect(r.text, route + name).toContain('\x11\x30invalid stream name');
        expect(r.text).not.toContain('"hello"');
      }
    }
  });
});
