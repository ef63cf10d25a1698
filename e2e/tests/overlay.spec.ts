/**
 * Issue 6 "Overlay": the stats overlay of /watch/NAME shows capture → present latency with a live
 * sparkline, buffer, fps, bitrate, dropped frames, playback mode and reconnects, and toggles with
 * its button and the `s` key.
 */
import { expect, test } from '@playwright/test';
import { captureErrors } from '../support/harness.js';
import { startServer } from '../support/server.js';

test('stats overlay: every field, a drawn sparkline, toggled by the button and the s key', async ({ page }) => {
  const server = await startServer({ streams: ['demo=demo'] });
  try {
    const { errors } = captureErrors(page);
    await page.goto(`${server.url}watch/demo`);
    const overlay = page.getByTestId('stats-overlay');
    const panel = page.getByTestId('stats-panel');
    await expect(panel).toBeVisible();
    // Values, not just labels: a latency in ms, frames per second, a bitrate.
    await expect(panel).toContainText(/latency\s+\d+ ms\s+\(p50 \d+ ms, p95 \d+ ms\)/, { timeout: 15_000 });
    await expect(panel).toContainText(/fps\s+(2[5-9]|3[0-2])\b/);
    await expect(panel).toContainText(/bitrate\s+\d+(\.\d+)? (k|M)bit\/s/);
    await expect(panel).toContainText(/buffer\s+\d+ ms\s+rate \d\.\d\d/);
    await expect(panel).toContainText(/dropped\s+\d+\s+skipped \d+\s+stalls \d+/);
    await expect(panel).toContainText(/mode\s+ws\s+WebSocket \+ MSE/);
    await expect(panel).toContainText(/reconnects\s+0/);
    await expect(panel).toContainText(/video\s+1280x720 avc1\./);

    // The sparkline: about 4 points a second, drawn onto the canvas.
    const sparkline = page.getByTestId('stats-sparkline');
    await expect.poll(async () => Number(await sparkline.getAttribute('data-points')), { timeout: 10_000 }).toBeGreaterThan(12);
    const drawn = await sparkline.evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let line = 0; // pixels of the line colour (#b9f6ca: green well above red and blue)
      for (let i = 0; i < d.length; i += 4) if (d[i + 1]! > 150 && d[i + 1]! > d[i]! + 20) line++;
      return { line, max: c.dataset['max'], w: c.width, h: c.height };
    });
    console.log(`\noverlay:\n${await panel.textContent()}\nsparkline: ${JSON.stringify(drawn)}\n`);
    expect(drawn.line, 'line pixels on the sparkline canvas').toBeGreaterThan(20);
    expect(Number(drawn.max)).toBeGreaterThanOrEqual(100);

    // Toggle: the button, then the s key; the panel hides and comes back, the button stays.
    await page.getByTestId('stats-toggle').click();
    await expect(panel).toBeHidden();
    await expect(overlay).toBeVisible();
    await expect(page.getByTestId('stats-toggle')).toHaveAttribute('aria-pressed', 'false');
    await page.keyboard.press('s');
    await expect(panel).toBeVisible();
    await page.keyboard.press('s');
    await expect(panel).toBeHidden();
    await page.keyboard.press('Control+s').catch(() => {}); // the browser's "save page", not ours
    await expect(panel).toBeHidden();
    await page.keyboard.press('s');
    await expect(panel).toBeVisible();
    // Shown again, it has kept its history (filled while hidden).
    expect(Number(await sparkline.getAttribute('data-points'))).toBeGreaterThan(12);
    expect(errors).toEqual([]);
  } finally {
    await server.stop();
  }
});
