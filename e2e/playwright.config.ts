import { readdirSync } from 'node:fs';
import { defineConfig } from '@playwright/test';
import { launchOptions } from './support/chromium.js';

/**
 * One project per spec file, so that each file gets a fresh worker and with it a fresh Chromium
 * (Playwright reuses a worker, and its browser, only within a project). Measured: after the 30
 * specs before it in one browser, latency.spec read p50/p95 52.8/97.2 ms; in a fresh browser
 * 44.3–45.1/63.4–66.5 ms, on the same machine minutes later. Costs ~1 s of browser start per file.
 */
const SPEC_FILES = readdirSync(new URL('./tests/', import.meta.url)).filter((f) => f.endsWith('.spec.ts')).sort();

/**
 * End-to-end tests: real server, real ffmpeg, Debian Chromium. One worker and no retries: the
 * machine has 2 cores and a retry would hide a flake; margins are generous instead.
 */
export default defineConfig({
  testDir: 'tests',
  projects: SPEC_FILES.map((file) => ({ name: file.replace(/\.spec\.ts$/, ''), testMatch: file })),
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
