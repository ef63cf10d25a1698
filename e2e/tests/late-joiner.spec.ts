/**
 * A viewer that joins mid-GOP starts at once (server sends the cached GOP from the last IDR) and
 * lands at the live edge rather than a GOP behind.
 */
import { expect, test } from '@playwright/test';
import { installReader, openReading } from '../support/barcode-reader.js';
import { sleep, startBarcodeStream, tracePlayer } from '../support/harness.js';
import { playerDecisions } from '../support/player-events.js';
import { latencyTimeline, measureWindow, resultTable } from '../support/stats.js';
import { WsViewer } from '../support/ws-viewer.js';

test('late joiner: first frame within 1 s, then at the live edge', async ({ browser }, testInfo) => {
  const stream = await startBarcodeStream({ width: 1280, height: 720 });
  const first = await browser.newPage();
  try {
    await openReading(first, stream.watchUrl);
    await sleep(3000);

    // Join half a GOP after a live IDR (GOP 30 at 29.97 ≈ 1 s): the worst case for a player that
    // would wait for the next keyframe.
    let keyAt = 0;
    let seen = 0;
    const probe = new WsViewer(`${stream.server.wsUrl}live/cam`, (h) => {
      if (!h.key) return;
      seen++;
      if (seen === 2) keyAt = Date.now(); // the first one is the cached GOP's start
    });
    await expect.poll(() => keyAt, { timeout: 5000 }).toBeGreaterThan(0);
    probe.close();
    await sleep(Math.max(0, keyAt + 500 - Date.now()));

    const late = await browser.newPage();
    await installReader(late);
    const decisions = playerDecisions(late);
    const trace = tracePlayer(late);
    await late.goto(`${stream.watchUrl}?fw.debug=true`); // the player logs its seeks
    await expect.poll(() => late.evaluate(() => window.__barcode.firstFrameMs), { timeout: 10_000 }).not.toBeNull();
    const firstFrameMs = (await late.evaluate(() => window.__barcode.firstFrameMs)) as number;
    await sleep(2000); // settle
    const r = await measureWindow(late, 5000);
    const table = resultTable([{ name: 'late joiner (mid-GOP) 1280x720@29.97', r, expectedFps: stream.source.fps }]);
    console.log(`\n${table}\nper second: ${latencyTimeline(r.samples)}\n(first frame ${firstFrameMs.toFixed(0)} ms after navigation start)\n` +
      `player: ${decisions.join(' | ')}\nbuffer ms / playbackRate every 500 ms: ${trace.stop().join(' ')}\n`);
    await testInfo.attach('late-joiner.md', { body: table, contentType: 'text/markdown' });

    expect(firstFrameMs, 'navigation → first presented frame, ms').toBeLessThan(1000);
    expect(r.misreadRate).toBeLessThan(0.05);
    expect(r.latency.n).toBeGreaterThan(100);
    expect(r.latency.p95, 'late joiner p95 latency ms').toBeLessThan(150);
    await late.close();
  } finally {
    await first.close();
    await stream.stop();
  }
});

