/**
 * Capture→display latency, Framewire vs jmuxer, same live barcode source, same run.
 * For each resolution: one ffmpeg barcode source → framewire serve; then the /watch page and a
 * jmuxer page (fed the same access units from WS /live/cam) one after the other, each measured
 * for 20 s after a 3 s warm-up. Reference row: the page draws the barcode itself (no codec).
 * Prints a Markdown table and writes it to e2e/bench/results.md.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Browser } from '@playwright/test';
import { canvasSourceScript, installReader } from '../support/barcode-reader.js';
import { playerStats, startBarcodeStream, type BarcodeStream } from '../support/harness.js';
import { routeJmuxerPage } from '../support/jmuxer-page.js';
import { fmt, measureWindow, type WindowResult } from '../support/stats.js';

const WARMUP_MS = 3000;
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 20_000);
const FPS = 30000 / 1001;
const RESOLUTIONS = [
  [1280, 720],
  [1920, 1080],
] as const;

interface Row {
  resolution: string;
  player: string;
  r: WindowResult | null;
  note: string;
}

const rows: Row[] = [];

async function measurePage(
  browser: Browser,
  open: (page: import('@playwright/test').Page) => Promise<void>,
): Promise<{ r: WindowResult; stats: Record<string, unknown> | null }> {
  // The jmuxer page is fulfilled by page.route, so Chromium's Local Network Access check sees a
  // non-local document opening ws://127.0.0.1 and blocks it unless the permission is granted.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['local-network-access'] });
  const page = await context.newPage();
  try {
    await installReader(page);
    await open(page);
    await expect.poll(() => page.evaluate(() => window.__barcode.samples.length), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.waitForTimeout(WARMUP_MS);
    const r = await measureWindow(page, MEASURE_MS);
    const stats = await playerStats(page);
    return { r, stats };
  } finally {
    await context.close();
  }
}

const PLAYERS = (process.env.BENCH_PLAYERS ?? 'framewire,jmuxer,reference').split(',');

for (const [width, height] of RESOLUTIONS) {
  const resolution = `${width}x${height}@29.97`;

  test.describe(resolution, () => {
    // One live source per resolution, shared by the players measured one after the other.
    let stream: BarcodeStream;
    test.beforeAll(async () => {
      if (PLAYERS.includes('framewire') || PLAYERS.includes('jmuxer')) stream = await startBarcodeStream({ width, height });
    });
    test.afterAll(async () => {
      if (stream) {
        rows.push({ resolution, player: '_source_', r: null, note: `${stream.source.describe()}` });
        await stream.stop();
      }
    });

    // Players left out of BENCH_PLAYERS are not declared, rather than declared and skipped.
    if (PLAYERS.includes('framewire')) test(`Framewire /watch ${resolution}`, async ({ browser }) => {
      const { r, stats } = await measurePage(browser, async (page) => {
        await page.goto(stream.watchUrl);
      });
      rows.push({ resolution, player: 'Framewire (/watch)', r, note: `player stats: ${JSON.stringify(stats)}` });
    });

    if (PLAYERS.includes('jmuxer')) test(`jmuxer ${resolution}`, async ({ browser }) => {
      const { r } = await measurePage(browser, async (page) => {
        const url = await routeJmuxerPage(page, stream.server.url, 'cam', 29.97);
        await page.goto(url);
      });
      rows.push({ resolution, player: 'jmuxer 2.1.1 (flushingTime 0, isLastVideoFrameComplete)', r, note: '' });
    });
  });
}

// The reference rows run last, with no encoder running, so they show the method's floor.
for (const [width, height] of RESOLUTIONS) {
  const resolution = `${width}x${height}@29.97`;
  if (PLAYERS.includes('reference')) test(`reference ${resolution}: page draws the barcode itself (no codec)`, async ({ browser }) => {
    const { r } = await measurePage(browser, async (page) => {
      await page.addInitScript({ content: canvasSourceScript(width, height, FPS) });
      await page.route('http://reference.test/', (route) =>
        route.fulfill({ contentType: 'text/html', body: '<!doctype html><html><body style="margin:0"></body></html>' }),
      );
      await page.goto('http://reference.test/');
    });
    rows.push({ resolution, player: 'reference: page-drawn barcode, no codec', r, note: 'floor of the method' });
  });
}

test.afterAll(async () => {
  const head =
    '| resolution | player | frames read | p50 ms | p95 ms | p99 ms | max ms | first frame ms | dropped | presented fps | misreads | jmuxer p50 / Framewire p50 |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|---|';
  const lines: string[] = [];
  const notes: string[] = [];
  for (const row of rows) {
    if (row.player === '_source_' || !row.r) {
      notes.push(`- ${row.resolution} source: ${row.note}`);
      continue;
    }
    const fw = rows.find((x) => x.resolution === row.resolution && x.player.startsWith('Framewire'));
    const ratio = row.player.startsWith('jmuxer') && fw?.r ? fmt(row.r.latency.p50 / fw.r.latency.p50, 2) : row.player.startsWith('Framewire') ? '1.00' : '';
    const { r } = row;
    lines.push(
      `| ${row.resolution} | ${row.player} | ${r.latency.n} | ${fmt(r.latency.p50)} | ${fmt(r.latency.p95)} | ${fmt(r.latency.p99)} | ${fmt(r.latency.max)} | ${fmt(r.firstFrameMs, 0)} | ${r.droppedFrames} | ${fmt(r.presentedFps, 2)} | ${r.misreads} |  ${ratio} |`,
    );
    if (row.note) notes.push(`- ${row.resolution} ${row.player}: ${row.note}`);
  }
  const md =
    `# Capture→display latency (${new Date().toISOString()})\n\n` +
    `Barcode stamped at frame generation (Node Date.now()), x264 ultrafast zerolatency, GOP 30, no B-frames, loopback; ` +
    `read back from each presented frame with requestVideoFrameCallback (presented = timeOrigin + expectedDisplayTime). ` +
    `${MEASURE_MS / 1000} s per player after ${WARMUP_MS / 1000} s warm-up; first frame = navigation start → first presented frame; ` +
    `dropped = getVideoPlaybackQuality().droppedVideoFrames during the window.\n\n` +
    `${head}\n${lines.join('\n')}\n\n${notes.join('\n')}\n`;
  console.log(`\n${md}`);
  writeFileSync(fileURLToPath(new URL('./results.md', import.meta.url)), md);
});
