/**
 * Issue 3, "periodic intra refresh with no IDR": x264 `-intra-refresh 1` streams have an IDR only
 * as their first picture; after that a picture with a recovery point SEI (H.264 D.2.8) starts
 * every refresh cycle (`-g 30`: once a second). The server must treat those as start points.
 *
 *   1. A viewer joining 3 s in starts presenting within 1.5 s, the counter burned into the frames
 *      increases, the size is right, the page shows no error. The server's GOP cache holds at most
 *      60 frames (2 s): without recovery points as start points the cache since the one IDR has
 *      overflowed by then and stays empty, so nothing ever reaches that viewer.
 *   2. The server sees the stream only from picture 10 on (the IDR cut off, as when a source is
 *      joined mid-way): it still goes live at the next recovery point and the viewer plays. The
 *      viewer is already waiting, so it gets the recovery point itself live: what Chromium
 *      presents from there (pictures only partly refreshed for up to recovery_frame_cnt frames)
 *      is measured and reported: the barcode band spans the width, so a partly refreshed
 *      picture reads as a misread.
 *
 * The frame counter is the frame-index stamp of barcode-source.ts, read back by barcode-reader.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { AnnexBTap } from '../support/annexb-tap.js';
import { installReader, type RawSample } from '../support/barcode-reader.js';
import { BarcodeSource } from '../support/barcode-source.js';
import { captureErrors, sleep } from '../support/harness.js';
import { startServer, type RunningServer } from '../support/server.js';

const WIDTH = 640;
const HEIGHT = 360;
const INTRA_REFRESH = ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-bf', '0', '-g', '30',
  '-intra-refresh', '1', '-pix_fmt', 'yuv420p'];
const GOP_CACHE_MAX_FRAMES = 60;
const WINDOW_MS = 3000;
const FPS = 30000 / 1001;

interface Run {
  server: RunningServer;
  source: BarcodeSource;
  tap: AnnexBTap;
  /** Schedule slot (the stamped index) of each picture handed to the encoder, in order. */
  slots: number[];
}

let tmp: string;
let configFile: string;
const runs: Run[] = [];
test.beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'framewire-intra-refresh-'));
  configFile = join(tmp, 'config.json');
  writeFileSync(configFile, JSON.stringify({ gopCacheMaxFrames: GOP_CACHE_MAX_FRAMES }));
});
test.afterEach(async () => {
  for (const r of runs.splice(0)) {
    r.source.kill();
    await r.server.stop();
  }
});
test.afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function start(dropBeforePicture: number): Promise<Run> {
  const tap = new AnnexBTap({ dropBeforePicture });
  const slots: number[] = [];
  const source = new BarcodeSource({
    width: WIDTH, height: HEIGHT, stamp: 'frame-index', codecArgs: INTRA_REFRESH, through: tap,
    onFrame: (slot) => slots.push(slot),
  });
  let server: RunningServer;
  try {
    server = await startServer({ streams: ['v=stdin'], stdin: source.output, extraArgs: ['--config', configFile] });
  } catch (e) {
    source.kill();
    throw e;
  }
  const run = { server, source, tap, slots };
  runs.push(run);
  source.start();
  return run;
}

/** Records every presented frame's presentedFrames/mediaTime, and keeps pictures of the first few. */
async function installPresentationLog(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const log: { frames: [number, number][]; images: string[] } = { frames: [], images: [] };
    (window as unknown as { __presented: typeof log }).__presented = log;
    const canvas = document.createElement('canvas');
    const seen = new WeakSet<HTMLVideoElement>();
    const attach = (v: HTMLVideoElement): void => {
      seen.add(v);
      const cb = (_now: number, meta: VideoFrameCallbackMetadata): void => {
        v.requestVideoFrameCallback(cb);
        log.frames.push([meta.presentedFrames, meta.mediaTime]);
        if (log.images.length < 4 && v.videoWidth) {
          canvas.width = v.videoWidth / 2;
          canvas.height = v.videoHeight / 2;
          canvas.getContext('2d')!.drawImage(v, 0, 0, canvas.width, canvas.height);
          log.images.push(canvas.toDataURL('image/png'));
        }
      };
      v.requestVideoFrameCallback(cb);
    };
    setInterval(() => document.querySelectorAll('video').forEach((v) => seen.has(v) || attach(v)), 5);
  });
}

interface Observed {
  firstFrameMs: number;
  /** Navigation → first presented frame whose counter reads (the picture refreshed enough), ms. */
  firstReadMs: number;
  samples: RawSample[];
  misreads: number;
  presented: [number, number][];
  images: string[];
  w: number;
  h: number;
  kind: string;
  text: string;
  seeks: number;
  /** Player stats.skippedFrames: frames never shown for lack of a start point before them. */
  skipped: number;
}

async function watch(page: Page, url: string, testInfo: { outputPath: (name: string) => string }): Promise<{ o: Observed; errors: string[] }> {
  const { errors } = captureErrors(page);
  await installReader(page);
  await installPresentationLog(page);
  const consoleLines: string[] = [];
  page.on('console', (m) => consoleLines.length < 200 && consoleLines.push(`${m.type()}: ${m.text()}`));
  await page.goto(url);
  try {
    await expect.poll(() => page.evaluate(() => window.__barcode.samples.length), { timeout: 10_000 }).toBeGreaterThan(0);
  } catch (e) {
    const diag = await page.evaluate(() => ({
      presented: (window as unknown as { __presented: { frames: unknown[] } }).__presented.frames.slice(0, 10),
      misreads: window.__barcode.misreads,
      callbacks: window.__barcode.callbacks,
      stats: (window as unknown as { framewire?: { stats?: unknown } }).framewire?.stats,
      message: document.querySelector<HTMLElement>('[data-testid="player-message"]')?.textContent,
    }));
    const streams = await (await fetch(`${new URL(url).origin}/api/streams`)).text();
    console.log(`no frame read: ${JSON.stringify(diag)}\n/api/streams: ${streams}\npage console:\n  ${consoleLines.join('\n  ')}`);
    throw e;
  }
  await sleep(WINDOW_MS);
  const o = (await page.evaluate(() => {
    const p = (window as unknown as { __presented: { frames: [number, number][]; images: string[] } }).__presented;
    const msg = document.querySelector<HTMLElement>('[data-testid="player-message"]');
    const fw = (window as unknown as { framewire?: { stats?: Record<string, number> } }).framewire?.stats ?? {};
    return {
      firstFrameMs: window.__barcode.firstFrameMs,
      firstReadMs: window.__barcode.samples[0]![0] - window.__barcode.skewMs - performance.timeOrigin,
      samples: window.__barcode.samples,
      misreads: window.__barcode.misreads,
      presented: p.frames,
      images: p.images,
      w: document.querySelector('video')!.videoWidth,
      h: document.querySelector('video')!.videoHeight,
      kind: msg?.dataset['kind'] ?? '',
      text: msg?.textContent ?? '',
      seeks: fw['seeks'] ?? 0,
      skipped: fw['skippedFrames'] ?? -1,
    };
  })) as Observed;
  o.images.forEach((img, i) => writeFileSync(testInfo.outputPath(`presented-${i}.png`), Buffer.from(img.split(',')[1]!, 'base64')));
  return { o, errors };
}

/** Counter checks shared by both cases; returns figures for the report. */
function checkPlayback(o: Observed, errors: string[]): { presented: number; backward: number; firstIndex: number; lastIndex: number } {
  const idx = o.samples.map((s) => s[1]);
  let backward = 0;
  for (let i = 1; i < idx.length; i++) if (idx[i]! < idx[i - 1]!) backward++;
  expect(o.kind, `page message: ${o.text}`).not.toBe('error');
  expect(errors).toEqual([]);
  expect({ w: o.w, h: o.h }, 'video.videoWidth/videoHeight').toEqual({ w: WIDTH, h: HEIGHT });
  expect(backward, 'counter going backward').toBe(0);
  // Generous for a loaded 2-core machine: at least 60 % of the window's frames read back.
  expect(new Set(idx).size, `frames read in ${WINDOW_MS} ms`).toBeGreaterThan((WINDOW_MS / 1000) * FPS * 0.6);
  return { presented: new Set(idx).size, backward, firstIndex: idx[0]!, lastIndex: idx[idx.length - 1]! };
}

/** Presented frames before the first one whose barcode reads (partly refreshed or stale pictures). */
function unreadableAtStart(o: Observed): number {
  const firstRead = o.samples[0]![3];
  return o.presented.filter(([pf]) => pf < firstRead).length;
}

test('late joiner starts at a recovery point of an intra refresh stream', async ({ page }, testInfo) => {
  const run = await start(0);
  await sleep(3000);
  const joinedAtPicture = run.tap.pictures;
  const { o, errors } = await watch(page, `${run.server.url}watch/v`, testInfo);
  // The stream really is intra refresh: one IDR, then a recovery point every 30 pictures.
  expect(run.tap.idrs).toEqual([0]);
  expect(run.tap.recoveryPoints.slice(0, 3)).toEqual([30, 60, 90]);
  const figures = checkPlayback(o, errors);
  const lastRpBeforeJoin = Math.max(...run.tap.recoveryPoints.filter((n) => n <= joinedAtPicture));
  const report = {
    firstFrameMs: Math.round(o.firstFrameMs), firstReadMs: Math.round(o.firstReadMs), joinedAtPicture, lastRpBeforeJoin: run.slots[lastRpBeforeJoin],
    ...figures, unreadableAtStart: unreadableAtStart(o), misreads: o.misreads, seeks: o.seeks,
  };
  console.log(`late joiner: ${JSON.stringify(report)}`);
  expect(o.firstFrameMs, 'navigation → first presented frame, ms').toBeLessThan(1500);
  // Pictures before that are partly refreshed (grey where not refreshed yet); a whole refresh
  // cycle is 1 s, so the counter must read within 1 s more.
  expect(o.firstReadMs, 'navigation → first frame whose counter reads, ms').toBeLessThan(2500);
});

test('a stream seen only from mid-way (no IDR ever reaches the server) goes live and plays', async ({ page }, testInfo) => {
  const run = await start(10);
  await sleep(300);
  const { o, errors } = await watch(page, `${run.server.url}watch/v`, testInfo);
  expect(run.tap.idrs).toEqual([0]);
  expect(run.tap.droppedBytes).toBeGreaterThan(0);
  const figures = checkPlayback(o, errors);
  // The server skipped pictures 10–29 and started at the recovery point of picture 30.
  const rpSlot = run.slots[30]!;
  const report = {
    firstFrameMs: Math.round(o.firstFrameMs), firstReadMs: Math.round(o.firstReadMs), rpSlot, ...figures, framesFromRpToFirstRead: figures.firstIndex - rpSlot,
    unreadableAtStart: unreadableAtStart(o), misreads: o.misreads, seeks: o.seeks,
    firstPresented: o.presented.slice(0, 5),
  };
  console.log(`mid-way source: ${JSON.stringify(report)}`);
  expect(figures.firstIndex, 'first frame read is at or after the recovery point').toBeGreaterThanOrEqual(rpSlot);
  // Pictures 10–29 came before any start point: the server skipped them, and the count reaches
  // the viewer (status message → player stats, shown in the stats overlay) and /api/streams.
  const api = (await (await fetch(`${run.server.url}api/streams`)).json()) as Array<{ name: string; skippedBeforeKey: number }>;
  const skippedByServer = api.find((row) => row.name === 'v')!.skippedBeforeKey;
  expect(skippedByServer, 'access units the server skipped before the first recovery point').toBeGreaterThanOrEqual(15);
  expect(o.skipped, 'player stats.skippedFrames').toBe(skippedByServer);
  // x264 refreshes the whole picture within one cycle (30 frames); 15 more for frames the
  // machine drops or reads badly.
  expect(figures.firstIndex - rpSlot, 'frames from the recovery point to the first readable one').toBeLessThanOrEqual(45);
});
