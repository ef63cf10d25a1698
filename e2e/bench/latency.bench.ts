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
import { readBitstreamRestriction } from '@framewire/shared';
import { canvasSourceScript } from '../support/barcode-reader.js';
import { lowLatencyX264 } from '../support/barcode-source.js';
import { captureInitSegments, initSegmentSps } from '../support/init-capture.js';
import { StripBitstreamRestriction } from '../support/sps-restriction-strip.js';
import { startBarcodeStream, type BarcodeStream } from '../support/harness.js';
import { measurePage as measurePageWith } from '../support/measure-page.js';
import { routeJmuxerPage } from '../support/jmuxer-page.js';
import { fmt, summarize, type WindowResult } from '../support/stats.js';

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

/** support/measure-page.ts with this bench's warm-up and window. */
const measurePage = (
  browser: Browser,
  open: (page: import('@playwright/test').Page) => Promise<void>,
  /** Runs after the window, before the page closes. */
  after?: (page: import('@playwright/test').Page) => Promise<void>,
) => measurePageWith(browser, open, { warmupMs: WARMUP_MS, measureMs: MEASURE_MS, ...(after ? { after } : {}) });

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

/**
 * Issue 3, "Decoder delay": a stream whose SPS has no VUI bitstream_restriction (x264's is
 * stripped on its way to the server), played with the avcC SPS rewrite (max_num_reorder_frames = 0,
 * player config signalNoReorder) off and on, on the same live source, alternating off/on and
 * on/off over BENCH_REORDER_ROUNDS rounds so drift in the machine's load falls on both.
 * Run alone with `npx playwright test -c bench.config.ts -g "no bitstream_restriction"`.
 */
const REORDER_PROFILES = (process.env.BENCH_REORDER_PROFILES ?? 'high,baseline').split(',');
const REORDER_ROUNDS = Number(process.env.BENCH_REORDER_ROUNDS ?? 2);
/** x264's -profile is a ceiling: ultrafast (no CABAC, no 8x8 transform) writes Baseline whatever it says, so High needs superfast. */
const REORDER_PROFILE_IDC: Record<string, number> = { baseline: 66, main: 77, high: 100 };
function reorderCodecArgs(profile: string): string[] {
  if (profile === 'baseline') return [...lowLatencyX264(30), '-profile:v', 'baseline'];
  return ['-c:v', 'libx264', '-preset', 'superfast', '-tune', 'zerolatency', '-bf', '0', '-g', '30', '-pix_fmt', 'yuv420p', '-profile:v', profile];
}

interface ReorderRow {
  stream: string;
  signal: boolean;
  round: number;
  r: WindowResult;
  /** max_num_reorder_frames of the SPS Chromium was configured with (avcC of the last init), or null if absent. */
  avccReorder: number | null;
}
const reorderRows: ReorderRow[] = [];
const reorderNotes: string[] = [];

if (PLAYERS.includes('framewire')) {
  for (const profile of REORDER_PROFILES) {
    const stream = `1280x720@29.97 ${profile}, no B-frames, no bitstream_restriction`;
    test.describe(stream, () => {
      let live: BarcodeStream;
      let strip: StripBitstreamRestriction;
      test.beforeAll(async () => {
        strip = new StripBitstreamRestriction();
        live = await startBarcodeStream({
          width: 1280,
          height: 720,
          codecArgs: reorderCodecArgs(profile),
          through: strip,
        });
      });
      test.afterAll(async () => {
        if (!live) return;
        reorderNotes.push(`- ${stream}: ${strip.rewritten} SPS stripped; source ${live.source.describe()}`);
        await live.stop();
      });

      for (let round = 1; round <= REORDER_ROUNDS; round++) {
        const order = round % 2 === 1 ? [false, true] : [true, false];
        for (const signal of order) {
          test(`${stream}: signalNoReorder=${signal} (round ${round})`, async ({ browser }) => {
            let sps: Uint8Array[] = [];
            const { r } = await measurePage(
              browser,
              async (page) => {
                await captureInitSegments(page);
                await page.goto(`${live.watchUrl}?fw.signalNoReorder=${signal}`);
              },
              async (page) => {
                sps = await initSegmentSps(page);
              },
            );
            expect(strip.rewritten).toBeGreaterThan(0);
            expect(sps.length).toBeGreaterThan(0);
            const avcc = sps[sps.length - 1]!;
            expect(avcc[1]).toBe(REORDER_PROFILE_IDC[profile]);
            const avccReorder = readBitstreamRestriction(avcc)?.maxNumReorderFrames ?? null;
            // The comparison is only meaningful if the page really got (or did not get) the rewrite.
            expect(avccReorder).toBe(signal ? 0 : null);
            reorderRows.push({ stream, signal, round, r, avccReorder });
          });
        }
      }
    });
  }
}

function reorderSection(): string {
  if (reorderRows.length === 0) return '';
  const lines: string[] = [];
  for (const stream of [...new Set(reorderRows.map((x) => x.stream))]) {
    const pooled = (signal: boolean) => {
      const rs = reorderRows.filter((x) => x.stream === stream && x.signal === signal);
      return {
        s: summarize(rs.flatMap((x) => x.r.samples.map((sample) => sample[2]))),
        dropped: rs.reduce((a, x) => a + x.r.droppedFrames, 0),
        rounds: rs.length,
      };
    };
    const off = pooled(false);
    const on = pooled(true);
    for (const row of reorderRows.filter((x) => x.stream === stream)) {
      const r = row.r;
      lines.push(
        `| ${stream} | ${row.signal ? 'on' : 'off'} (round ${row.round}) | ${row.avccReorder ?? 'absent'} | ${r.latency.n} | ${fmt(r.latency.p50)} | ${fmt(r.latency.p95)} | ${fmt(r.latency.p99)} | ${r.droppedFrames} | |`,
      );
    }
    for (const [name, x] of [['off, pooled', off], ['on, pooled', on]] as const) {
      lines.push(`| ${stream} | **${name}** | | ${x.s.n} | **${fmt(x.s.p50)}** | **${fmt(x.s.p95)}** | **${fmt(x.s.p99)}** | ${x.dropped} | ${name.startsWith('on') ? `${fmt(on.s.p50 / off.s.p50, 3)} / ${fmt(on.s.p95 / off.s.p95, 3)} / ${fmt(on.s.p99 / off.s.p99, 3)}` : ''} |`);
    }
  }
  return (
    `\n## SPS without bitstream_restriction: avcC rewrite (signalNoReorder) off vs on\n\n` +
    `| stream | signalNoReorder | avcC max_num_reorder_frames | frames read | p50 ms | p95 ms | p99 ms | dropped | on ÷ off (p50 / p95 / p99) |\n` +
    `|---|---|---|---|---|---|---|---|---|\n${lines.join('\n')}\n\n${reorderNotes.join('\n')}\n`
  );
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
    `${head}\n${lines.join('\n')}\n\n${notes.join('\n')}\n` +
    reorderSection();
  console.log(`\n${md}`);
  writeFileSync(fileURLToPath(new URL('./results.md', import.meta.url)), md);
});
