/**
 * The browser publisher page GET /publish/NAME: Chromium's fake camera → WebCodecs H.264 →
 * WS /publish/NAME, watched by a second page. Then the same page with a barcode canvas in place
 * of the camera, to measure publisher-to-viewer latency (capture on the publisher page → presented
 * on the viewer page: browser encode + WS + server + MSE decode + display).
 */
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { barcodeCameraScript, installReader } from '../support/barcode-reader.js';
import { CHROMIUM_ARGS, launchOptions } from '../support/chromium.js';
import { captureErrors, playerStats } from '../support/harness.js';
import { startServer, type RunningServer } from '../support/server.js';
import { latencyTimeline, measureWindow, resultTable } from '../support/stats.js';

declare global {
  interface Window {
    /** player/src/pages/publish.ts: the page's WebcamPublisher. */
    framewirePublisher?: { current: { framesSent: number; state: string; message: string } };
  }
}

const KEY = 'page-key';
let server: RunningServer;
let browser: Browser;

test.beforeAll(async () => {
  server = await startServer({ streams: ['cam=publish', 'bar=publish'], extraArgs: ['--key', `cam=${KEY}`, '--key', `bar=${KEY}`] });
  // Only this spec's browser gets a camera: Chromium's fake device, permission granted without a prompt.
  browser = await chromium.launch({
    ...launchOptions,
    args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  });
});

test.afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function openPublisher(url: string, init?: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  const page = await context.newPage();
  const { errors } = captureErrors(page);
  if (init) await page.addInitScript({ content: init });
  await page.goto(url);
  return { page, errors };
}

async function openViewer(name: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const { errors } = captureErrors(page);
  await installReader(page);
  await page.goto(`${server.url}watch/${name}`);
  return { page, errors };
}

const framesSent = (page: Page) => page.evaluate(() => window.framewirePublisher?.current.framesSent ?? 0);

test('webcam page publishes the fake camera; a second page watches it', async () => {
  // 127.0.0.1 over http is a secure context: WebCodecs and getUserMedia are available.
  const pub = await openPublisher(`${server.url}publish/cam`);
  await expect(pub.page.getByTestId('publish-status')).toHaveText('Not publishing.');
  const sockets: string[] = [];
  pub.page.on('websocket', (ws) => sockets.push(ws.url()));
  await pub.page.getByTestId('publish-key').fill(KEY);
  await pub.page.getByTestId('publish-start').click();
  await expect(pub.page.getByTestId('publish-status')).toContainText(/publishing \d+x\d+ \(avc1\.42e0/, { timeout: 15_000 });
  await expect.poll(() => framesSent(pub.page), { timeout: 10_000 }).toBeGreaterThan(30);
  // The key travels as a subprotocol (framewire.key.KEY), not in the socket URL (access logs).
  expect(sockets).toEqual([`${server.url.replace(/^http/, 'ws')}publish/cam`]);

  const viewer = await openViewer('cam');
  await expect.poll(() => viewer.page.evaluate(() => window.__barcode.callbacks), { timeout: 15_000 }).toBeGreaterThan(10);
  const a = await viewer.page.evaluate(() => window.__barcode.lastPresentedFrames);
  await viewer.page.waitForTimeout(3000);
  const b = await viewer.page.evaluate(() => window.__barcode.lastPresentedFrames);
  expect(b - a, 'frames presented in 3 s').toBeGreaterThan(45);
  await expect(viewer.page.getByTestId('player-message')).toBeHidden();

  const rows = (await (await fetch(`${server.url}api/streams`)).json()) as Array<Record<string, unknown>>;
  const cam = rows.find((r) => r.name === 'cam')!;
  console.log('publisher page → /api/streams:', JSON.stringify(cam));
  expect(cam).toMatchObject({ state: 'live', codec: expect.stringMatching(/^avc1\.42/) });
  console.log('viewer stats:', JSON.stringify(await playerStats(viewer.page)));

  // Stop: the viewer stays connected and waits.
  await pub.page.getByTestId('publish-stop').click();
  await expect(pub.page.getByTestId('publish-status')).toHaveText('stopped');
  await expect(viewer.page.getByTestId('player-message')).toContainText(/Waiting/i, { timeout: 10_000 });

  expect(pub.errors).toEqual([]);
  expect(viewer.errors).toEqual([]);
  await pub.page.context().close();
  await viewer.page.context().close();
});

test('the page says why a wrong key is refused', async () => {
  const pub = await openPublisher(`${server.url}publish/cam?key=wrong&autostart=1`);
  await expect(pub.page.getByTestId('publish-status')).toHaveText('publish refused: wrong publish key');
  await expect(pub.page.getByTestId('publish-start')).toBeEnabled();
  await pub.page.context().close();
});

test('publisher-to-viewer latency with a barcode in place of the camera (1280x720@30)', async ({}, testInfo) => {
  const pub = await openPublisher(`${server.url}publish/bar?key=${KEY}&autostart=1&gop=30`, barcodeCameraScript(1280, 720, 30));
  await expect(pub.page.getByTestId('publish-status')).toContainText('publishing 1280x720', { timeout: 15_000 });
  const viewer = await openViewer('bar');
  await expect.poll(() => viewer.page.evaluate(() => window.__barcode.samples.length), { timeout: 15_000 }).toBeGreaterThan(10);
  await viewer.page.waitForTimeout(2000); // warm-up: the join burst and catch-up
  const r = await measureWindow(viewer.page, 8000);
  const table = resultTable([{ name: 'browser publisher (WebCodecs) → viewer', r, expectedFps: 30 }]);
  console.log(`\n${table}\nper second: ${latencyTimeline(r.samples)}\n`);
  await testInfo.attach('publish-latency.md', { body: table, contentType: 'text/markdown' });
  console.log('publisher:', JSON.stringify(await pub.page.evaluate(() => window.framewirePublisher?.current)));
  // The player's own latency runs from the frame's arrival at the server to its presentation:
  // the barcode latency minus this is what the publisher page (capture, encode, send) adds.
  const stats = await playerStats(viewer.page);
  console.log(`viewer: server arrival → presented p50 ${String(stats?.latencyP50Ms)} ms, p95 ${String(stats?.latencyP95Ms)} ms`);
  expect(r.readerErrors).toEqual([]);
  expect(r.latency.n, 'barcodes read in 8 s').toBeGreaterThan(150);
  // Not a target, a sanity bound (other work on a 2-core machine moves the figure a lot):
  // capture + encode + WS + MSE + display stays under half a second.
  expect(r.latency.p50).toBeGreaterThan(0);
  expect(r.latency.p50).toBeLessThan(500);
  expect(pub.errors).toEqual([]);
  expect(viewer.errors).toEqual([]);
  await pub.page.context().close();
  await viewer.page.context().close();
});
