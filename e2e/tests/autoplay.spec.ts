/**
 * Issue 6 "Autoplay": where the browser refuses playback with sound, the player starts muted and
 * the page offers an unmute control; clicking it unmutes.
 *
 * The suite's browser runs with `--autoplay-policy=no-user-gesture-required` (support/chromium.ts),
 * which allows everything, so this spec launches its own Chromium with desktop Chrome's default
 * policy, `document-user-activation-required` (named explicitly): an unmuted play() is refused
 * with NotAllowedError until the document has had a user activation.
 *
 * Careful: Playwright's page.evaluate() runs with a user gesture (CDP `userGesture: true`), which
 * activates the document (`navigator.userActivation.hasBeenActive` turns true) and lifts the
 * policy. So nothing is evaluated in the page until the player has made its first play() attempt:
 * the player's events reach the test through an exposed function instead.
 */
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/chromium.js';
import { captureErrors, startBarcodeStream, type BarcodeStream } from '../support/harness.js';
import type { FwWindow } from '../support/page-globals.js';

let browser: Browser;
let stream: BarcodeStream;

test.beforeAll(async () => {
  const args = [...CHROMIUM_ARGS.filter((a) => !a.startsWith('--autoplay-policy')), '--autoplay-policy=document-user-activation-required'];
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args });
  stream = await startBarcodeStream({ width: 640, height: 360 });
});

test.afterAll(async () => {
  await browser?.close();
  await stream?.stop();
});

interface PlayerEventLog {
  events: Array<{ event: string; data: Record<string, unknown> }>;
  /** Resolves at the first FIRST_FRAME (after the player's first play() attempt). */
  firstFrame: Promise<void>;
}

/** Forwards the page player's events to the test without evaluating anything in the page. */
async function watchPlayerEvents(page: Page, names: string[]): Promise<PlayerEventLog> {
  let firstFrame = (): void => {};
  const log: PlayerEventLog = { events: [], firstFrame: new Promise<void>((resolve) => (firstFrame = resolve)) };
  await page.exposeFunction('__fwEvent', (event: string, data: Record<string, unknown>) => {
    log.events.push({ event, data });
    if (event === 'firstFrame') firstFrame();
  });
  await page.addInitScript((events: string[]) => {
    let player: { on(ev: string, fn: (e: Record<string, unknown>) => void): void } | undefined;
    const send = (e: string, d: unknown): void => void (window as unknown as { __fwEvent: (e: string, d: unknown) => Promise<void> }).__fwEvent(e, d);
    Object.defineProperty(window, 'framewire', {
      configurable: true,
      get: () => player,
      set: (p: typeof player) => {
        player = p;
        for (const name of events) p?.on(name, (data) => send(name, { ...data }));
      },
    });
  }, [...names, 'firstFrame']);
  return log;
}

const framesPresented = (page: Page): Promise<number> => page.evaluate(() => (window as unknown as FwWindow).framewire?.stats.framesPresented ?? 0);
const mediaState = (page: Page): Promise<{ muted: boolean; paused: boolean }> =>
  page.evaluate(() => ({ muted: document.querySelector('video')!.muted, paused: document.querySelector('video')!.paused }));

test('?muted=0 without a user gesture: plays muted and shows the unmute control; a click unmutes', async () => {
  const page = await browser.newPage();
  try {
    const { errors } = captureErrors(page);
    const log = await watchPlayerEvents(page, ['autoplayMuted', 'error']);
    const t0 = Date.now();
    await page.goto(`${stream.watchUrl}?muted=0`);
    await Promise.race([log.firstFrame, new Promise((r) => setTimeout(r, 15_000))]);
    const firstFrameAfter = Date.now() - t0;
    // From here on evaluate() may activate the page: the player has decided already.
    const state = await mediaState(page);
    const n = await framesPresented(page);
    await expect.poll(() => framesPresented(page), { timeout: 5000 }).toBeGreaterThan(n + 10);
    console.log(`\nautoplay without a gesture: first frame after ${firstFrameAfter} ms, ${JSON.stringify(state)}; events ${JSON.stringify(log.events.map((e) => [e.event, e.data['reason'] ?? e.data['details'] ?? '']))}`);
    expect(log.events.filter((e) => e.event === 'autoplayMuted'), 'AUTOPLAY_MUTED once').toHaveLength(1);
    expect(state).toEqual({ muted: true, paused: false });
    expect(log.events.filter((e) => e.event === 'error')).toEqual([]);
    const button = page.getByTestId('unmute');
    await expect(button).toBeVisible();
    await expect(button).toHaveAttribute('data-mode', 'unmute');

    await button.click(); // a real click: the user activation that allows sound
    await expect(button).toBeHidden();
    const after = await mediaState(page);
    const m = await framesPresented(page);
    await expect.poll(() => framesPresented(page), { timeout: 5000 }).toBeGreaterThan(m + 10);
    console.log(`after the click: ${JSON.stringify(after)}, still presenting frames\n`);
    expect(after).toEqual({ muted: false, paused: false });
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
});

test('a page that starts muted just plays, with no unmute control', async () => {
  const page = await browser.newPage();
  try {
    const log = await watchPlayerEvents(page, ['autoplayMuted', 'error']);
    await page.goto(stream.watchUrl);
    await Promise.race([log.firstFrame, new Promise((r) => setTimeout(r, 15_000))]);
    await expect.poll(() => framesPresented(page), { timeout: 5000 }).toBeGreaterThan(10);
    expect(log.events.map((e) => e.event)).toEqual(['firstFrame']);
    await expect(page.getByTestId('unmute')).toBeHidden();
    expect(await mediaState(page)).toEqual({ muted: true, paused: false });
  } finally {
    await page.close();
  }
});
