/**
 * Issue 6 "Memory and drift", the CI version of bench/soak.bench.ts: 2 minutes (or
 * FRAMEWIRE_SOAK_SHORT_MINUTES) of the 1280x720@29.97 barcode stream on /watch/cam with the stats
 * overlay shown, per-minute barcode latency and memory (support/soak.ts). Looser bounds than the
 * 30-minute bench: median latency of the last minute within 3 frame intervals of the first, JS
 * heap growth under 20 MB, the SourceBuffer holding at most the 10 s back buffer (+ 2 s).
 */
import { expect, test } from '@playwright/test';
import { openReading } from '../support/barcode-reader.js';
import { captureErrors, startBarcodeStream } from '../support/harness.js';
import { runSoak, soakTable } from '../support/soak.js';

const MINUTES = Number(process.env['FRAMEWIRE_SOAK_SHORT_MINUTES'] ?? 2);

test(`soak (${MINUTES} min): latency does not drift, memory stays flat`, async ({ page, browser }) => {
  test.setTimeout((MINUTES + 1.5) * 60_000);
  const stream = await startBarcodeStream({ width: 1280, height: 720 });
  try {
    const { errors } = captureErrors(page);
    await openReading(page, stream.watchUrl);
    await page.waitForTimeout(5000); // warm-up: the latency controller settles
    const r = await runSoak(browser, page, stream, MINUTES, (row) => console.log(`minute ${row.minute}: p50 ${row.p50.toFixed(1)} ms, heap ${row.heapMB.toFixed(2)} MB, buffered ${row.bufferedSec.toFixed(1)} s`));
    const summary = `latency p50 minute 1 → ${MINUTES}: ${r.minutes[0]!.p50.toFixed(1)} → ${r.minutes.at(-1)!.p50.toFixed(1)} ms (drift ${r.latencyDriftMs.toFixed(1)} ms, frame interval ${r.frameIntervalMs.toFixed(1)} ms); ` +
      `JS heap growth ${r.heapGrowthMB.toFixed(2)} MB; renderer RSS growth ${r.rendererGrowthMB.toFixed(0)} MB; max buffered ${r.maxBufferedSec.toFixed(1)} s`;
    console.log(`\n${soakTable(r.minutes)}\n${summary}\nsource: ${stream.source.describe()}\n`);

    for (const m of r.minutes) expect(m.frames, `frames read in minute ${m.minute}`).toBeGreaterThan(0.8 * 60 * stream.source.fps);
    expect(Math.abs(r.latencyDriftMs), 'latency drift, ms').toBeLessThanOrEqual(3 * r.frameIntervalMs);
    expect(r.heapGrowthMB, 'JS heap growth, MB').toBeLessThan(20);
    expect(r.maxBufferedSec, 'SourceBuffer content, s').toBeLessThanOrEqual(12);
    expect(r.minutes.at(-1)!.reconnects).toBe(0);
    expect(errors).toEqual([]);
  } finally {
    await stream.stop();
  }
});
