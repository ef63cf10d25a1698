/**
 * Issue 6 "Tab return": a hidden page stops consuming after a grace period (5 s) and is back at
 * the live edge within 500 ms of being shown again (lifecycle/visibility.ts).
 *
 * Headless Chromium keeps every page visible: bringing another tab to the front, minimizing the
 * window (CDP Browser.setWindowBounds) and Page.setWebLifecycleState all leave visibilityState at
 * 'visible' and fire no visibilitychange (checked). So the page's visibility is emulated: the
 * document's `visibilityState`/`hidden` getters are overridden and `visibilitychange` dispatched,
 * and the test pauses the video on hide, as Chrome does to video-only media in background tabs.
 */
import { expect, test, type Page } from '@playwright/test';
import { installReader, openReading, type RawSample } from '../support/barcode-reader.js';
import { captureErrors, sleep, startBarcodeStream, type BarcodeStream } from '../support/harness.js';
import { playerDecisions, recordedEvents, recordPlayerEvents } from '../support/player-events.js';
import { latencyTimeline, measureWindow, summarize, type WindowResult } from '../support/stats.js';
import type { FwWindow } from '../support/page-globals.js';

/** Sets the emulated visibility; returns the epoch ms (on the reader's clock) at which it changed. */
async function setVisibility(page: Page, state: 'hidden' | 'visible'): Promise<number> {
  return page.evaluate((s) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => s === 'hidden' });
    // What Chrome does to a video-only element in a background tab.
    if (s === 'hidden') document.querySelector('video')?.pause();
    document.dispatchEvent(new Event('visibilitychange'));
    return performance.timeOrigin + performance.now() + window.__barcode.skewMs;
  }, state);
}

async function viewers(stream: BarcodeStream): Promise<number> {
  const list = (await (await fetch(`${stream.server.url}api/streams`)).json()) as Array<{ name: string; viewers: number }>;
  return list.find((s) => s.name === 'cam')?.viewers ?? -1;
}

/** "At the live edge": latency within about one frame of the median before hiding. */
const EDGE_MARGIN_MS = 40;
/** Frames per window of the edge test: one frame alone (a seek's target shown while paused) proves nothing. */
const EDGE_WINDOW = 9;

interface ReturnResult {
  firstFrameMs: number;
  /** Shown → the first run of EDGE_WINDOW frames whose median latency is within the margin. */
  edgeMs: number;
  /** Median latency of the frames presented 0.5–2 s after the page was shown. */
  lateP50: number;
  settled: WindowResult;
  afterReturn: RawSample[];
}

/** After the page is shown at `shownAt`: when frames came back, when they were at the live edge, and the latency after. */
async function measureReturn(page: Page, shownAt: number, normalP50: number): Promise<ReturnResult> {
  await sleep(2000);
  const samples = (await page.evaluate((t) => window.__barcode.samples.filter((s) => s[0] > t), shownAt)).sort((a, b) => a[0] - b[0]);
  let edgeMs = Number.NaN;
  for (let i = 0; i + EDGE_WINDOW <= samples.length; i++) {
    if (summarize(samples.slice(i, i + EDGE_WINDOW).map((s) => s[2])).p50 <= normalP50 + EDGE_MARGIN_MS) {
      edgeMs = samples[i]![0] - shownAt;
      break;
    }
  }
  const late = samples.filter((s) => s[0] - shownAt >= 500 && s[0] - shownAt < 2000).map((s) => s[2]);
  const settled = await measureWindow(page, 2000);
  return { firstFrameMs: samples[0] ? samples[0][0] - shownAt : Number.NaN, edgeMs, lateP50: summarize(late).p50, settled, afterReturn: samples };
}

function report(name: string, normal: WindowResult, r: ReturnResult): string {
  return `${name}: first frame ${r.firstFrameMs.toFixed(0)} ms after the page was shown, at the live edge (median of ${EDGE_WINDOW} frames within ${EDGE_MARGIN_MS} ms of before) after ${r.edgeMs.toFixed(0)} ms` +
    `\n  latency p50 before ${normal.latency.p50.toFixed(1)} ms; 0.5–2 s after return ${r.lateP50.toFixed(1)} ms; 2–4 s after ${r.settled.latency.p50.toFixed(1)} ms (p95 ${r.settled.latency.p95.toFixed(1)})` +
    `\n  first 2 s after return: ${latencyTimeline(r.afterReturn)}`;
}

test('hidden for 1.5 s (within the grace period): back at the live edge within 500 ms, same connection', async ({ page }) => {
  const stream = await startBarcodeStream({ width: 1280, height: 720 });
  try {
    const { errors } = captureErrors(page);
    await recordPlayerEvents(page, ['suspended', 'resumed', 'connected']);
    const decisions = playerDecisions(page);
    await openReading(page, `${stream.watchUrl}?fw.debug=true`); // the player logs its seeks and suspensions
    await sleep(2500);
    const normal = await measureWindow(page, 3000);

    await setVisibility(page, 'hidden');
    await sleep(1500);
    expect(await page.evaluate(() => document.querySelector('video')!.paused), 'the page left the video paused while hidden').toBe(true);
    const shownAt = await setVisibility(page, 'visible');
    const r = await measureReturn(page, shownAt, normal.latency.p50);
    const events = await recordedEvents(page);
    console.log(`\n${report('short absence (1.5 s)', normal, r)}\n  events: ${events.map((e) => e.event).join(', ')}\n  player: ${decisions.join(' | ')}\n`);

    expect(events.filter((e) => e.event === 'suspended')).toHaveLength(0);
    expect(events.filter((e) => e.event === 'connected'), 'no reconnect for a glance away').toHaveLength(1);
    expect(events.find((e) => e.event === 'resumed')?.data['suspended']).toBe(false);
    expect(r.edgeMs, 'shown → at the live edge, ms').toBeLessThanOrEqual(500);
    expect(r.lateP50, 'median latency 0.5–2 s after return, ms').toBeLessThanOrEqual(normal.latency.p50 + EDGE_MARGIN_MS);
    expect(r.settled.latency.p50, 'latency 2–4 s after return').toBeLessThan(normal.latency.p50 + EDGE_MARGIN_MS);
    expect(r.settled.presentedFps).toBeGreaterThan(0.8 * stream.source.fps);
    expect(errors).toEqual([]);
  } finally {
    await stream.stop();
  }
});

test('hidden for 7 s: suspended after 5 s (socket closed, media dropped), back at the live edge within 500 ms', async ({ page }) => {
  const stream = await startBarcodeStream({ width: 1280, height: 720 });
  try {
    const { errors } = captureErrors(page);
    await recordPlayerEvents(page, ['suspended', 'resumed', 'connected']);
    const decisions = playerDecisions(page);
    await openReading(page, `${stream.watchUrl}?fw.debug=true`); // the player logs its seeks and suspensions
    await sleep(2500);
    const normal = await measureWindow(page, 3000);
    expect(await viewers(stream)).toBe(1);

    const hiddenAt = await setVisibility(page, 'hidden');
    await expect.poll(() => recordedEvents(page, 'suspended').then((e) => e.length), { timeout: 8000 }).toBe(1);
    const suspendedAfter = (await recordedEvents(page, 'suspended'))[0]!.data['hiddenMs'] as number;
    // While suspended: no socket, no media, nothing presented.
    await expect.poll(() => viewers(stream), { timeout: 3000 }).toBe(0);
    await sleep(300);
    const idle = await page.evaluate(() => ({ n: window.__barcode.samples.length, buffered: document.querySelector('video')!.buffered.length }));
    await sleep(1400);
    const idleAfter = await page.evaluate(() => window.__barcode.samples.length);
    expect(idle.buffered, 'buffered ranges while suspended').toBe(0);
    expect(idleAfter - idle.n, 'frames presented while suspended').toBe(0);

    const shownAt = await setVisibility(page, 'visible');
    const r = await measureReturn(page, shownAt, normal.latency.p50);
    const events = await recordedEvents(page);
    const stats = await page.evaluate(() => (window as unknown as FwWindow).framewire!.stats);
    console.log(`\n${report(`long absence (${((shownAt - hiddenAt) / 1000).toFixed(1)} s, suspended after ${Math.round(suspendedAfter)} ms)`, normal, r)}` +
      `\n  events: ${events.map((e) => e.event).join(', ')}; reconnects reported ${stats.reconnects}; stalls ${stats.stalls}, seeks ${stats.seeks}` +
      `\n  player: ${decisions.join(' | ')}\n`);

    expect(suspendedAfter).toBeGreaterThanOrEqual(5000);
    expect(events.find((e) => e.event === 'resumed')?.data['suspended']).toBe(true);
    expect(events.filter((e) => e.event === 'connected'), 'one new connection on return').toHaveLength(2);
    expect(stats.reconnects, 'a resume is not a reconnect').toBe(0);
    expect(await viewers(stream)).toBe(1);
    expect(r.edgeMs, 'shown → at the live edge, ms').toBeLessThanOrEqual(500);
    // Nothing stale is shown on return: the first frame is already a live one.
    expect(r.afterReturn[0]![2], 'latency of the first frame after return, ms').toBeLessThan(normal.latency.p50 + 100);
    expect(r.lateP50, 'median latency 0.5–2 s after return, ms').toBeLessThanOrEqual(normal.latency.p50 + EDGE_MARGIN_MS);
    expect(r.settled.latency.p50, 'latency 2–4 s after return').toBeLessThan(normal.latency.p50 + EDGE_MARGIN_MS);
    expect(r.settled.presentedFps).toBeGreaterThan(0.8 * stream.source.fps);
    expect(errors).toEqual([]);
  } finally {
    await stream.stop();
  }
});

test('hls.js mode, hidden for 7 s: no HLS requests while suspended; on return no stale frame, playing near its earlier latency within 3 s', async ({ page }) => {
  const stream = await startBarcodeStream({ width: 1280, height: 720 });
  try {
    const { errors } = captureErrors(page);
    await recordPlayerEvents(page, ['suspended', 'resumed']);
    await installReader(page);
    const hlsRequests: number[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/hls/cam/')) hlsRequests.push(Date.now());
    });
    await page.goto(`${stream.watchUrl}?fallback=hls`);
    await expect.poll(() => page.evaluate(() => window.__barcode.samples.length), { timeout: 20_000 }).toBeGreaterThan(0);
    await sleep(3000); // past hls.js's start-up stall
    const normal = await measureWindow(page, 3000);

    await setVisibility(page, 'hidden');
    await expect.poll(() => recordedEvents(page, 'suspended').then((e) => e.length), { timeout: 8000 }).toBe(1);
    await sleep(500); // a blocking playlist request in flight may still finish
    const requestsAt = hlsRequests.length;
    await sleep(1500);
    const requestsWhileSuspended = hlsRequests.length - requestsAt;

    const shownAt = await setVisibility(page, 'visible');
    await expect.poll(() => page.evaluate((t) => window.__barcode.samples.filter((s) => s[0] > t).length, shownAt), { timeout: 10_000 }).toBeGreaterThan(0);
    const [firstFrame, firstLatency] = await page.evaluate((t) => {
      const first = window.__barcode.samples.filter((s) => s[0] > t).sort((a, b) => a[0] - b[0])[0]!;
      return [first[0], first[2]] as const;
    }, shownAt);
    await sleep(Math.max(0, shownAt + 3000 - Date.now()));
    const after = await measureWindow(page, 3000);
    const events = await recordedEvents(page);
    console.log(`\nhls.js tab return: HLS requests while suspended ${requestsWhileSuspended}; first frame ${(firstFrame - shownAt).toFixed(0)} ms after shown (latency ${firstLatency.toFixed(0)} ms);` +
      ` latency p50 before ${normal.latency.p50.toFixed(0)} ms, 3–6 s after return ${after.latency.p50.toFixed(0)} ms (p95 ${after.latency.p95.toFixed(0)}), ${after.presentedFps.toFixed(1)} fps` +
      `\n  events: ${events.map((e) => e.event).join(', ')}\n`);

    expect(requestsWhileSuspended, 'HLS requests while suspended').toBe(0);
    expect(events.find((e) => e.event === 'resumed')?.data['suspended']).toBe(true);
    expect(firstFrame - shownAt, 'shown → first frame, ms').toBeLessThan(3000);
    // Nothing buffered before hiding is shown (that frame was 4.5 s old before the live seek on resume).
    expect(firstLatency, 'latency of the first frame after return, ms').toBeLessThan(normal.latency.p50 + 1000);
    // At hls.js's live edge again, not 7 s behind: within half a second of before.
    expect(after.latency.p50, 'latency 3–6 s after return, ms').toBeLessThan(normal.latency.p50 + 500);
    expect(after.presentedFps).toBeGreaterThan(0.6 * stream.source.fps);
    expect(errors).toEqual([]);
  } finally {
    await stream.stop();
  }
});
