import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index.js';
import { sleep, testLogger } from '../support/fixtures.js';

/** Raw GET with the path sent exactly as given (fetch/URL would normalise "..").  */
function rawGet(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP server', () => {
  let server: RunningServer;
  let dir: string;
  let playerDir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-http-'));
    playerDir = join(dir, 'dist');
    mkdirSync(join(playerDir, 'assets'), { recursive: true });
    writeFileSync(join(playerDir, 'index.html'), '<!doctype html><title>index</title>');
    writeFileSync(join(playerDir, 'watch.html'), '<!doctype html><title>watch</title>');
    writeFileSync(join(playerDir, 'embed.html'), '<!doctype html><title>embed</title>');
    writeFileSync(join(playerDir, 'grid.html'), '<!doctype html><title>grid</title>');
    writeFileSync(join(playerDir, 'assets', 'app-1234.js'), 'export const x = 1;');
    writeFileSync(join(playerDir, 'assets', 'remux.worker-9.mjs'), 'self.onmessage = () => {};');
    writeFileSync(join(playerDir, 'assets', 'style.css'), 'body{}');
    writeFileSync(join(playerDir, 'assets', 'logo.svg'), '<svg/>');
    writeFileSync(join(playerDir, 'assets', 'app-1234.js.map'), '{}');
    writeFileSync(join(playerDir, 'assets', 'dec.wasm'), 'AGFzbQ==');
    writeFileSync(join(dir, 'secret.txt'), 'TOP SECRET');
    server = await startServer(
      { host: '127.0.0.1', port: 0, playerDir, streams: { demo: 'demo', cam: 'file:/nonexistent/cam.h264' } },
      { logger: testLogger },
    );
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the pages for /, /watch/NAME, /embed/NAME and /grid', async () => {
    for (const [path, title] of [['/', 'index'], ['/watch/demo', 'watch'], ['/embed/demo', 'embed'], ['/watch/anything-else', 'watch'],
      ['/grid', 'grid'], ['/grid/?streams=demo,cam', 'grid']] as const) {
      const res = await rawGet(server.port, path);
      expect(res.status, path).toBe(200);
      expect(res.type).toBe('text/html; charset=utf-8');
      expect(res.body).toContain(`<title>${title}</title>`);
    }
    expect((await rawGet(server.port, '/watch/bad.name')).status).toBe(404);
  });

  it('serves assets with the right MIME types', async () => {
    const cases: [string, string][] = [
      ['/assets/app-1234.js', 'text/javascript; charset=utf-8'],
      ['/assets/remux.worker-9.mjs', 'text/javascript; charset=utf-8'],
      ['/assets/style.css', 'text/css; charset=utf-8'],
      ['/assets/logo.svg', 'image/svg+xml'],
      ['/assets/app-1234.js.map', 'application/json; charset=utf-8'],
      ['/assets/dec.wasm', 'application/wasm'],
    ];
    for (const [path, type] of cases) {
      const res = await rawGet(server.port, path);
      expect(res.status, path).toBe(200);
      expect(res.type, path).toBe(type);
    }
    expect((await rawGet(server.port, '/assets/nope.js')).status).toBe(404);
  });

  it('refuses path traversal in every spelling', async () => {
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/%252e%252e/secret.txt',
      '/assets/%00.js',
      '/%',
    ];
    for (const path of attempts) {
      const res = await rawGet(server.port, path);
      expect([400, 404], path).toContain(res.status);
      expect(res.body, path).not.toContain('TOP SECRET');
    }
  });

  it('lists streams at /api/streams and answers /healthz', async () => {
    await sleep(300);
    const res = await fetch(`${server.url}api/streams`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const rows = (await res.json()) as Record<string, unknown>[];
    expect(rows.map((r) => r.name)).toEqual(['demo', 'cam']);
    expect(rows[0]).toMatchObject({
      name: 'demo',
      state: 'live',
      width: 1280,
      height: 720,
      fps: 30,
      viewers: 0,
      skippedBeforeKey: 0,
      droppedFrames: 0,
    });
    expect(rows[0]!.codec).toMatch(/^avc1\.4d/);
    expect(rows[0]!.framesIn).toBeGreaterThan(3);
    expect(rows[0]!.bitrateKbps).toBeGreaterThan(0);
    expect(Object.keys(rows[0]!)).toEqual(
      expect.arrayContaining(['name', 'state', 'codec', 'width', 'height', 'fps', 'bitrateKbps', 'viewers', 'framesIn', 'skippedBeforeKey', 'droppedFrames']),
    );
    expect(rows[1]).toMatchObject({ name: 'cam', state: 'error', codec: null });
    expect(rows[1]!.reason).toMatch(/^SRV_ERR_SOURCE_FAILED: cannot read/);
    const health = await fetch(`${server.url}healthz`);
    expect(await health.json()).toMatchObject({ status: 'ok', streams: { total: 2, live: 1 }, viewers: 0 });
  });

  it('rejects other methods and non-/live upgrades', async () => {
    const res = await fetch(`${server.url}api/streams`, { method: 'POST' });
    expect(res.status).toBe(405);
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}other/demo`);
    ws.on('error', () => {});
    const status = await new Promise<number>((resolve) =>
      ws.on('unexpected-response', (req, r) => {
        req.destroy();
        resolve(r.statusCode ?? 0);
      }),
    );
    expect(status).toBe(404);
  });
});

describe('HTTP server without a player build', () => {
  it('answers pages with 503 telling to run npm run build', async () => {
    const server = await startServer(
      { host: '127.0.0.1', port: 0, playerDir: '/nonexistent/player/dist', streams: { demo: 'demo' } },
      { logger: testLogger },
    );
    try {
      const res = await rawGet(server.port, '/watch/demo');
      expect(res.status).toBe(503);
      expect(res.body).toContain('npm run build');
      expect(JSON.parse((await rawGet(server.port, '/healthz')).body)).toMatchObject({ status: 'ok' });
    } finally {
      await server.close();
    }
  });
});

describe('listen failures', () => {
  it('rejects with SRV_ERR_LISTEN_FAILED when the port is taken', async () => {
    const first = await startServer({ host: '127.0.0.1', port: 0, streams: {} }, { logger: testLogger });
    try {
      await expect(startServer({ host: '127.0.0.1', port: first.port, streams: {} }, { logger: testLogger })).rejects.toMatchObject({
        code: 'SRV_ERR_LISTEN_FAILED',
      });
    } finally {
      await first.close();
    }
  });
});
