/** GET /framewire-player.js (the `<script>` build, README "Embedding"): CORS, cache policy, revalidation. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index.js';
import { testLogger } from '../support/fixtures.js';

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('embed files', () => {
  let server: RunningServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-embed-'));
    const playerDir = join(dir, 'dist');
    mkdirSync(join(playerDir, 'lib'), { recursive: true });
    writeFileSync(join(playerDir, 'index.html'), '<!doctype html><title>index</title>');
    writeFileSync(join(playerDir, 'framewire-player.js'), 'var Framewire = {};');
    writeFileSync(join(playerDir, 'framewire-hls.js'), 'export default 1;');
    writeFileSync(join(playerDir, 'lib', 'framewire-player.js'), 'export {};');
    server = await startServer({ host: '127.0.0.1', port: 0, playerDir, streams: { demo: 'demo' } }, { logger: testLogger });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the script build to any origin, cached for a few minutes', async () => {
    for (const path of ['/framewire-player.js', '/framewire-hls.js']) {
      const res = await get(server.port, path, { origin: 'https://some-site.example' });
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
      expect(res.headers['cache-control']).toBe('public, max-age=300');
      expect(Date.parse(String(res.headers['last-modified']))).not.toBeNaN();
    }
    expect((await get(server.port, '/framewire-player.js')).body).toBe('var Framewire = {};');
  });

  it('answers 304 to a revalidation, and the full file when it changed', async () => {
    const first = await get(server.port, '/framewire-player.js');
    const lastModified = String(first.headers['last-modified']);
    const again = await get(server.port, '/framewire-player.js', { 'if-modified-since': lastModified });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers['access-control-allow-origin']).toBe('*');
    const older = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    expect((await get(server.port, '/framewire-player.js', { 'if-modified-since': older })).status).toBe(200);
  });

  it('gives other files neither CORS nor the embed cache policy', async () => {
    const lib = await get(server.port, '/lib/framewire-player.js');
    expect(lib.status).toBe(200);
    expect(lib.headers['access-control-allow-origin']).toBeUndefined();
    expect(lib.headers['cache-control']).toBe('no-cache');
    const page = await get(server.port, '/');
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
  });
});
