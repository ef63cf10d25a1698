import { defineConfig } from '@playwright/test';
import { launchOptions } from './support/chromium.js';

/**
 * End-to-end tests: real server, real ffmpeg, Debian Chromium. One worker and no retries: the
 * machine has 2 cores and a retry would hide a flake; margins are generous instead.
 */
export default defineConfig({
  testDir: 'tests',
  workers: 1,
  retries: 0,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions,
    viewport: { width: 1280, height: 800 },
    actionTimeout: 15_000,
    navigationTimeout: 20_000,
    trace: 'off',
    video: 'off',
    screenshot: 'only-on-failure',
  },
});
