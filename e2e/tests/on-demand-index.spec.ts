/**
 * The index page lists every stream of /api/streams with its state, and an on-demand stream
 * (`--on-demand NAME`) is idle until /watch/NAME opens it, then plays, then goes idle again.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { captureErrors, playerStats } from '../support/harness.js';
import { startServer, type RunningServer } from '../support/server.js';

const CLOSE_AFTER_MS = 2000;
let server: RunningServer;

test.beforeAll(async () => {
  const config = join(mkdtempSync(join(tmpdir(), 'framewire-e2e-')), 'config.json');
  writeFileSync(config, JSON.stringify({ onDemandCloseAfterMs: CLOSE_AFTER_MS }));
  server = await startServer({
    streams: ['demo=demo', 'od=ffmpeg:-re -f lavfi -i testsrc2=size=640x360:rate=30', 'pub=publish'],
    extraArgs: ['--config', config, '--on-demand', 'od', '--key', 'pub=e2e-key'],
  });
});

test.afterAll(async () => {
  await server?.stop();
});

const cell = (page: Page, stream: string, col: string) => page.locator(`tr[data-stream="${stream}"] td[data-col="${col}"]`);

test('index lists the streams with state, codec, size and links; /watch of an on-demand stream starts and plays it', async ({ page, context }) => {
  const { errors } = captureErrors(page);
  await page.goto(server.url);

  // Every stream of the server, with its state; the first live one (demo) plays here.
  await expect(page.locator('tr[data-stream]')).toHaveCount(3);
  await expect(cell(page, 'demo', 'state')).toHaveText('live');
  await expect(cell(page, 'demo', 'codec')).toHaveText(/^avc1\./);
  await expect(cell(page, 'demo', 'resolution')).toHaveText('1280x720');
  await expect(cell(page, 'demo', 'fps')).toHaveText('30');
  await expect(cell(page, 'demo', 'bitrate')).toHaveText(/^\d+ kbit\/s$/);
  await expect(cell(page, 'demo', 'restarts')).toHaveText('0');
  await expect(page.getByTestId('now-playing')).toHaveText('demo');
  await expect(cell(page, 'demo', 'viewers')).toHaveText('1'); // this page's own player
  await expect(cell(page, 'od', 'state')).toHaveText(/^idle: on demand/);
  await expect(cell(page, 'od', 'name')).toHaveText('od (on demand)');
  await expect(cell(page, 'od', 'codec')).toHaveText('–');
  await expect(cell(page, 'pub', 'state')).toHaveText(/^waiting: waiting for a publisher/);
  await expect(cell(page, 'pub', 'publish')).toHaveText('publish (no publisher)');
  await expect(cell(page, 'pub', 'publish').locator('a')).toHaveAttribute('href', '/publish/pub');
  await expect(cell(page, 'od', 'name').locator('a')).toHaveAttribute('href', '/watch/od');
  expect(await cell(page, 'demo', 'publish').textContent()).toBe('');

  // Open the on-demand stream on a second page: it starts, shows "Starting…", then plays.
  const watch = await context.newPage();
  const watchErrors = captureErrors(watch);
  await watch.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __messages: string[] }).__messages = seen;
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid="player-message"]')?.textContent ?? '';
      if (text && seen.at(-1) !== text) seen.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await watch.goto(`${server.url}watch/od`);
  await expect.poll(async () => (await playerStats(watch))?.framesPresented ?? 0, { timeout: 15_000 }).toBeGreaterThan(10);
  const t0 = await watch.evaluate(() => document.querySelector('video')!.currentTime);
  await watch.waitForTimeout(2000);
  const t1 = await watch.evaluate(() => document.querySelector('video')!.currentTime);
  expect(t1 - t0, 'currentTime advance in 2 s').toBeGreaterThan(1.2);
  const stats = await playerStats(watch);
  const messages = await watch.evaluate(() => (window as unknown as { __messages: string[] }).__messages);
  console.log(`on-demand /watch/od: first frame presented ${String(stats?.firstFrameMs)} ms after navigation; messages shown: ${JSON.stringify(messages)}`);
  expect(messages).toContain('Starting stream "od"…');
  await expect(watch.getByTestId('player-message')).toBeHidden();

  // The index page follows: od live with one viewer, size from the source.
  await expect(cell(page, 'od', 'state')).toHaveText('live');
  await expect(cell(page, 'od', 'viewers')).toHaveText('1');
  await expect(cell(page, 'od', 'resolution')).toHaveText('640x360');

  // The viewer leaves: after the close delay the stream is idle again.
  await watch.close();
  await expect(cell(page, 'od', 'state')).toHaveText(/^idle: on demand/, { timeout: CLOSE_AFTER_MS + 8000 });
  await expect(cell(page, 'od', 'viewers')).toHaveText('0');

  expect(errors).toEqual([]);
  expect(watchErrors.errors).toEqual([]);
});
