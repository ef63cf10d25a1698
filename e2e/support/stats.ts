/** Percentiles (nearest rank) and the measurement window used by the latency tests and bench. */
import type { Page } from '@playwright/test';
import type { RawSample } from './barcode-reader.js';

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export function summarize(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] ?? Number.NaN, mean };
}

interface Snapshot {
  t: number;
  idx: number;
  presented: number;
  misreads: number;
  callbacks: number;
  dropped: number;
  firstFrameMs: number | null;
  errors: string[];
}

async function snapshot(page: Page): Promise<Snapshot> {
  return page.evaluate(() => {
    const b = window.__barcode;
    const v = document.querySelector('video');
    return {
      t: Date.now(),
      idx: b.samples.length,
      presented: b.lastPresentedFrames,
      misreads: b.misreads,
      callbacks: b.callbacks,
      dropped: v ? v.getVideoPlaybackQuality().droppedVideoFrames : 0,
      firstFrameMs: b.firstFrameMs,
      errors: b.errors,
    };
  });
}

export interface WindowResult {
  durationMs: number;
  latency: Summary;
  samples: RawSample[];
  /** Frames presented in the window (rVFC presentedFrames delta). */
  presentedFrames: number;
  presentedFps: number;
  misreads: number;
  /** misreads / (reads + misreads) */
  misreadRate: number;
  droppedFrames: number;
  firstFrameMs: number | null;
  readerErrors: string[];
}

/** Measures `durationMs` of presented frames from now on. */
export async function measureWindow(page: Page, durationMs: number): Promise<WindowResult> {
  const a = await snapshot(page);
  await page.waitForTimeout(durationMs);
  const b = await snapshot(page);
  const samples = await page.evaluate((from) => window.__barcode.samples.slice(from), a.idx);
  const elapsed = b.t - a.t;
  const misreads = b.misreads - a.misreads;
  const reads = samples.length;
  return {
    durationMs: elapsed,
    latency: summarize(samples.map((s) => s[2])),
    samples,
    presentedFrames: b.presented - a.presented,
    presentedFps: ((b.presented - a.presented) * 1000) / elapsed,
    misreads,
    misreadRate: reads + misreads ? misreads / (reads + misreads) : 1,
    droppedFrames: b.dropped - a.dropped,
    firstFrameMs: b.firstFrameMs,
    readerErrors: b.errors,
  };
}

export function fmt(n: number | null | undefined, digits = 1): string {
  return n === null || n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits);
}

export function resultTable(rows: Array<{ name: string; r: WindowResult; expectedFps: number }>): string {
  const head = '| run | frames read | p50 ms | p95 ms | p99 ms | max ms | fps (expected) | misreads | dropped | first frame ms |\n|---|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map(
    ({ name, r, expectedFps }) =>
      `| ${name} | ${r.latency.n} | ${fmt(r.latency.p50)} | ${fmt(r.latency.p95)} | ${fmt(r.latency.p99)} | ${fmt(r.latency.max)} | ${fmt(r.presentedFps, 2)} (${fmt(expectedFps, 2)}) | ${r.misreads} (${fmt(100 * r.misreadRate)}%) | ${r.droppedFrames} | ${fmt(r.firstFrameMs, 0)} |`,
  );
  return [head, ...lines].join('\n');
}

/** Latency per second of the window (p50/max): shows drift, stalls and catch-up at a glance. */
export function latencyTimeline(samples: RawSample[]): string {
  if (samples.length === 0) return '(no samples)';
  const t0 = (samples[0] as RawSample)[0];
  const buckets = new Map<number, number[]>();
  for (const [at, , lat] of samples) {
    const k = Math.floor((at - t0) / 1000);
    const b = buckets.get(k) ?? [];
    b.push(lat);
    buckets.set(k, b);
  }
  return [...buckets.entries()]
    .map(([k, v]) => {
      const s = summarize(v);
      return `${k}s: n=${s.n} p50=${s.p50.toFixed(0)} max=${s.max.toFixed(0)}`;
    })
    .join(' | ');
}
