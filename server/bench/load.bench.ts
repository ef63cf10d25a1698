/**
 * Load bench (npm run bench -w server, or npm run bench:load -w server): how many WebSocket
 * viewers one server holds on a 1280x720@30 ~2 Mbit/s stream, on loopback.
 *
 * - Server: the built `framewire serve` in a child process, `live=file:CLIP.h264` (a pre-encoded
 *   clip paced by the server itself, no ffmpeg at run time), viewer limits lifted.
 * - Viewers: RawViewer (support/raw-viewer.ts), all in this process, reading only the 40-byte
 *   media header of each message.
 * - Ramp: for each N, connect viewers up to N, wait WARMUP_MS, then measure MEASURE_MS.
 *   Send delay of a (viewer, access unit) = when this process parsed its last byte − the
 *   server's arrival stamp in the wire header (captureTimeMs, Date.now() of the server; both
 *   are whole ms of the same clock, so ±1 ms). It includes the viewers' own queueing in this
 *   process, so it is an upper bound of the server's delay; the server's own share is the
 *   `framewire_server_latency_seconds` histogram (arrival → handed to the last socket).
 * - Pass at N: p99 send delay < one frame interval (33.3 ms), no access unit missing for any
 *   viewer (sequence gaps, the server's droppedFrames), every viewer connected and live.
 *   The ramp stops at the first N that fails twice in a row.
 *
 * Environment: FRAMEWIRE_LOAD_STEPS (comma list of N), FRAMEWIRE_LOAD_MEASURE_MS (15000),
 * FRAMEWIRE_LOAD_BUDGET_S (300: no new step starts after this), FRAMEWIRE_BENCH_CPU_PROF=DIR
 * (the server runs with node --cpu-prof and writes its profile there at exit).
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { ensureClip, LOAD_CLIP } from './support/clip.js';
import { histogramBuckets, histogramPercentileBound, markdownTable, mb, percentile, sleep, sortedCopy } from './support/load-stats.js';
import { RawViewer, type MediaArrival } from './support/raw-viewer.js';
import { machineCpu, ServerProcess } from './support/server-process.js';

const STEPS = (process.env.FRAMEWIRE_LOAD_STEPS ?? '50,100,200,300,500,750,1000,1250,1500,2000').split(',').map(Number);
const WARMUP_MS = 3000;
const MEASURE_MS = Number(process.env.FRAMEWIRE_LOAD_MEASURE_MS ?? 15_000);
const BUDGET_MS = Number(process.env.FRAMEWIRE_LOAD_BUDGET_S ?? 300) * 1000;
const CPU_PROF_DIR = process.env.FRAMEWIRE_BENCH_CPU_PROF;
const FRAME_INTERVAL_MS = 1000 / LOAD_CLIP.fps;
/** Viewers connecting at once: a browser crowd arrives over seconds, not in one tick. */
const JOIN_BATCH = 50;
const STREAM = 'live';
const RESULTS = fileURLToPath(new URL('./load-results.md', import.meta.url));

interface ApiStream {
  name: string;
  state: string;
  viewers: number;
  framesIn: number;
  droppedFrames: number;
  bitrateKbps: number;
}

interface Row {
  n: number;
  attempt: number;
  samples: number;
  p50: number;
  p99: number;
  max: number;
  /** p99 over access units of the last viewer's delay. */
  p99Last: number;
  /** Upper bound of the server's own p99 (arrival → handed to every socket), from /metrics. */
  serverP99Bound: number;
  missing: number;
  serverDropped: number;
  unhealthy: number;
  framesPerViewer: number;
  framesOut: number;
  serverCpu: number;
  rss: number;
  clientCpu: number;
  clientLoopP99: number;
  machineBusy: number;
  load1: number;
  pass: boolean;
}

it('load: largest N of WebSocket viewers with p99 send delay under one frame interval and no drops', { timeout: BUDGET_MS + 180_000 }, async () => {
  const started = performance.now();
  const clip = ensureClip();
  const server = await ServerProcess.start({
    args: ['--stream', `${STREAM}=file:${clip}`, '--max-viewers', '0', '--max-connections-per-ip', '0', '--log-level', 'warn'],
    ...(CPU_PROF_DIR ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR] } : {}),
  });
  const viewers: RawViewer[] = [];
  const rows: Row[] = [];
  let baseline = { cpu: 0, rss: 0 };
  const notes: string[] = [];
  try {
    await until(async () => (await streamRow(server)).state === 'live', 10_000, 'stream live');
    // The server with no viewer: pacing and ingest only. Subtracted to get the per-viewer cost.
    await sleep(2000);
    const cpu0 = server.cpuSeconds();
    const t0 = performance.now();
    const rss0 = await sampleRss(server, 4000);
    baseline = { cpu: (server.cpuSeconds() - cpu0) / ((performance.now() - t0) / 1000), rss: rss0 };
    const load = loadavg();
    notes.push(`load average before the ramp: ${load.map((l) => l.toFixed(2)).join(' ')} (2 cores; other work on the machine disturbs the figures)`);
    console.log(notes[0]);

    let delays: number[] = [];
    let lastOfFrame = new Map<number, number>();
    let recording = false;
    const onLiveFrame = (_viewer: RawViewer, frame: MediaArrival) => {
      if (!recording) return;
      const delay = frame.receivedAtMs - frame.captureTimeMs;
      delays.push(delay);
      const prev = lastOfFrame.get(frame.sequence);
      if (prev === undefined || delay > prev) lastOfFrame.set(frame.sequence, delay);
    };

    for (const n of STEPS) {
      if (performance.now() - started > BUDGET_MS) {
        notes.push(`stopped before N=${n}: time budget of ${BUDGET_MS / 1000} s used`);
        break;
      }
      const joinFailures = await joinUpTo(server.port, viewers, n, onLiveFrame);
      let passed = false;
      // A failed step is measured once more before the ramp stops: one burst of other work on
      // the shared cores should not decide the result.
      for (let attempt = 1; attempt <= 2 && !passed; attempt++) {
        await sleep(WARMUP_MS);
        const before = await snapshot(server, viewers);
        const loop = monitorEventLoopDelay({ resolution: 1 });
        loop.enable();
        delays = [];
        lastOfFrame = new Map();
        recording = true;
        const rss = await sampleRss(server, MEASURE_MS);
        recording = false;
        loop.disable();
        const after = await snapshot(server, viewers);
        const seconds = (after.t - before.t) / 1000;
        const sorted = sortedCopy(delays);
        const lastSorted = sortedCopy([...lastOfFrame.values()]);
        const framesOut = after.api.framesIn - before.api.framesIn;
        const unhealthy = viewers.filter((v) => v.error !== null || v.closeCode !== null || !v.live).length + joinFailures;
        const row: Row = {
          n,
          attempt,
          samples: sorted.length,
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          max: sorted[sorted.length - 1] ?? Number.NaN,
          p99Last: percentile(lastSorted, 99),
          serverP99Bound: histogramPercentileBound(before.hist, after.hist, 99) * 1000,
          missing: after.missing - before.missing,
          serverDropped: after.api.droppedFrames - before.api.droppedFrames,
          unhealthy,
          framesPerViewer: (after.liveFrames - before.liveFrames) / viewers.length,
          framesOut,
          serverCpu: (after.cpu - before.cpu) / seconds,
          rss,
          clientCpu: (after.clientCpu - before.clientCpu) / seconds,
          clientLoopP99: loop.percentile(99) / 1e6,
          machineBusy: (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total),
          load1: loadavg()[0]!,
          pass: false,
        };
        // Every viewer must have had (about) every access unit of the window: a viewer that
        // silently fell behind shows up here even before the server starts dropping for it.
        const complete = row.framesPerViewer >= framesOut - 2;
        row.pass = row.p99 < FRAME_INTERVAL_MS && row.missing === 0 && row.serverDropped === 0 && unhealthy === 0 && complete && row.samples > 0;
        rows.push(row);
        console.log(formatRow(row, baseline));
        passed = row.pass;
      }
      if (!passed) break;
    }
  } finally {
    for (const v of viewers) v.destroy();
    const code = await server.stop();
    if (code !== 0) notes.push(`server exit code ${code}`);
  }

  const best = rows.filter((r) => r.pass).reduce((m, r) => Math.max(m, r.n), 0);
  const report = renderReport(rows, baseline, best, notes, server);
  console.log(report);
  writeFileSync(RESULTS, `${report}\n`);
  // The bench reports; it fails only when the setup is broken (not even the first step passes)
  // or the server logged errors.
  expect(server.log.error, server.log.samples.join('\n')).toBe(0);
  expect(rows.length).toBeGreaterThan(0);
  expect(best, 'not even the smallest N passed').toBeGreaterThan(0);
});

/** Connects viewers until there are n, JOIN_BATCH at a time, each waited for until it is live. Returns how many failed. */
async function joinUpTo(port: number, viewers: RawViewer[], n: number, onLiveFrame: (v: RawViewer, f: MediaArrival) => void): Promise<number> {
  let failures = 0;
  while (viewers.length < n) {
    const batch: RawViewer[] = [];
    for (let i = 0; i < Math.min(JOIN_BATCH, n - viewers.length); i++) batch.push(new RawViewer(port, STREAM, { onLiveFrame }));
    viewers.push(...batch);
    const opened = await Promise.allSettled(batch.map((v) => v.opened));
    failures += opened.filter((r) => r.status === 'rejected').length;
    await until(() => batch.every((v) => v.live || v.error !== null), 10_000, 'viewers live').catch(() => {});
  }
  return failures;
}

async function snapshot(server: ServerProcess, viewers: readonly RawViewer[]) {
  const [api, metrics] = await Promise.all([streamRow(server), server.text('/metrics')]);
  let missing = 0;
  let liveFrames = 0;
  for (const v of viewers) {
    missing += v.missing;
    liveFrames += v.liveFrames;
  }
  const usage = process.cpuUsage();
  return {
    t: performance.now(),
    api,
    hist: histogramBuckets(metrics, 'framewire_server_latency_seconds', { stream: STREAM }),
    missing,
    liveFrames,
    cpu: server.cpuSeconds(),
    clientCpu: (usage.user + usage.system) / 1e6,
    machine: machineCpu(),
  };
}

/**
 * The median of the server's RSS sampled every 500 ms for ms: one sample lands anywhere on the
 * garbage collector's sawtooth (±20 MB seen between two runs of the same N).
 */
async function sampleRss(server: ServerProcess, ms: number): Promise<number> {
  const samples: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    samples.push(server.rssBytes());
    await sleep(Math.min(500, Math.max(0, end - performance.now())));
  }
  return percentile(sortedCopy(samples), 50);
}

async function streamRow(server: ServerProcess): Promise<ApiStream> {
  const rows = await server.json<ApiStream[]>('/api/streams');
  const row = rows.find((r) => r.name === STREAM);
  if (!row) throw new Error(`stream ${STREAM} missing from /api/streams`);
  return row;
}

async function until(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await predicate())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : String(x));
const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

function formatRow(r: Row, baseline: { cpu: number; rss: number }): string {
  const perViewer = (r.serverCpu - baseline.cpu) / r.n;
  return `N=${r.n}${r.attempt > 1 ? ` (try ${r.attempt})` : ''}: delay p50 ${f1(r.p50)} ms, p99 ${f1(r.p99)} ms, max ${f1(r.max)} ms; ` +
    `last viewer p99 ${f1(r.p99Last)} ms; server fan-out p99 ≤ ${f1(r.serverP99Bound)} ms; missing ${r.missing}, server drops ${r.serverDropped}, unhealthy ${r.unhealthy}; ` +
    `frames/viewer ${r.framesPerViewer.toFixed(1)}/${r.framesOut}; server CPU ${pct(r.serverCpu)} (${(perViewer * 100).toFixed(3)} % of a core per viewer), RSS ${mb(r.rss)} MB; ` +
    `viewers' process CPU ${pct(r.clientCpu)}, its event-loop delay p99 ${f1(r.clientLoopP99)} ms; machine busy ${pct(r.machineBusy)}, load ${r.load1.toFixed(2)} → ${r.pass ? 'PASS' : 'FAIL'}`;
}

function renderReport(rows: Row[], baseline: { cpu: number; rss: number }, best: number, notes: string[], server: ServerProcess): string {
  const table = markdownTable(
    ['N', 'send delay p50 / p99 / max (ms)', 'last viewer p99 (ms)', 'server fan-out p99 ≤ (ms)', 'missing / server drops', 'server CPU (1 core = 100 %)', 'CPU per viewer', 'RSS (MB)', 'RSS per viewer', "viewers' process CPU / loop delay p99", 'machine busy / load', 'result'],
    rows.map((r) => [
      `${r.n}${r.attempt > 1 ? ' (2nd try)' : ''}`,
      `${f1(r.p50)} / ${f1(r.p99)} / ${f1(r.max)}`,
      f1(r.p99Last),
      f1(r.serverP99Bound),
      `${r.missing} / ${r.serverDropped}${r.unhealthy > 0 ? ` (${r.unhealthy} unhealthy)` : ''}`,
      pct(r.serverCpu),
      `${(((r.serverCpu - baseline.cpu) / r.n) * 100).toFixed(3)} %`,
      mb(r.rss),
      `${(((r.rss - baseline.rss) / r.n) / 1024).toFixed(0)} KiB`,
      `${pct(r.clientCpu)} / ${f1(r.clientLoopP99)} ms`,
      `${pct(r.machineBusy)} / ${r.load1.toFixed(2)}`,
      r.pass ? 'pass' : 'FAIL',
    ]),
  );
  return [
    `## Load bench: ${LOAD_CLIP.width}x${LOAD_CLIP.height}@${LOAD_CLIP.fps}, ${LOAD_CLIP.bitrate / 1e6} Mbit/s, GOP ${LOAD_CLIP.gop}, loopback, ${new Date().toISOString()}`,
    '',
    `Largest N with p99 send delay < ${FRAME_INTERVAL_MS.toFixed(1)} ms and no drops: **${best}**`,
    '',
    `Server with no viewer: CPU ${pct(baseline.cpu)}, RSS ${mb(baseline.rss)} MB. Per viewer = (figure at N − figure with no viewer) / N; RSS is the median of samples every 0.5 s.`,
    `Server log: ${server.log.warn} warnings, ${server.log.error} errors.`,
    '',
    table,
    '',
    ...notes.map((n) => `- ${n}`),
    "- The viewers run in one process on the same 2 cores as the server: their CPU (column \"viewers' process\") is taken from the server, " +
      "and their own queueing (event-loop delay) is inside the send delay, so both the delay and the largest N are pessimistic for a server whose viewers are elsewhere.",
  ].join('\n');
}
