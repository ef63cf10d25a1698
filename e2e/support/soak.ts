/**
 * Soak run (issue 6 "Memory and drift"): one page plays the live barcode stream for N minutes;
 * every minute we record the barcode latency of that minute's presented frames (p50, p95) and the
 * memory of the page, the browser and the server, so drift and growth show as a trend rather than
 * as one 30-second average (LOW-LATENCY.md "Traps": latency that creeps up over hours).
 *
 * Memory, per minute, after a forced garbage collection (CDP HeapProfiler.collectGarbage):
 * - page JS heap used, DOM nodes and JS event listeners (CDP Performance.getMetrics: main thread;
 *   the remux worker is a separate heap, covered by the renderer figure);
 * - RSS of Chromium's renderer and GPU processes (CDP SystemInfo.getProcessInfo + /proc): media
 *   buffers and decoder memory live there, not in the JS heap;
 * - buffered media: seconds held in the SourceBuffer (the back buffer is trimmed to 10 s);
 * - RSS of the server process.
 * The page's barcode samples are drained every few seconds, so the measurement itself does not
 * grow the heap it measures.
 */
import { readFileSync } from 'node:fs';
import type { Browser, CDPSession, Page } from '@playwright/test';
import type { RawSample } from './barcode-reader.js';
import type { BarcodeStream } from './harness.js';
import { percentile } from './stats.js';
import type { FwWindow } from './page-globals.js';

export interface SoakMinute {
  minute: number;
  frames: number;
  p50: number;
  p95: number;
  heapMB: number;
  domNodes: number;
  listeners: number;
  rendererRssMB: number;
  gpuRssMB: number;
  bufferedSec: number;
  bufferedRanges: number;
  serverRssMB: number;
  dropped: number;
  stalls: number;
  seeks: number;
  reconnects: number;
}

export interface SoakResult {
  minutes: SoakMinute[];
  frameIntervalMs: number;
  /** Last minute's p50 − first minute's p50, ms. */
  latencyDriftMs: number;
  /** Last minute's heap − first minute's heap, MB. */
  heapGrowthMB: number;
  rendererGrowthMB: number;
  maxBufferedSec: number;
}

const DRAIN_MS = 5000;

function rssMB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0; // the process went away between listing and reading
  }
}

async function processRss(browserCdp: CDPSession): Promise<{ renderer: number; gpu: number }> {
  const { processInfo } = (await browserCdp.send('SystemInfo.getProcessInfo')) as { processInfo: Array<{ type: string; id: number }> };
  let renderer = 0;
  let gpu = 0;
  for (const p of processInfo) {
    if (p.type === 'renderer') renderer += rssMB(p.id);
    else if (p.type === 'GPU') gpu += rssMB(p.id);
  }
  return { renderer, gpu };
}

export function soakTable(rows: SoakMinute[]): string {
  const head = '| minute | frames | p50 ms | p95 ms | JS heap MB | DOM nodes | listeners | renderer RSS MB | GPU RSS MB | buffered s | server RSS MB | dropped | stalls | seeks |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|';
  return [head, ...rows.map((r) => `| ${r.minute} | ${r.frames} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.heapMB.toFixed(2)} | ${r.domNodes} | ${r.listeners} | ${r.rendererRssMB.toFixed(0)} | ${r.gpuRssMB.toFixed(0)} | ${r.bufferedSec.toFixed(1)} (${r.bufferedRanges}) | ${r.serverRssMB.toFixed(0)} | ${r.dropped} | ${r.stalls} | ${r.seeks} |`)].join('\n');
}

/**
 * Plays `stream` on `page` (already showing the barcode-reading watch page, first frame seen) for
 * `minutes`; `onMinute` is called with each row as it is measured.
 */
export async function runSoak(browser: Browser, page: Page, stream: BarcodeStream, minutes: number,
                              onMinute: (row: SoakMinute) => void = () => {}): Promise<SoakResult> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const browserCdp = await browser.newBrowserCDPSession();
  const drain = (): Promise<RawSample[]> => page.evaluate(() => window.__barcode.samples.splice(0));
  await drain(); // warm-up frames are not part of minute 1
  const start = Date.now();
  const rows: SoakMinute[] = [];
  for (let minute = 1; minute <= minutes; minute++) {
    const end = start + minute * 60_000;
    const samples: RawSample[] = [];
    while (Date.now() < end) {
      await page.waitForTimeout(Math.min(DRAIN_MS, Math.max(0, end - Date.now())));
      samples.push(...(await drain()));
    }
    await cdp.send('HeapProfiler.collectGarbage');
    const metrics = (await cdp.send('Performance.getMetrics')).metrics;
    const metric = (name: string): number => metrics.find((m) => m.name === name)?.value ?? Number.NaN;
    const media = await page.evaluate(() => {
      const v = document.querySelector('video')!;
      let sec = 0;
      for (let i = 0; i < v.buffered.length; i++) sec += v.buffered.end(i) - v.buffered.start(i);
      const s = (window as unknown as FwWindow).framewire!.stats;
      return { sec, ranges: v.buffered.length, dropped: s.droppedFrames, stalls: s.stalls, seeks: s.seeks, reconnects: s.reconnects };
    });
    const rss = await processRss(browserCdp);
    const latencies = samples.map((s) => s[2]).sort((a, b) => a - b);
    const row: SoakMinute = {
      minute,
      frames: samples.length,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      heapMB: metric('JSHeapUsedSize') / 2 ** 20,
      domNodes: metric('Nodes'),
      listeners: metric('JSEventListeners'),
      rendererRssMB: rss.renderer,
      gpuRssMB: rss.gpu,
      bufferedSec: media.sec,
      bufferedRanges: media.ranges,
      serverRssMB: stream.server.rssBytes() / 2 ** 20,
      dropped: media.dropped,
      stalls: media.stalls,
      seeks: media.seeks,
      reconnects: media.reconnects,
    };
    rows.push(row);
    onMinute(row);
  }
  await browserCdp.detach();
  await cdp.detach();
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  return {
    minutes: rows,
    frameIntervalMs: 1000 / stream.source.fps,
    latencyDriftMs: last.p50 - first.p50,
    heapGrowthMB: last.heapMB - first.heapMB,
    rendererGrowthMB: last.rendererRssMB - first.rendererRssMB,
    maxBufferedSec: Math.max(...rows.map((r) => r.bufferedSec)),
  };
}
