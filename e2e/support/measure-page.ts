/**
 * One player measured with the barcode reader in a fresh browser context: open, wait for the first
 * read frame, warm up, measure a window (stats.ts measureWindow). Shared by the benchmarks.
 */
import { expect, type Browser, type Page } from '@playwright/test';
import { installReader } from './barcode-reader.js';
import { playerStats } from './harness.js';
import { measureWindow, type WindowResult } from './stats.js';

export interface MeasurePageOptions {
  warmupMs: number;
  measureMs: number;
  /** Runs after the window, before the page closes. */
  after?: (page: Page) => Promise<void>;
}

export async function measurePage(
  browser: Browser,
  open: (page: Page) => Promise<void>,
  options: MeasurePageOptions,
): Promise<{ r: WindowResult; stats: Record<string, unknown> | null }> {
  // The jmuxer page is fulfilled by page.route, so Chromium's Local Network Access check sees a
  // non-local document opening ws://127.0.0.1 and blocks it unless the permission is granted.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['local-network-access'] });
  const page = await context.newPage();
  try {
    await installReader(page);
    await open(page);
    await expect.poll(() => page.evaluate(() => window.__barcode.samples.length), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.waitForTimeout(options.warmupMs);
    const r = await measureWindow(page, options.measureMs);
    const stats = await playerStats(page);
    await options.after?.(page);
    return { r, stats };
  } finally {
    await context.close();
  }
}
