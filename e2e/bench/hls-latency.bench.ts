/**
 * Issue 5 targets: LL-HLS through hls.js against the WebSocket path, same live barcode source,
 * same run. 1280x720 at 29.97 fps (a non-integer rate, LOW-LATENCY.md: at exactly 30 fps source
 * and display keep one phase for a whole run), x264 ultrafast zerolatency, GOP 30 → framewire serve
 * (parts of 0.2 s, PART-HOLD-BACK 0.6 s). Rounds alternate the order of the two players so drift
 * in the machine's load falls on both. Extra rows: the automatic fallback (WebSocket blocked by
 * the test → hls.js) and Chromium's own HLS player (MSE removed).
 * Targets: hls.js p50 ≤ 1.5 s, first frame ≤ 2 s. Writes e2e/bench/hls-results.md.
 *
 *   npx playwright test -c bench.config.ts bench/hls-latency.bench.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { startBarcodeStream, type BarcodeStream } from '../support/harness.js';
import { measurePage } from '../support/measure-page.js';
import { recordedEvents, recordPlayerEvents } from '../support/player-events.js';
import { fmt, summarize, type WindowResult } from '../support/stats.js';

const WARMUP_MS = 3000;
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_HLS_ROUNDS ?? 2);

type Player = 'WebSocket (/watch)' | 'hls.js LL-HLS (?fallback=hls)' | 'fallback: WebSocket blocked → hls.js' | 'Chromium native HLS (no MSE)';

interface Row {
  player: Player;
  round: number;
  r: WindowResult;
  stats: Record<string, unknown> | null;
  /** ms since navigation start at which the player switched to hls.js (fallback row). */
  switchedAtMs?: number;
}

const rows: Row[] = [];
let stream: BarcodeStream;

test.beforeAll(async () => {
  stream = await startBarcodeStream({ width: 1280, height: 720 });
});

test.afterAll(async () => {
  const source = stream?.source.describe();
  await stream?.stop();
  writeReport(source ?? '');
});

async function run(browser: Browser, player: Player, round: number, open: (page: Page) => Promise<void>): Promise<Row> {
  let switchedAtMs: number | undefined;
  const { r, stats } = await measurePage(browser, open, {
    warmupMs: WARMUP_MS,
    measureMs: MEASURE_MS,
    after: async (page) => {
      if (player.startsWith('fallback')) switchedAtMs = (await recordedEvents(page, 'modeChange')).find((m) => m.data.mode === 'hls.js')?.t;
    },
  });
  const row: Row = { player, round, r, stats, ...(switchedAtMs !== undefined ? { switchedAtMs } : {}) };
  rows.push(row);
  return row;
}

const openWs = async (page: Page): Promise<void> => {
  await page.goto(stream.watchUrl);
};
const openHls = async (page: Page): Promise<void> => {
  await page.goto(`${stream.watchUrl}?fallback=hls`);
};

for (let round = 1; round <= ROUNDS; round++) {
  const order = round % 2 === 1 ? (['ws', 'hls'] as const) : (['hls', 'ws'] as const);
  for (const which of order) {
    if (which === 'ws') {
      test(`WebSocket /watch (round ${round})`, async ({ browser }) => {
        const row = await run(browser, 'WebSocket (/watch)', round, openWs);
        expect(row.stats?.mode).toBe('ws');
      });
    } else {
      test(`hls.js LL-HLS ?fallback=hls (round ${round})`, async ({ browser }) => {
        const row = await run(browser, 'hls.js LL-HLS (?fallback=hls)', round, openHls);
        expect(row.stats?.mode).toBe('hls.js');
        expect(row.r.latency.p50, 'LL-HLS p50 ms (target ≤ 1500)').toBeLessThanOrEqual(1500);
        expect(row.r.firstFrameMs ?? Infinity, 'LL-HLS first frame ms (target ≤ 2000)').toBeLessThanOrEqual(2000);
      });
    }
  }
}

test('fallback: WebSocket blocked → hls.js by itself', async ({ browser }) => {
  const row = await run(browser, 'fallback: WebSocket blocked → hls.js', 1, async (page) => {
    await page.routeWebSocket(/\/live\//, (ws) => void ws.close({ code: 1011, reason: 'blocked by the bench' }));
    await recordPlayerEvents(page, ['modeChange']);
    await page.goto(stream.watchUrl);
  });
  expect(row.stats?.mode).toBe('hls.js');
  expect(row.switchedAtMs ?? Infinity).toBeLessThan(3000);
});

test('Chromium native HLS (MSE removed)', async ({ browser }) => {
  const row = await run(browser, 'Chromium native HLS (no MSE)', 1, async (page) => {
    await page.addInitScript(() => {
      delete (window as { MediaSource?: unknown }).MediaSource;
      delete (window as { ManagedMediaSource?: unknown }).ManagedMediaSource;
    });
    await page.goto(stream.watchUrl);
  });
  expect(row.stats?.mode).toBe('native-hls');
});

function writeReport(source: string): void {
  const head =
    '| player | round | frames read | p50 ms | p95 ms | p99 ms | max ms | first frame ms | stalls | dropped | player\'s own p50 ms |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|';
  const line = (name: string, round: string, r: WindowResult, stats: Record<string, unknown> | null, extra = ''): string =>
    `| ${name}${extra} | ${round} | ${r.latency.n} | ${fmt(r.latency.p50)} | ${fmt(r.latency.p95)} | ${fmt(r.latency.p99)} | ${fmt(r.latency.max)} | ${fmt(r.firstFrameMs, 0)} | ${String(stats?.stalls ?? '–')} | ${r.droppedFrames} | ${fmt(stats?.latencyP50Ms as number | null)} |`;
  const lines = rows.map((x) => line(x.player, String(x.round), x.r, x.stats, x.switchedAtMs !== undefined ? ` (switched at ${x.switchedAtMs.toFixed(0)} ms)` : ''));
  const pooled = (player: Player) => summarize(rows.filter((x) => x.player === player).flatMap((x) => x.r.samples.map((s) => s[2])));
  const ws = pooled('WebSocket (/watch)');
  const hls = pooled('hls.js LL-HLS (?fallback=hls)');
  const firstFrames = (player: Player) => rows.filter((x) => x.player === player).map((x) => fmt(x.r.firstFrameMs, 0)).join(', ');
  const md =
    `# LL-HLS (hls.js) vs WebSocket: capture→display latency (${new Date().toISOString()})\n\n` +
    `Barcode stamped at frame generation, 1280x720@29.97, x264 ultrafast zerolatency, GOP 30, no B-frames, loopback, ` +
    `one live source for every row; ${MEASURE_MS / 1000} s per row after ${WARMUP_MS / 1000} s warm-up; first frame = navigation start → first presented frame.\n\n` +
    `${head}\n${lines.join('\n')}\n\n` +
    `Pooled over ${ROUNDS} round(s): WebSocket p50 ${fmt(ws.p50)} ms / p95 ${fmt(ws.p95)} ms (n ${ws.n}); ` +
    `hls.js p50 ${fmt(hls.p50)} ms / p95 ${fmt(hls.p95)} ms (n ${hls.n}); ` +
    `**hls.js ÷ WebSocket: p50 ${fmt(hls.p50 / ws.p50, 1)}×, p95 ${fmt(hls.p95 / ws.p95, 1)}×**. ` +
    `First frame: WebSocket ${firstFrames('WebSocket (/watch)')} ms; hls.js ${firstFrames('hls.js LL-HLS (?fallback=hls)')} ms.\n\n` +
    `- source: ${source}\n` +
    rows.map((x) => `- ${x.player} round ${x.round}: player stats ${JSON.stringify(x.stats)}`).join('\n') +
    '\n';
  console.log(`\n${md}`);
  writeFileSync(fileURLToPath(new URL('./hls-results.md', import.meta.url)), md);
}
