/**
 * Viewer tokens in a real browser: Chromium offers `framewire` + `framewire.token.<JWT>` as
 * WebSocket subprotocols and fails the handshake unless the server selects one; a page without a
 * valid token must say why (close 4401 is visible to the page, an HTTP 401 at the handshake would
 * not be) and must not keep reconnecting; hls.js must carry the token on every LL-HLS request.
 */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { captureErrors } from '../support/harness.js';
import { REPO_ROOT, SERVER_BIN, startServer, type RunningServer } from '../support/server.js';

const SECRET = 'e2e-viewer-token-secret-0123456789abcdefghij';
const env = { FRAMEWIRE_VIEWER_TOKEN_SECRET: SECRET };
let server: RunningServer;

function mint(stream: string, ttl = '5m'): string {
  return execFileSync(process.execPath, [SERVER_BIN, 'token', stream, '--ttl', ttl], { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A token that expired ten minutes ago, signed by hand (RFC 7515 compact JWS, HS256). */
function expiredToken(stream: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const signed = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ stream, iat: now - 1200, exp: now - 600 })}`;
  return `${signed}.${createHmac('sha256', SECRET).update(signed).digest('base64url')}`;
}

async function framesPresented(page: Page): Promise<number> {
  return page.evaluate(() => {
    const fw = (window as unknown as { framewire?: { stats?: { framesPresented?: number } } }).framewire;
    return fw?.stats?.framesPresented ?? 0;
  });
}

test.beforeAll(async () => {
  server = await startServer({ streams: ['demo=demo', 'other=demo'], extraArgs: ['--require-viewer-token', 'true'], env });
});
test.afterAll(async () => {
  await server?.stop();
});

test('/watch/demo?token=… plays over the WebSocket with the token as a subprotocol (not in the socket URL)', async ({ page }) => {
  const { errors } = captureErrors(page);
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await page.goto(`${server.url}watch/demo?token=${mint('demo')}`);
  await expect.poll(() => framesPresented(page), { timeout: 15_000 }).toBeGreaterThan(30);
  expect(await page.evaluate(() => (window as unknown as { framewire: { mode: string } }).framewire.mode)).toBe('ws');
  expect(sockets).toHaveLength(1);
  expect(sockets[0]).toMatch(/\/live\/demo$/);
  expect(errors).toEqual([]);
});

test('no token, an expired one, or one for another stream: the page says why and does not retry', async ({ page }) => {
  const cases: [string, RegExp][] = [
    ['', /viewer token required/],
    [`?token=${expiredToken('demo')}`, /viewer token expired/],
    [`?token=${mint('other')}`, /viewer token is for another stream/],
  ];
  for (const [query, message] of cases) {
    let sockets = 0;
    const onSocket = () => sockets++;
    page.on('websocket', onSocket);
    await page.goto(`${server.url}watch/demo${query}`);
    await expect(page.getByTestId('player-message')).toContainText(message);
    await page.waitForTimeout(1500);
    page.off('websocket', onSocket);
    expect(sockets, `${query}: reconnects`).toBe(1);
  }
});

test('?fallback=hls&token=…: hls.js sends the token on every playlist and part request', async ({ page }) => {
  const hlsRequests: string[] = [];
  const refused: number[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/hls/')) hlsRequests.push(r.url());
  });
  page.on('response', (r) => {
    if (r.url().includes('/hls/') && (r.status() === 401 || r.status() === 403)) refused.push(r.status());
  });
  await page.goto(`${server.url}watch/demo?fallback=hls&token=${mint('demo')}`);
  await expect.poll(() => framesPresented(page), { timeout: 20_000 }).toBeGreaterThan(20);
  expect(hlsRequests.length).toBeGreaterThan(5);
  expect(hlsRequests.filter((u) => !new URL(u).searchParams.has('token'))).toEqual([]);
  expect(refused).toEqual([]);
});
