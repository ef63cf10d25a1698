/** Glue used by the specs and the bench: a barcode stream behind a real server, page error capture. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { BarcodeSource, type BarcodeSourceOptions } from './barcode-source.js';
import { startServer, type RunningServer } from './server.js';

export interface BarcodeStream {
  server: RunningServer;
  source: BarcodeSource;
  /** /watch/cam */
  watchUrl: string;
  stop(): Promise<void>;
}

/** ffmpeg barcode source → `framewire serve --stream cam=stdin` (+ any extra streams). */
export async function startBarcodeStream(
  options: BarcodeSourceOptions & {
    extraStreams?: string[];
    /** Server config keys (ServerConfig) written to a JSON file and passed with --config. */
    config?: Record<string, unknown>;
  } = {},
): Promise<BarcodeStream> {
  const source = new BarcodeSource(options);
  let server: RunningServer;
  const extraArgs: string[] = [];
  if (options.config) {
    const file = join(mkdtempSync(join(tmpdir(), 'framewire-e2e-')), 'config.json');
    writeFileSync(file, JSON.stringify(options.config));
    extraArgs.push('--config', file);
  }
  try {
    server = await startServer({ streams: ['cam=stdin', ...(options.extraStreams ?? [])], stdin: source.output, extraArgs });
  } catch (e) {
    source.kill();
    throw e;
  }
  source.start();
  return {
    server,
    source,
    watchUrl: `${server.url}watch/cam`,
    async stop() {
      source.kill();
      await source.exited;
      await server.stop();
    },
  };
}

/** Collects console errors and uncaught page errors. */
export function captureErrors(page: Page): { errors: string[] } {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const where = msg.location().url;
    // Chromium asks for /favicon.ico on its own; a 404 there is not the player's doing.
    if (/favicon\.ico/.test(where) || (/Failed to load resource/.test(text) && /favicon/.test(where))) return;
    errors.push(`console.error: ${text} (${where})`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return { errors };
}

/** The player's own stats, if the page exposes them (window.framewire.stats). */
export async function playerStats(page: Page): Promise<Record<string, unknown> | null> {
  return page.evaluate(() => {
    const fw = (window as unknown as { framewire?: { stats?: Record<string, unknown> } }).framewire;
    return fw?.stats ? { ...fw.stats } : null;
  });
}

/** Recursively collects numeric values whose key matches `key` (for /api/streams, whose shape may grow). */
export function findNumbers(value: unknown, key: RegExp, path = ''): Array<{ path: string; value: number }> {
  const out: Array<{ path: string; value: number }> = [];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...findNumbers(v, key, `${path}[${i}]`)));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = path ? `${path}.${k}` : k;
      if (typeof v === 'number' && key.test(k)) out.push({ path: p, value: v });
      else out.push(...findNumbers(v, key, p));
    }
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * bufferMs/playbackRate of the page's player every 500 ms (`stop()` returns them), to tell a held
 * backlog (buffer up, rate 1.0) from a slow decoder or a late source when a latency check fails.
 */
export function tracePlayer(page: Page): { stop(): string[] } {
  const out: string[] = [];
  const timer = setInterval(() => {
    playerStats(page).then((s) => {
      if (s) out.push(`${Math.round(Number(s.bufferMs))}/${Number(s.playbackRate).toFixed(2)}`);
    }, () => {});
  }, 500);
  return { stop: () => { clearInterval(timer); return out; } };
}
