/** /watch/demo plays (frames presented, currentTime advancing) with no errors; unknown streams say so. */
import { expect, test } from '@playwright/test';
import { installReader } from '../support/barcode-reader.js';
import { captureErrors, playerStats } from '../support/harness.js';
import { startServer, type RunningServer } from '../support/server.js';

let server: RunningServer;

test.beforeAll(async () => {
  server = await startServer({ streams: ['demo=demo'] });
});

test.afterAll(async () => {
  await server?.stop();
});

test('/watch/demo presents frames continuously, overlay shown, no errors', async ({ page }) => {
  const { errors } = captureErrors(page);
  await installReader(page); // used here only for its requestVideoFrameCallback counters
  await page.goto(`${server.url}watch/demo`);
  const video = page.locator('video');
  await expect(video).toHaveCount(1);

  await expect.poll(() => page.evaluate(() => window.__barcode.callbacks), { timeout: 15_000 }).toBeGreaterThan(5);
  const a = await page.evaluate(() => ({ n: window.__barcode.lastPresentedFrames, t: document.querySelector('video')!.currentTime }));
  await page.waitForTimeout(3000);
  const b = await page.evaluate(() => ({ n: window.__barcode.lastPresentedFrames, t: document.querySelector('video')!.currentTime }));
  // 3 s at 30 fps = 90 frames; a healthy player presents nearly all of them.
  expect(b.n - a.n, 'frames presented in 3 s').toBeGreaterThan(60);
  expect(b.t - a.t, 'currentTime advance in 3 s').toBeGreaterThan(2);

  const overlay = page.locator('[data-testid="player-stats"]').or(page.getByText(/latency/i)).first();
  await expect(overlay).toBeVisible();

  const stats = await playerStats(page);
  console.log('window.framewire.stats on /watch/demo:', JSON.stringify(stats));
  expect(stats, 'window.framewire.stats').not.toBeNull();
  expect(typeof stats?.framesPresented).toBe('number');
  expect(errors).toEqual([]);
});

test('/watch/nope says the stream does not exist', async ({ page }) => {
  await page.goto(`${server.url}watch/nope`);
  await expect(page.getByTestId('player-message')).toContainText('Stream "nope" does not exist');
});

test("/watch/demo: a viewer's pause stays a pause (autoplay does not undo it); play resumes at the live edge", async ({ page }) => {
  const { errors } = captureErrors(page);
  await page.goto(`${server.url}watch/demo`);
  const frames = (): Promise<number> => page.evaluate(() => document.querySelector('video')!.getVideoPlaybackQuality().totalVideoFrames);
  await expect.poll(frames, { timeout: 15_000 }).toBeGreaterThan(10);
  const readyState = await page.evaluate(() => {
    const v = document.querySelector('video')!;
    v.pause(); // as the native controls do
    return v.readyState;
  });
  console.log(`paused by the viewer at readyState ${readyState}`);
  await page.waitForTimeout(200);
  const paused = await frames();
  await page.waitForTimeout(2000); // ~60 frames arrive meanwhile: each used to bring a play()
  expect(await page.evaluate(() => document.querySelector('video')!.paused), 'still paused 2 s later').toBe(true);
  await page.evaluate(() => document.querySelector('video')!.play());
  await expect.poll(frames, { timeout: 5000 }).toBeGreaterThan(paused + 20);
  await expect.poll(() => page.evaluate(() => (window as unknown as { framewire: { latency: number | null } }).framewire.latency ?? Infinity), { timeout: 10_000 })
    .toBeLessThan(0.5);
  expect(errors).toEqual([]);
});
