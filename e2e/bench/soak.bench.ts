/**
 * Issue 6 "Memory and drift": a long soak (default 30 minutes; FRAMEWIRE_SOAK_MINUTES=N) of the
 * 1280x720@29.97 barcode stream on /watch/cam, stats overlay shown. Not in CI (tests/soak-short.spec.ts
 * is the 2-minute version). Run: `npm run bench:soak -w e2e`, or in e2e/
 * `FRAMEWIRE_BENCH_SOAK=1 FRAMEWIRE_SOAK_MINUTES=5 npx playwright test -c bench.config.ts bench/soak.bench.ts`
 * (bench.config.ts leaves this file out of `npm run bench` unless FRAMEWIRE_BENCH_SOAK is set).
 *
 * Prints one row a minute (barcode latency p50/p95 of that minute's frames, JS heap after GC, DOM
 * nodes, listeners, renderer/GPU RSS, buffered seconds, server RSS) and asserts the bounds:
 * latency of the last minute within one frame interval of minute 1, and flat memory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { expect, test } from '@playwright/test';
import { openReading } from '../support/barcode-reader.js';
import { captureErrors, startBarcodeStream } from '../support/harness.js';
import { runSoak, soakTable } from '../support/soak.js';

const MINUTES = Number(process.env['FRAMEWIRE_SOAK_MINUTES'] ?? 30);

test(`soak ${MINUTES} min: latency at the last minute within one frame of minute 1, flat memory`, async ({ page, browser }, testInfo) => {
  test.setTimeout((MINUTES + 3) * 60_000);
  const stream = await startBarcodeStream({ width: 1280, height: 720 });
  try {
    const { errors } = captureErrors(page);
    await openReading(page, stream.watchUrl);
    await page.waitForTimeout(5000);
    const started = new Date().toISOString();
    const r = await runSoak(browser, page, stream, MINUTES, (row) =>
      console.log(`minute ${row.minute}: frames ${row.frames}, p50 ${row.p50.toFixed(1)} ms, p95 ${row.p95.toFixed(1)} ms, heap ${row.heapMB.toFixed(2)} MB, ` +
        `renderer ${row.rendererRssMB.toFixed(0)} MB, buffered ${row.bufferedSec.toFixed(1)} s, server ${row.serverRssMB.toFixed(0)} MB, dropped ${row.dropped}, stalls ${row.stalls}`));
    const summary = `latency p50 minute 1 → ${MINUTES}: ${r.minutes[0]!.p50.toFixed(1)} → ${r.minutes.at(-1)!.p50.toFixed(1)} ms ` +
      `(drift ${r.latencyDriftMs.toFixed(1)} ms; one frame = ${r.frameIntervalMs.toFixed(1)} ms); JS heap growth ${r.heapGrowthMB.toFixed(2)} MB; ` +
      `renderer RSS growth ${r.rendererGrowthMB.toFixed(0)} MB; server RSS ${r.minutes[0]!.serverRssMB.toFixed(0)} → ${r.minutes.at(-1)!.serverRssMB.toFixed(0)} MB; max buffered ${r.maxBufferedSec.toFixed(1)} s`;
    const report = `# Soak ${MINUTES} min, started ${started}\n\n${soakTable(r.minutes)}\n\n${summary}\n\nsource: ${stream.source.describe()}\n`;
    console.log(`\n${report}`);
    // Another Playwright run may have emptied test-results/ during a long soak: recreate the folder.
    const file = testInfo.outputPath('soak.md');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, report);

    expect(Math.abs(r.latencyDriftMs), 'latency drift minute 1 → last, ms').toBeLessThanOrEqual(r.frameIntervalMs);
    expect(r.heapGrowthMB, 'JS heap growth, MB').toBeLessThan(5);
    expect(r.rendererGrowthMB, 'renderer RSS growth, MB').toBeLessThan(100);
    expect(r.maxBufferedSec, 'SourceBuffer content, s').toBeLessThanOrEqual(12);
    expect(errors).toEqual([]);
  } finally {
    await stream.stop();
  }
});
