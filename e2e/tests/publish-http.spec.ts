/**
 * ffmpeg publishes over PUT /publish/NAME (chunked Annex-B) to a `publish` stream, a page
 * watches: frames presented, wrong key and a second publisher refused, and a publisher that
 * reconnects resumes the picture on the same page (no reload).
 */
import { expect, test } from '@playwright/test';
import { installReader } from '../support/barcode-reader.js';
import { ffmpegPublish, type FfmpegPublisher } from '../support/ffmpeg-publisher.js';
import { captureErrors } from '../support/harness.js';
import { startServer, type RunningServer } from '../support/server.js';

const KEY = 'e2e-s3cret';
let server: RunningServer;
const publishers: FfmpegPublisher[] = [];
const publish = (key = KEY, seconds?: number) => {
  const p = ffmpegPublish(`${server.url}publish/cam?key=${encodeURIComponent(key)}`, { seconds });
  publishers.push(p);
  return p;
};
const streamState = async (): Promise<string> => {
  const rows = (await (await fetch(`${server.url}api/streams`)).json()) as Array<{ name: string; state: string }>;
  return rows.find((r) => r.name === 'cam')?.state ?? 'missing';
};

test.beforeAll(async () => {
  server = await startServer({ streams: ['cam=publish'], extraArgs: ['--key', `cam=${KEY}`] });
});

test.afterAll(async () => {
  for (const p of publishers) await p.kill();
  await server?.stop();
});

test('ffmpeg PUT plays on /watch; wrong key and a second publisher are refused; a reconnect resumes without reload', async ({ page }) => {
  const { errors } = captureErrors(page);
  await installReader(page); // for its requestVideoFrameCallback counter
  await page.goto(`${server.url}watch/cam`);
  await expect(page.getByTestId('player-message')).toContainText(/Waiting/i);
  const navigations: string[] = [];
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) navigations.push(f.url());
  });

  const first = publish();
  await expect.poll(() => page.evaluate(() => window.__barcode.callbacks), { timeout: 15_000 }).toBeGreaterThan(30);
  const a = await page.evaluate(() => window.__barcode.lastPresentedFrames);
  await page.waitForTimeout(2000);
  const b = await page.evaluate(() => window.__barcode.lastPresentedFrames);
  expect(b - a, 'frames presented in 2 s from ffmpeg PUT').toBeGreaterThan(40);

  // Wrong key: refused at once (ffmpeg only sees the closed connection; curl would see the 403).
  const wrong = publish('not-the-key', 5);
  expect((await wrong.exited).code).not.toBe(0);
  const refused = await fetch(`${server.url}publish/cam?key=nope`, { method: 'PUT', body: new Uint8Array([0, 0, 0, 1, 9, 0xf0]) });
  expect(refused.status).toBe(403);

  // A second publisher with the right key: 409, and the first one keeps streaming.
  const second = publish(KEY, 5);
  expect((await second.exited).code).not.toBe(0);
  const conflict = await fetch(`${server.url}publish/cam`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}` },
    body: new Uint8Array([0, 0, 0, 1, 9, 0xf0]),
  });
  expect(conflict.status).toBe(409);
  expect(await conflict.text()).toContain('already has a publisher');
  const c = await page.evaluate(() => window.__barcode.lastPresentedFrames);
  await page.waitForTimeout(1500);
  expect(await page.evaluate(() => window.__barcode.lastPresentedFrames), 'first publisher still plays').toBeGreaterThan(c + 25);
  expect(first.proc.exitCode).toBeNull();

  // The encoder goes away: the stream waits, the page says so and keeps its connection.
  await first.kill();
  await expect.poll(streamState, { timeout: 5000 }).toBe('waiting');
  await expect(page.getByTestId('player-message')).toContainText(/Waiting/i);
  const d = await page.evaluate(() => window.__barcode.lastPresentedFrames);

  // It comes back: the same page plays the new run (its timeline starts again: discontinuity).
  publish();
  await expect.poll(streamState, { timeout: 10_000 }).toBe('live');
  await expect.poll(() => page.evaluate(() => window.__barcode.lastPresentedFrames), { timeout: 15_000 }).toBeGreaterThan(d + 45);
  await expect(page.getByTestId('player-message')).toBeHidden();
  expect(navigations, 'the page never reloaded').toEqual([]);
  expect(errors).toEqual([]);
});
