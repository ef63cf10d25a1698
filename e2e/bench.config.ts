import { defineConfig } from '@playwright/test';
import { launchOptions } from './support/chromium.js';

/** Latency benchmark (npm run bench -w e2e): Framewire vs jmuxer on the same live barcode source. */
export default defineConfig({
  testDir: 'bench',
  testMatch: '**/*.bench.ts',
  // The 30-minute browser soak runs on its own: npm run bench:soak (FRAMEWIRE_BENCH_SOAK=1).
  testIgnore: process.env.FRAMEWIRE_BENCH_SOAK ? [] : ['**/soak.bench.ts'],
  workers: 1,
  retries: 0,
  timeout: 15 * 60_000,
  reporter: [['list']],
  outputDir: 'test-results/bench',
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions,
    viewport: { width: 1280, height: 800 },
    navigationTimeout: 20_000,
    trace: 'off',
    video: 'off',
  },
});
