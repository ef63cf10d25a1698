/**
 * Issue 6 "Many players": /grid?streams=… with nine players on one page, nine 640x360@30 streams,
 * each player presenting frames and reporting its own capture → present latency.
 *
 * The streams are one raw H.264 clip (ffmpeg testsrc2, x264 without B-frames, 1 s GOP) played by
 * nine `file:` sources: the server paces a raw .h264 file itself, so nine streams cost no encoder
 * on this 2-core machine and the CPU goes to what is tested, nine decoders in one page. Each
 * player's latency is its own figure (the frame's arrival at the server → presented).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { runFfmpeg } from '../support/ffmpeg.js';
import { captureErrors, sleep } from '../support/harness.js';
import { startServer } from '../support/server.js';
import type { FwWindow } from '../support/page-globals.js';

const N = 9;

interface CellStats {
  name: string;
  frames: number;
  latencyMs: number | null;
  p50: number | null;
  p95: number | null;
  dropped: number;
  stalls: number;
  width: number;
  label: string;
}

test('3x3 grid: nine 640x360 players on one page all play, each reporting its own latency', async ({ page }) => {
  test.setTimeout(90_000);
  const clip = join(mkdtempSync(join(tmpdir(), 'framewire-grid-')), 'grid-640x360.h264');
  await runFfmpeg(['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-t', '10',
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-bf', '0', '-g', '30', '-pix_fmt', 'yuv420p', '-y', clip], []);
  const names = Array.from({ length: N }, (_, i) => `cam${i + 1}`);
  const server = await startServer({ streams: names.map((n) => `${n}=file:${clip}`) });
  try {
    const { errors } = captureErrors(page);
    await page.setViewportSize({ width: 1920, height: 1100 }); // nine 640x360 cells
    await page.goto(`${server.url}grid?streams=${names.join(',')}`);
    await expect(page.getByTestId('grid-cell')).toHaveCount(N);
    const read = (): Promise<CellStats[]> => page.evaluate(() => ((window as unknown as FwWindow).framewireGrid ?? []).map(({ name, player, cell }) => {
      const s = player.stats;
      return { name, frames: s.framesPresented, latencyMs: s.latencyMs, p50: s.latencyP50Ms, p95: s.latencyP95Ms,
        dropped: s.droppedFrames, stalls: s.stalls, width: s.width, label: cell.querySelector('[data-testid="grid-label"]')?.textContent ?? '' };
    }));
    await expect.poll(async () => (await read()).filter((c) => c.frames > 30 && c.p50 !== null).length, { timeout: 30_000 }).toBe(N);
    await sleep(2000); // settle
    const a = await read();
    const t0 = Date.now();
    await sleep(8000);
    const b = await read();
    const seconds = (Date.now() - t0) / 1000;
    const rows = b.map((c, i) => ({ ...c, fps: (c.frames - a[i]!.frames) / seconds }));
    const table = ['| player | fps | latency p50 | p95 | dropped | stalls | label |', '|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.name} | ${r.fps.toFixed(1)} | ${r.p50} ms | ${r.p95} ms | ${r.dropped} | ${r.stalls} | ${r.label} |`)].join('\n');
    const p50s = rows.map((r) => r.p50!).sort((x, y) => x - y);
    console.log(`\n3x3 grid, ${N} × 640x360@30 on one page (8 s window):\n${table}\nmedian of the players' p50: ${p50s[Math.floor(N / 2)]} ms, range ${p50s[0]}–${p50s[N - 1]} ms\n`);

    for (const r of rows) {
      expect(r.width, `${r.name} decoded 640x360`).toBe(640);
      expect(r.fps, `${r.name} presents frames`).toBeGreaterThan(20);
      expect(r.p50, `${r.name} reports its latency`).not.toBeNull();
      expect(r.p50!, `${r.name} latency p50 ms`).toBeLessThan(250);
      expect(r.label, `${r.name} shows its latency`).toMatch(new RegExp(`^${r.name}\\s+\\d+ ms\\s+\\d+ fps\\s+ws`));
    }
    expect(errors).toEqual([]);
  } finally {
    await server.stop();
  }
});
