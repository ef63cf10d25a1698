/**
 * Issue 6 "API and embeds": the three embed forms of README "Embedding", on another origin.
 *
 * Origin A is the Framewire server (http://localhost:PORT1/), origin B the example site
 * (examples/embed-site.mjs on http://127.0.0.1:PORT2/, a different site as well as a different
 * origin). Its page embeds the stream three ways: the server's /embed/NAME page in an <iframe>,
 * the single-file /framewire-player.js with <framewire-player>, and the ES module build
 * (player/dist/lib, served by origin B as a bundler would ship it) driving a <video>.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test, type Frame, type Page } from '@playwright/test';
import type { FramewirePlayer } from '@framewire/player';
import type { FramewirePlayerElement } from '@framewire/player/define'; // also types document.querySelector('framewire-player')
import { startEmbedSite, type EmbedSite } from '../support/embed-site.js';
import { captureErrors } from '../support/harness.js';
import { startServer, type RunningServer } from '../support/server.js';

declare global {
  interface Window {
    /** Set by examples/embed.html. */
    embedExample: { server: string; stream: string; errors: unknown[]; modulePlayer?: FramewirePlayer };
  }
}

let server: RunningServer;
let site: EmbedSite;
/** The server as origin A: `localhost` where the server printed 127.0.0.1, so A and B are different sites too. */
let serverA: string;

test.beforeAll(async () => {
  server = await startServer({ streams: ['demo=demo'] });
  serverA = server.url.replace('127.0.0.1', 'localhost');
  site = await startEmbedSite();
});

test.afterAll(async () => {
  await site?.stop();
  await server?.stop();
});

type Form = 'iframe' | 'script' | 'module';

/** The <video> of each form, found in the page (or frame) that holds it. */
function videoOf(form: Form): string {
  return form === 'iframe' ? "document.querySelector('video')"
    : form === 'script' ? "document.querySelector('#fw-element').video"
      : "document.getElementById('fw-video')";
}

/** The player's stats of each form: `window.framewire` (the embed page's debugging hook), the element, the module's player. */
function statsOf(form: Form): string {
  return form === 'iframe' ? 'window.framewire?.stats'
    : form === 'script' ? "document.querySelector('#fw-element').stats"
      : 'window.embedExample.modulePlayer?.stats';
}

interface Stats { latencyMs: number | null; latencyP50Ms: number | null; firstFrameMs: number | null; framesPresented: number; mode: string }

async function stats(target: Page | Frame, form: Form): Promise<Stats | null> {
  return target.evaluate((expr) => {
    // Indirect eval of one of the three constant expressions above (evaluate() cannot take functions).
    const s = (0, eval)(expr) as Stats | null | undefined;
    return s ? { latencyMs: s.latencyMs, latencyP50Ms: s.latencyP50Ms, firstFrameMs: s.firstFrameMs, framesPresented: s.framesPresented, mode: s.mode } : null;
  }, statsOf(form));
}

/** Frames presented in `ms`, counted with requestVideoFrameCallback on the form's <video>. */
async function presentedFrames(target: Page | Frame, form: Form, ms: number): Promise<number> {
  return target.evaluate(async ({ expr, ms }) => {
    const video = (0, eval)(expr) as HTMLVideoElement;
    let n = 0;
    let stop = false;
    const onFrame = (): void => {
      n++;
      if (!stop) video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    await new Promise((r) => setTimeout(r, ms));
    stop = true;
    return n;
  }, { expr: videoOf(form), ms });
}

/** Frames presented in `ms` by the <video> of the <framewire-player> matching `selector`. */
async function presentedFramesOf(page: Page, selector: string, ms: number): Promise<number> {
  return page.evaluate(async ({ selector, ms }) => {
    const video = document.querySelector<FramewirePlayerElement>(selector)!.video;
    let n = 0;
    let stop = false;
    const onFrame = (): void => {
      n++;
      if (!stop) video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    await new Promise((r) => setTimeout(r, ms));
    stop = true;
    return n;
  }, { selector, ms });
}

function iframeOf(page: Page): Frame {
  const frame = page.frames().find((f) => f.url().startsWith(`${serverA}embed/`));
  if (!frame) throw new Error(`no /embed/ frame among ${page.frames().map((f) => f.url()).join(', ')}`);
  return frame;
}

test('the three embed forms play on another origin and report their latency', async ({ page }) => {
  const { errors } = captureErrors(page);
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(site.pageUrl(serverA));
  expect(new URL(page.url()).origin, 'the example is on origin B').toBe(site.origin);
  expect(site.origin).not.toBe(new URL(serverA).origin);

  const figures: string[] = [];
  for (const form of ['iframe', 'script', 'module'] as const) {
    await expect.poll(() => page.frames().some((f) => f.url().startsWith(`${serverA}embed/`)), { timeout: 10_000 }).toBe(true);
    const target = form === 'iframe' ? iframeOf(page) : page;
    // Reports a latency: a presented frame was matched with its capture time.
    await expect.poll(async () => (await stats(target, form))?.latencyMs ?? null, { timeout: 15_000, message: `${form}: latency` }).not.toBeNull();
    const frames = await presentedFrames(target, form, 2000);
    const s = (await stats(target, form))!;
    figures.push(`${form}: ${frames} frames in 2 s, first frame ${s.firstFrameMs} ms, latency ${s.latencyMs} ms (p50 ${s.latencyP50Ms} ms), mode ${s.mode}`);
    // The demo clip is ~30 fps: 2 s is ~60 presented frames; a healthy player shows nearly all.
    expect(frames, `${form}: frames presented in 2 s`).toBeGreaterThan(40);
    expect(s.mode, `${form}: mode`).toBe('ws');
    expect(s.latencyMs!, `${form}: latency`).toBeGreaterThan(0);
    expect(s.latencyMs!, `${form}: latency`).toBeLessThan(1000);
  }
  console.log(`embed forms (page ${site.origin}, server ${serverA}):\n  ${figures.join('\n  ')}`);

  // The element's getters and the API's agree with the stats.
  const api = await page.evaluate(() => {
    const el = document.querySelector('framewire-player')!;
    const p = window.embedExample.modulePlayer!;
    return { elLatency: el.latency, elMode: el.mode, elTarget: el.targetLatency, pLatency: p.latency, pMode: p.mode, pTarget: p.targetLatency };
  });
  expect(api.elLatency).toBeGreaterThan(0);
  expect(api.pLatency).toBeGreaterThan(0);
  expect(api).toMatchObject({ elMode: 'ws', pMode: 'ws', elTarget: null, pTarget: null });

  // Each remuxes in a worker of its own origin: the script build's from a Blob URL of origin B
  // (a Worker from origin A's URL would be refused), the module's next to the module on origin B.
  const workers = page.workers().map((w) => w.url());
  expect(workers.some((u) => u.startsWith(`blob:${site.origin}/`)), `workers: ${workers.join(', ')}`).toBe(true);
  expect(workers.some((u) => u.startsWith(`${site.origin}/lib/assets/remux.worker`)), `workers: ${workers.join(', ')}`).toBe(true);
  // The WebSocket path never downloads hls.js.
  expect(requests.filter((u) => /hls\.light|framewire-hls/.test(u))).toEqual([]);

  const reported = await page.evaluate(() => window.embedExample.errors);
  expect(reported).toEqual([]);
  expect(errors).toEqual([]);
});

test('GET /framewire-player.js: the script build, for any origin, cached for minutes', async ({ request }) => {
  const res = await request.get(`${serverA}framewire-player.js`, { headers: { origin: site.origin } });
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toBe('text/javascript; charset=utf-8');
  expect(res.headers()['access-control-allow-origin']).toBe('*');
  expect(res.headers()['cache-control']).toBe('public, max-age=300');
  const body = await res.text();
  expect(body.startsWith('var Framewire=')).toBe(true); // an IIFE that sets window.Framewire
  expect(body).not.toMatch(/\bimport\.meta\b/); // a classic script cannot use it
  console.log(`framewire-player.js: ${body.length} bytes`);
});

test('<framewire-player>: media API and events for media-chrome-like UIs, attribute changes, bad input', async ({ page }) => {
  const { errors } = captureErrors(page);
  await page.goto(site.pageUrl(serverA));
  await expect.poll(() => page.evaluate(() => document.querySelector('framewire-player')?.latency ?? null), { timeout: 15_000 }).not.toBeNull();
  await page.evaluate(() => {
    const el = document.querySelector('framewire-player')!;
    const w = window as unknown as { hostEvents: string[]; hostErrors: unknown[] };
    w.hostEvents = [];
    w.hostErrors = [];
    for (const type of ['play', 'pause', 'playing', 'timeupdate', 'volumechange', 'loadedmetadata', 'framewire:stats', 'framewire:modechange']) {
      el.addEventListener(type, (e) => {
        if (e.target === el) w.hostEvents.push(type);
      });
    }
    el.addEventListener('error', (e) => w.hostErrors.push(e.detail));
  });
  const hostEvents = (): Promise<string[]> => page.evaluate(() => (window as unknown as { hostEvents: string[] }).hostEvents);
  const hostErrors = (): Promise<Array<Record<string, unknown>>> => page.evaluate(() => (window as unknown as { hostErrors: Array<Record<string, unknown>> }).hostErrors);

  // The inner <video>'s events arrive on the host, and its API is the host's.
  await expect.poll(hostEvents).toContain('timeupdate');
  await expect.poll(hostEvents).toContain('framewire:stats');
  const media = await page.evaluate(() => {
    const el = document.querySelector('framewire-player')!;
    return { paused: el.paused, currentTime: el.currentTime, readyState: el.readyState, videoWidth: el.videoWidth, muted: el.muted, volume: el.volume,
      buffered: el.buffered.length, HAVE_ENOUGH_DATA: el.HAVE_ENOUGH_DATA, streamType: el.streamType, shadowVideo: !!el.shadowRoot?.querySelector('video[part="video"]'),
      lightVideo: el.querySelector('video') !== null };
  });
  expect(media).toMatchObject({ paused: false, muted: true, volume: 1, buffered: 1, HAVE_ENOUGH_DATA: 4, streamType: 'live', shadowVideo: true, lightVideo: false, videoWidth: 1280 });
  expect(media.currentTime).toBeGreaterThan(0);

  await page.evaluate(() => {
    document.querySelector('framewire-player')!.muted = false;
  });
  await expect.poll(hostEvents).toContain('volumechange');
  expect(await page.evaluate(() => document.querySelector('framewire-player')!.video.muted)).toBe(false);

  // A pause stays a pause (autoplay is the element's, not re-applied on every frame)...
  await page.evaluate(() => document.querySelector('framewire-player')!.pause());
  await expect.poll(hostEvents).toContain('pause');
  await page.waitForTimeout(1500);
  expect(await page.evaluate(() => document.querySelector('framewire-player')!.paused)).toBe(true);
  // ...and play() resumes at the live edge, not 1.5 s behind.
  await page.evaluate(() => document.querySelector('framewire-player')!.play());
  await expect.poll(hostEvents).toContain('playing');
  await expect.poll(() => page.evaluate(() => document.querySelector('framewire-player')!.latency ?? Infinity), { timeout: 10_000 }).toBeLessThan(0.5);

  // A new src: a new player. A stream that does not exist: an `error` event that says so, and the message over the video.
  const firstPlayer = await page.evaluateHandle(() => document.querySelector('framewire-player')!.player);
  await page.evaluate(() => document.querySelector('framewire-player')!.setAttribute('src', 'nope'));
  await expect.poll(hostErrors).toContainEqual(expect.objectContaining({ source: 'player', details: 'streamNotFound', fatal: true, reason: 'Stream "nope" does not exist' }));
  await expect(page.locator('#fw-element').locator('[part="message"]')).toHaveText('Stream "nope" does not exist');
  await page.evaluate(() => {
    document.querySelector('framewire-player')!.src = 'demo';
  });
  await expect(page.locator('#fw-element').locator('[part="message"]')).toBeHidden();
  await expect.poll(() => page.evaluate(() => document.querySelector('framewire-player')!.latency ?? null), { timeout: 15_000 }).not.toBeNull();
  expect(await page.evaluate((old) => document.querySelector('framewire-player')!.player !== old, firstPlayer)).toBe(true);
  expect(await presentedFrames(page, 'script', 1500)).toBeGreaterThan(25);

  // Bad attributes: never an exception into the page; an `error` event with the attribute and the
  // reason, the same sentence on the console, and playback goes on with the default.
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  const thrown = await page.evaluate(() => {
    const el = document.querySelector('framewire-player')!;
    try {
      el.setAttribute('target-latency', 'abc');
      el.setAttribute('fallback', 'webrtc');
      return null;
    } catch (e) {
      return String(e);
    }
  });
  expect(thrown).toBeNull();
  await expect.poll(hostErrors).toContainEqual({ source: 'attribute', attribute: 'target-latency', value: 'abc',
    reason: 'target-latency="abc" is not a number of seconds between 0 and 30 (e.g. target-latency="1.5"); using the default' });
  expect(await hostErrors()).toContainEqual(expect.objectContaining({ source: 'attribute', attribute: 'fallback', value: 'webrtc' }));
  expect(consoleErrors).toContainEqual(expect.stringContaining('<framewire-player>: target-latency="abc" is not a number of seconds'));
  await expect.poll(() => page.evaluate(() => document.querySelector('framewire-player')!.latency ?? null), { timeout: 15_000 }).not.toBeNull();
  expect(await presentedFrames(page, 'script', 1500)).toBeGreaterThan(25);

  // The `config` property takes any player option; a bad one is reported the same way.
  await page.evaluate(() => {
    document.querySelector('framewire-player')!.config = { nope: 1 } as never;
  });
  await expect.poll(hostErrors).toContainEqual({ source: 'element', reason: 'config: unknown config key "nope"' });
  expect(await page.evaluate(() => document.querySelector('framewire-player')!.player)).toBeNull();
  await page.evaluate(() => {
    document.querySelector('framewire-player')!.config = { statsIntervalMs: 500 };
  });
  await expect.poll(() => page.evaluate(() => document.querySelector('framewire-player')!.player?.config.statsIntervalMs)).toBe(500);

  // A src that is neither a stream name nor a URL: reported, no player.
  await page.evaluate(() => document.querySelector('framewire-player')!.setAttribute('src', 'my stream'));
  await expect.poll(hostErrors).toContainEqual(expect.objectContaining({ source: 'attribute', attribute: 'src', value: 'my stream' }));
  expect(await page.evaluate(() => document.querySelector('framewire-player')!.player)).toBeNull();

  // Removed from the page: the player stops after the grace period.
  await page.evaluate(() => {
    const el = document.querySelector('framewire-player')!;
    el.src = 'demo';
    (window as unknown as { removed: Element }).removed = el;
  });
  await expect.poll(() => page.evaluate(() => document.querySelector('framewire-player')!.player !== null)).toBe(true);
  await page.evaluate(() => (window as unknown as { removed: Element }).removed.remove());
  await expect.poll(() => page.evaluate(() => ((window as unknown as { removed: FramewirePlayerElement }).removed.player)), { timeout: 5000 }).toBeNull();

  // Only the deliberate mistakes above were logged.
  expect(errors.filter((e) => !/<framewire-player>: (target-latency="abc"|fallback="webrtc"|Stream "nope"|src="my stream"|config: unknown config key)/.test(e))).toEqual([]);
});

test('<framewire-player slot="media"> inside media-chrome: a live stream whose play and mute buttons drive the player', async ({ page }) => {
  const { errors } = captureErrors(page);
  await page.goto(site.pageUrl(serverA));
  // Its IIFE build, which the package's exports map does not list: found beside its main entry.
  const main = createRequire(import.meta.url).resolve('media-chrome');
  const mediaChrome = join(main.slice(0, main.lastIndexOf(`${sep}dist${sep}`)), 'dist', 'iife', 'index.js');
  await page.addScriptTag({ path: mediaChrome });
  await page.evaluate(() => {
    const mc = document.createElement('media-controller');
    mc.id = 'mc';
    mc.innerHTML = `<framewire-player slot="media" src="demo" autoplay muted></framewire-player>
      <media-control-bar><media-play-button></media-play-button><media-mute-button></media-mute-button>
      <media-live-button></media-live-button><media-time-display></media-time-display></media-control-bar>`;
    mc.style.width = '640px';
    document.body.prepend(mc);
  });
  const mc = page.locator('#mc');
  const el = (): Promise<{ paused: boolean; muted: boolean; latency: number | null }> => page.evaluate(() => {
    const p = document.querySelector<FramewirePlayerElement>('#mc framewire-player')!;
    return { paused: p.paused, muted: p.muted, latency: p.latency };
  });
  await expect.poll(async () => (await el()).latency, { timeout: 15_000 }).not.toBeNull();
  // media-chrome read the state from the element's properties and events.
  await expect(mc).toHaveAttribute('mediastreamtype', 'live');
  await expect(mc).not.toHaveAttribute('mediapaused');
  await expect(mc).toHaveAttribute('mediamuted');

  await mc.locator('media-play-button').click();
  await expect.poll(async () => (await el()).paused).toBe(true);
  await expect(mc).toHaveAttribute('mediapaused');
  await page.waitForTimeout(1000);
  expect((await el()).paused, 'stays paused').toBe(true);
  await mc.locator('media-play-button').click();
  await expect.poll(async () => (await el()).paused).toBe(false);
  await expect(mc).not.toHaveAttribute('mediapaused');
  expect(await presentedFramesOf(page, '#mc framewire-player', 1500)).toBeGreaterThan(25);

  await mc.locator('media-mute-button').click();
  await expect.poll(async () => (await el()).muted).toBe(false);
  await expect(mc).not.toHaveAttribute('mediamuted');
  expect(errors).toEqual([]);
});

test('<framewire-player fallback="hls"> from the script build loads hls.js from its server and plays', async ({ page }) => {
  const { errors } = captureErrors(page);
  const hlsModule: Array<{ url: string; status: number }> = [];
  page.on('response', (r) => {
    if (r.url().endsWith('/framewire-hls.js')) hlsModule.push({ url: r.url(), status: r.status() });
  });
  await page.goto(site.pageUrl(serverA));
  await page.evaluate(() => {
    const el = document.createElement('framewire-player');
    el.id = 'fw-hls';
    for (const [k, v] of [['autoplay', ''], ['muted', ''], ['fallback', 'hls'], ['src', 'demo']] as const) el.setAttribute(k, v);
    document.body.append(el);
  });
  await expect.poll(() => page.evaluate(() => document.querySelector<FramewirePlayerElement>('#fw-hls')!.mode), { timeout: 10_000 }).toBe('hls.js');
  await expect.poll(() => page.evaluate(() => document.querySelector<FramewirePlayerElement>('#fw-hls')!.latency), { timeout: 30_000 }).not.toBeNull();
  expect(await presentedFramesOf(page, '#fw-hls', 2000)).toBeGreaterThan(30);
  const s = await page.evaluate(() => document.querySelector<FramewirePlayerElement>('#fw-hls')!.stats!);
  console.log(`<framewire-player fallback="hls">: first frame ${s.firstFrameMs} ms after navigation, latency ${s.latencyMs} ms (p50 ${s.latencyP50Ms} ms)`);
  const target = await page.evaluate(() => document.querySelector<FramewirePlayerElement>('#fw-hls')!.targetLatency);
  expect(target, 'hls.js target latency, s').toBeGreaterThan(0);
  expect(hlsModule).toEqual([{ url: `${serverA}framewire-hls.js`, status: 200 }]);
  expect(errors).toEqual([]);
});

test('/embed/NAME query options: muted, autoplay, controls', async ({ page }) => {
  const state = (): Promise<{ paused: boolean; muted: boolean; controls: boolean; buffered: number }> => page.evaluate(() => {
    const v = document.querySelector('video')!;
    return { paused: v.paused, muted: v.muted, controls: v.controls, buffered: v.buffered.length };
  });
  await page.goto(`${serverA}embed/demo?muted=1`);
  await expect.poll(async () => (await state()).paused, { timeout: 15_000 }).toBe(false);
  expect(await state()).toMatchObject({ muted: true, controls: false });

  await page.goto(`${serverA}embed/demo?muted=1&controls=1`);
  await expect.poll(async () => (await state()).paused, { timeout: 15_000 }).toBe(false);
  expect(await state()).toMatchObject({ muted: true, controls: true });

  await page.goto(`${serverA}embed/demo?muted=0`);
  expect(await state()).toMatchObject({ muted: false, controls: true });

  // autoplay=0: the stream loads, the video waits for the viewer (with a play button).
  await page.goto(`${serverA}embed/demo?autoplay=0`);
  await expect.poll(async () => (await state()).buffered, { timeout: 15_000 }).toBe(1);
  await page.waitForTimeout(1000);
  expect(await state()).toMatchObject({ paused: true, muted: true, controls: true });
  await page.evaluate(() => document.querySelector('video')!.play());
  await expect.poll(async () => (await state()).paused).toBe(false);
});

test('ES module build: a TypeScript site type-checks against the shipped declarations', async () => {
  // e2e/fixtures/module-consumer resolves @framewire/player through its "types" export
  // (player/dist/types); its @ts-expect-error lines fail if the declarations are missing or `any`.
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const project = fileURLToPath(new URL('../fixtures/module-consumer/tsconfig.json', import.meta.url));
  const run = await promisify(execFile)(process.execPath, [tsc, '-p', project], { timeout: 60_000 }).then(
    () => ({ code: 0, out: '' }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
  );
  expect(run.out).toBe('');
  expect(run.code).toBe(0);
});
