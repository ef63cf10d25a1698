/**
 * Issue 5, player half: one player, automatic fallback chain (player/src/fallback/mode-selector.ts).
 * WebSocket + MSE → LL-HLS through hls.js (when the first socket is not established within
 * `wsConnectTimeoutMs`, 2 s) → the element's own HLS (no MSE). Against the real server's
 * `GET /hls/NAME/index.m3u8`, in Debian Chromium (whose canPlayType('application/vnd.apple.mpegurl')
 * is "maybe": it has a native HLS player too).
 */
import { expect, test, type Page } from '@playwright/test';
import { installReader } from '../support/barcode-reader.js';
import { captureErrors, playerStats, startBarcodeStream } from '../support/harness.js';
import { recordedEvents, recordPlayerEvents } from '../support/player-events.js';
import { startServer, type RunningServer } from '../support/server.js';
import { latencyTimeline, measureWindow, resultTable, summarize } from '../support/stats.js';

let server: RunningServer;

test.beforeAll(async () => {
  server = await startServer({ streams: ['demo=demo'] });
  // Let the stream be older than one segment first: a viewer joining in the stream's first second
  // stalls at start (hls.js) or fails to parse a playlist of parts only (Chromium's own HLS,
  // native-hls-controller.ts retries), which is about a starting stream, not about the fallback.
  await expect.poll(async () => (await fetch(`${server.url}hls/demo/index.m3u8`)).text(), { timeout: 10_000 }).toContain('#EXTINF');
});

test.afterAll(async () => {
  await server?.stop();
});

/** Requests for the hls.js chunk (Vite names it after hls.light.mjs). */
function watchHlsJsChunk(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r) => {
    if (/\/assets\/hls\.light-[^/]*\.js$/.test(r.url())) urls.push(r.url());
  });
  return urls;
}

const playerMode = (page: Page): Promise<string | null | undefined> =>
  page.evaluate(() => (window as unknown as { framewire?: { mode: string | null } }).framewire?.mode);

const framesPresented = async (page: Page): Promise<number> => Number((await playerStats(page))?.framesPresented ?? 0);

/**
 * Frames keep coming: more than `min` presented within some 3 s (30 fps source), looked for over
 * up to 6 s. hls.js often stalls once just after it starts (it loads the segment before its start
 * point first); on a loaded 2-core machine that stall alone cost 28 frames of a 2 s window and 45
 * of a 3 s one. Half the rate over 3 s, after that stall, still tells playing from stuck; a
 * healthy start passes after 3 s as before.
 */
async function expectPlaying(page: Page, min = 45): Promise<void> {
  await expect.poll(() => framesPresented(page), { timeout: 15_000 }).toBeGreaterThan(5);
  const counts: Array<{ t: number; n: number }> = [{ t: Date.now(), n: await framesPresented(page) }];
  let best = 0;
  while (Date.now() - counts[0]!.t < 6000) {
    await page.waitForTimeout(250);
    const now = { t: Date.now(), n: await framesPresented(page) };
    counts.push(now);
    const from = [...counts].reverse().find((c) => now.t - c.t >= 3000);
    if (!from) continue;
    best = Math.max(best, now.n - from.n);
    if (best > min) return;
  }
  expect(best, 'most frames presented in 3 s (of 6 s watched)').toBeGreaterThan(min);
}

test('?fallback=hls plays through hls.js: frames presented, mode "hls.js" reported and shown, latency from PROGRAM-DATE-TIME', async ({ page }) => {
  const { errors } = captureErrors(page);
  const chunk = watchHlsJsChunk(page);
  await recordPlayerEvents(page, ['modeChange', 'error']);
  await page.goto(`${server.url}watch/demo?fallback=hls`);
  await expectPlaying(page);

  const modes = await recordedEvents(page, 'modeChange');
  expect(modes.map((m) => m.data)).toEqual([{ mode: 'hls.js', previous: null, reason: 'forced', url: `${server.url}hls/demo/index.m3u8` }]);
  expect(await playerMode(page)).toBe('hls.js');
  expect(chunk.length, 'hls.js chunk loaded on demand').toBe(1);
  await expect(page.getByTestId('stats-overlay')).toContainText('mode     hls.js');

  await page.waitForTimeout(1000); // a few latency samples
  const stats = await playerStats(page);
  console.log(`forced hls.js on /watch/demo: ${JSON.stringify(stats)}`);
  expect(stats).toMatchObject({ mode: 'hls.js', width: 1280, height: 720 });
  // Capture → display from EXT-X-PROGRAM-DATE-TIME, and hls.js's own edge latency and target.
  expect(stats?.latencyMs as number).toBeGreaterThan(100);
  expect(stats?.latencyMs as number).toBeLessThan(3000);
  expect(stats?.edgeLatencyMs as number).toBeGreaterThan(0);
  expect(stats?.targetLatencyMs as number).toBeGreaterThan(0);
  expect(await recordedEvents(page, 'error')).toEqual([]);
  expect(errors).toEqual([]);
});

test('the WebSocket path does not download hls.js', async ({ page }) => {
  const chunk = watchHlsJsChunk(page);
  await page.goto(`${server.url}watch/demo`);
  await expectPlaying(page);
  await page.waitForTimeout(2500); // past the fallback timeout: the socket was established in time
  expect(await playerMode(page)).toBe('ws');
  expect(chunk).toEqual([]);
});

for (const block of ['refused', 'silent'] as const) {
  test(`a ${block} WebSocket falls back to hls.js by itself within 3 s`, async ({ page }) => {
    // refused: every connection to /live/ is closed at once (a firewall, a proxy that rejects the
    // upgrade); silent: it opens and nothing ever arrives (a proxy that swallows the socket).
    await page.routeWebSocket(/\/live\//, (ws) => {
      if (block === 'refused') void ws.close({ code: 1011, reason: 'blocked by the test' });
    });
    await recordPlayerEvents(page, ['modeChange', 'firstFrame', 'error']);
    await page.goto(`${server.url}watch/demo`);
    await expectPlaying(page).catch(async (e: Error) => {
      // Say what the player went through when it does not play.
      const video = await page.evaluate(() => { const v = document.querySelector('video')!; return { readyState: v.readyState, paused: v.paused, currentTime: v.currentTime, error: v.error?.message }; });
      throw new Error(`${e.message}\nplayer events: ${JSON.stringify(await recordedEvents(page))}\nvideo: ${JSON.stringify(video)}\nstats: ${JSON.stringify(await playerStats(page))}`);
    });

    const modes = await recordedEvents(page, 'modeChange');
    expect(modes.map((m) => [m.data.mode, m.data.reason])).toEqual([['ws', 'initial'], ['hls.js', 'ws-timeout']]);
    const switchedAt = modes[1]!.t;
    const firstFrame = (await recordedEvents(page, 'firstFrame'))[0]?.data.firstFrameMs as number;
    console.log(`${block} WebSocket: switched to hls.js ${switchedAt.toFixed(0)} ms after navigation start, first frame at ${firstFrame.toFixed(0)} ms`);
    expect(switchedAt, 'fallback time (ms since navigation start)').toBeLessThan(3000);
    expect(switchedAt, 'not before the configured 2 s').toBeGreaterThan(2000);
    expect(await playerMode(page)).toBe('hls.js');
    await expect(page.getByTestId('player-message')).toBeHidden(); // no stale "reconnecting…"
  });
}

test('a server that is not there yet (socket and playlist both fail) keeps the player on the WebSocket', async ({ page }) => {
  // Both paths fail for the first 2.5 s, as when the page is opened before its server started:
  // the player must not settle on LL-HLS for good, but play over the WebSocket once it connects.
  let up = false;
  setTimeout(() => (up = true), 2500);
  await page.routeWebSocket(/\/live\//, (ws) => {
    if (up) ws.connectToServer();
    else void ws.close({ code: 1011, reason: 'server not up yet' });
  });
  await page.route(/\/hls\//, (route) => (up ? route.continue() : route.abort('connectionrefused')));
  await recordPlayerEvents(page, ['modeChange']);
  await page.goto(`${server.url}watch/demo?fw.reconnectMaxDelayMs=500`); // retries every 0.5 s
  await expectPlaying(page);
  expect((await recordedEvents(page, 'modeChange')).map((m) => [m.data.mode, m.data.reason])).toEqual([['ws', 'initial']]);
  expect(await playerMode(page)).toBe('ws');
});

test('?fallback=ws forbids the fallback: a blocked socket keeps reconnecting, hls.js is never loaded', async ({ page }) => {
  const chunk = watchHlsJsChunk(page);
  let attempts = 0;
  await page.routeWebSocket(/\/live\//, (ws) => {
    attempts++;
    void ws.close({ code: 1011, reason: 'blocked by the test' });
  });
  await page.goto(`${server.url}watch/demo?fallback=ws`);
  await page.waitForTimeout(3500);
  expect(await playerMode(page)).toBe('ws');
  expect(attempts, 'reconnect attempts').toBeGreaterThan(2);
  expect(chunk).toEqual([]);
  expect(await framesPresented(page)).toBe(0);
});

test('/watch/nope?fallback=hls says the stream does not exist (playlist 404)', async ({ page }) => {
  await recordPlayerEvents(page, ['error']);
  await page.goto(`${server.url}watch/nope?fallback=hls`);
  await expect(page.getByTestId('player-message')).toContainText('Stream "nope" does not exist');
  expect((await recordedEvents(page, 'error')).map((e) => [e.data.details, e.data.fatal])).toEqual([['streamNotFound', true]]);
});

test('without MediaSource the element plays LL-HLS itself (native HLS)', async ({ page }) => {
  await page.addInitScript(() => {
    // A browser without MSE (iOS before 17.1): hls.js cannot run either.
    delete (window as { MediaSource?: unknown }).MediaSource;
    delete (window as { ManagedMediaSource?: unknown }).ManagedMediaSource;
  });
  const chunk = watchHlsJsChunk(page);
  await recordPlayerEvents(page, ['modeChange']);
  await page.goto(`${server.url}watch/demo`);
  await expectPlaying(page);
  expect((await recordedEvents(page, 'modeChange')).map((m) => m.data)).toEqual([
    { mode: 'native-hls', previous: null, reason: 'mse-missing', url: `${server.url}hls/demo/index.m3u8` },
  ]);
  expect(await page.evaluate(() => document.querySelector('video')!.src)).toBe(`${server.url}hls/demo/index.m3u8`);
  await expect(page.getByTestId('stats-overlay')).toContainText('mode     native-hls');
  expect(chunk).toEqual([]);
});

test('MediaSource rejecting the codec hands over to native HLS where the element claims the codec', async ({ page }) => {
  await page.addInitScript(() => {
    MediaSource.isTypeSupported = (type: string) => !/avc1/.test(type); // no H.264 through MSE at all
  });
  await recordPlayerEvents(page, ['modeChange', 'error']);
  await page.goto(`${server.url}watch/demo`);
  await expectPlaying(page);
  expect((await recordedEvents(page, 'modeChange')).map((m) => [m.data.mode, m.data.reason])).toEqual([['ws', 'initial'], ['native-hls', 'codec-rejected']]);
  expect((await recordedEvents(page, 'error')).filter((e) => e.data.fatal)).toEqual([]);
});

test('hls.js meeting a codec MediaSource rejects hands over to native HLS too', async ({ page }) => {
  await page.addInitScript(() => {
    // hls.js asks isTypeSupported() only about a playlist's CODECS attribute (Framewire's has none):
    // a browser without the codec also fails addSourceBuffer(), which is what hls.js meets here.
    MediaSource.isTypeSupported = (type: string) => !/avc1/.test(type);
    const add = MediaSource.prototype.addSourceBuffer;
    MediaSource.prototype.addSourceBuffer = function (this: MediaSource, type: string) {
      if (/avc1/.test(type)) throw new DOMException(`${type} is not supported`, 'NotSupportedError');
      return add.call(this, type);
    };
  });
  await recordPlayerEvents(page, ['modeChange', 'error']);
  await page.goto(`${server.url}watch/demo?fallback=hls`);
  await expectPlaying(page);
  expect((await recordedEvents(page, 'modeChange')).map((m) => [m.data.mode, m.data.reason])).toEqual([['hls.js', 'forced'], ['native-hls', 'codec-rejected']]);
  expect((await recordedEvents(page, 'error')).filter((e) => e.data.fatal)).toEqual([]);
});

test('720p29.97 barcode in LL-HLS (hls.js): capture→display p50/p95 and first frame', async ({ page }, testInfo) => {
  const stream = await startBarcodeStream({ width: 1280, height: 720 });
  try {
    const { errors } = captureErrors(page);
    await installReader(page);
    // As for the demo stream above: measure a running stream, not its first second.
    await expect.poll(async () => (await fetch(`${stream.server.url}hls/cam/index.m3u8`)).text(), { timeout: 10_000 }).toContain('#EXTINF');
    await page.goto(`${stream.watchUrl}?fallback=hls`);
    await expect.poll(() => page.evaluate(() => window.__barcode.samples.length), { timeout: 15_000 }).toBeGreaterThan(0);
    await page.waitForTimeout(3000); // warm-up: hls.js settles at its target
    const r = await measureWindow(page, 15_000);
    const stats = await playerStats(page);
    const table = resultTable([{ name: 'hls.js LL-HLS /watch/cam?fallback=hls 1280x720@29.97', r, expectedFps: stream.source.fps }]);
    const report = `${table}\n\nper second: ${latencyTimeline(r.samples)}\nsource: ${stream.source.describe()}\nplayer stats: ${JSON.stringify(stats)}`;
    console.log(`\n${report}\n`);
    await testInfo.attach('hls-latency.md', { body: report, contentType: 'text/markdown' });

    expect(stats?.mode).toBe('hls.js');
    expect(r.readerErrors).toEqual([]);
    expect(r.misreadRate, 'misread rate').toBeLessThan(0.05);
    const expected = (r.durationMs / 1000) * stream.source.fps;
    expect(r.presentedFrames, `frames presented (expected ≈ ${expected.toFixed(0)})`).toBeGreaterThanOrEqual(0.85 * expected);
    // Issue 5 targets (benchmark, e2e/bench/hls-latency.bench.ts): p50 ≤ 1.5 s, first frame ≤ 2 s.
    expect(r.latency.p50, 'p50 capture→display ms').toBeLessThan(1500);
    expect(r.firstFrameMs ?? Infinity, 'first frame ms').toBeLessThan(2000);
    // The player's own figure (PROGRAM-DATE-TIME = the server's arrival time of the frame) agrees
    // with the barcode (generation time) up to the encoder and pipe in between. The player's p50 is
    // over its last 5 s: compare with the barcode's over the same frames.
    const own = stats?.latencyP50Ms as number;
    const end = r.samples[r.samples.length - 1]![0];
    const barcodeP50 = summarize(r.samples.filter((x) => x[0] > end - 5000).map((x) => x[2])).p50;
    expect(Math.abs(own - barcodeP50), `player p50 ${own} ms vs barcode p50 ${barcodeP50} ms (last 5 s)`).toBeLessThan(150);
    expect(errors).toEqual([]);
  } finally {
    await stream.stop();
  }
});
