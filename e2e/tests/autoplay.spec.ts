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
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

test('<framewire-player autoplay> without muted and without a gesture: plays muted, says so, and its unmute button unmutes', async () => {
  const page = await browser.newPage();
  let onClose = (): Promise<void> => Promise.resolve();
  try {
    const { errors } = captureErrors(page);
    // Another site's page that only holds the element, served over real HTTP: a page answered by
    // page.route() counts as public address space, and Chromium's Local Network Access checks
    // then block its socket to 127.0.0.1 (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS).
    const site = await serveHtml(`<!doctype html><script src="${stream.server.url}framewire-player.js"></script><framewire-player src="cam" autoplay></framewire-player>`);
    onClose = site.close;
    const pageUrl = site.url;
    const events: string[] = [];
    let muted = (): void => {};
    const mutedEvent = new Promise<void>((resolve) => (muted = resolve));
    await page.exposeFunction('__elementEvent', (type: string, detail: string) => {
      events.push(detail ? `${type} ${detail}` : type);
      if (type === 'framewire:autoplaymuted') muted();
    });
    await page.addInitScript(() => {
      for (const type of ['framewire:autoplaymuted', 'framewire:error', 'error', 'playing']) {
        // Capture phase: the host's events do not bubble.
        document.addEventListener(type, (e) => {
          const detail = (e as CustomEvent<{ reason?: string }>).detail?.reason ?? '';
          void (window as unknown as { __elementEvent(t: string, d: string): Promise<void> }).__elementEvent(type, detail);
        }, true);
      }
    });
    await page.goto(pageUrl);
    await Promise.race([mutedEvent, new Promise((r) => setTimeout(r, 15_000))]);
    // From here on evaluate() may activate the page: the element has decided already.
    const el = page.locator('framewire-player');
    const state = (): Promise<{ muted: boolean; paused: boolean; frames: number }> => el.evaluate((e) => {
      const v = (e as HTMLElement & { video: HTMLVideoElement }).video;
      return { muted: v.muted, paused: v.paused, frames: v.getVideoPlaybackQuality().totalVideoFrames };
    });
    const before = await state();
    console.log(`\n<framewire-player autoplay> without a gesture: ${JSON.stringify(before)}; events ${JSON.stringify(events)}`);
    expect(events.filter((e) => e.startsWith('framewire:autoplaymuted')), 'framewire:autoplaymuted once').toHaveLength(1);
    expect(events.filter((e) => /^(framewire:)?error/.test(e))).toEqual([]);
    expect(before).toMatchObject({ muted: true, paused: false });
    await expect.poll(async () => (await state()).frames, { timeout: 5000 }).toBeGreaterThan(before.frames + 10);
    const button = page.getByTestId('unmute'); // inside the element's (open) shadow root
    await expect(button).toBeVisible();
    await expect(button).toHaveAttribute('data-mode', 'unmute');

    await button.click(); // a real click: the user activation that allows sound
    await expect(button).toBeHidden();
    const after = await state();
    await expect.poll(async () => (await state()).frames, { timeout: 5000 }).toBeGreaterThan(after.frames + 10);
    expect(after).toMatchObject({ muted: false, paused: false });
    expect(errors).toEqual([]);
  } finally {
    await page.close();
    await onClose();
  }
});

/** One HTML page on 127.0.0.1 (another origin than the Framewire server's). */
async function serveHtml(html: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
