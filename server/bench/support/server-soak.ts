/**
 * Server soak: the built server in a child process, viewers joining and leaving at random, a
 * publisher killed and restarted over and over; the server's RSS and open descriptors sampled
 * on a fixed period. Driven by bench/server-soak.bench.ts (30 min) and
 * test/soak/soak-short.test.ts (2 min in `npm test`), which differ only in duration and bounds.
 *
 * What a leak would look like here, and what catches it:
 * - sessions, sockets or subscribers kept after a viewer left (clean close, TCP cut, or a
 *   stalled viewer the server was dropping for) → descriptors above (viewers + publisher +
 *   baseline), RSS growth;
 * - per-publisher state (ingest, splitter buffers, HLS runs) kept across restarts → RSS growth;
 * - anything thrown on those paths → error-level lines in the server log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { LOAD_CLIP, ensureClip, ensureClipTs, type ClipSpec } from './clip.js';
import { mb, sleep } from './load-stats.js';
import { RawViewer } from './raw-viewer.js';
import { ServerProcess, type LogCounts } from './server-process.js';

export interface SoakOptions {
  durationMs: number;
  /** RSS is judged from the end of this on (heap growth to its working size, JIT, first GOPs). */
  warmupMs: number;
  sampleEveryMs: number;
  /** Viewers connected at once: never fewer than min (joins forced), never more than max. */
  viewers: { min: number; max: number };
  /** How long a viewer stays, ms (uniform). */
  lifetimeMs: readonly [number, number];
  /** How long each publisher run lasts before it is killed, ms (uniform). */
  publisherRunMs: readonly [number, number];
  /** Printed as the soak goes (one line per sample, publisher restarts). */
  log: (line: string) => void;
}

export interface SoakSample {
  /** Seconds since the start of the soak. */
  t: number;
  rss: number;
  fds: number;
  /** WebSocket viewers the server has now (/healthz). */
  viewers: number;
  publisher: boolean;
  /** fds − viewers − publisher − baseline: what no connection explains. */
  excessFds: number;
  /** Server CPU over the sample period, 1 core = 1. */
  cpu: number;
}

export interface SoakResult {
  samples: SoakSample[];
  baselineFds: number;
  endFds: number;
  endRss: number;
  joins: number;
  leaves: { closed: number; cut: number };
  /** Stallers (see Kind) that stopped reading, and those back at the live edge (< 1 s behind) after reading again. */
  stalls: number;
  stallersRecovered: number;
  stallersNotRecovered: number;
  /** Dead viewers that stopped reading; of those probed after DEAD_PROBE_MS, terminated by the heartbeat or not. */
  dead: number;
  deadTerminated: number;
  deadNotTerminated: number;
  /** Viewers that ended for a reason of their own (not our leave), with the reason. */
  viewerErrors: string[];
  protocolErrors: number;
  /** Normal viewers of `live` that stayed ≥ 3 s, yet got no frame. */
  starvedViewers: number;
  /** Access units missing for normal viewers (the server must not drop for a viewer that keeps reading). */
  healthyMissing: number;
  /** Access units the server dropped in all (stalled viewers: expected). */
  serverDropped: number;
  publisherRuns: number;
  /** Runs during which `cam` received frames. */
  publisherRunsLive: number;
  /** ffmpeg runs that ended before we killed them, with their stderr. */
  publisherFailures: string[];
  serverLog: LogCounts;
  exitCode: number | null;
}

export interface SoakBounds {
  /** Allowed RSS growth from the first samples after warm-up to the last ones, bytes. */
  rssGrowthBytes: number;
  /** Also allowed: this fraction of the RSS at the end of warm-up (the larger of the two applies). */
  rssGrowthFraction: number;
  /** |end fds − baseline| with every viewer and the publisher gone. */
  endFdSlack: number;
  /** Per sample: descriptors no connection explains (viewers connecting or closing while sampled). */
  sampleFdSlack: number;
}

const LIVE = 'live';
const CAM = 'cam';
const KEY = 'soak-key';
/** The publisher's picture: smaller than the main stream, as a webcam or OBS at home might send. */
const PUBLISH_CLIP: ClipSpec = { width: 640, height: 360, fps: 30, bitrate: 800_000, gop: 30, seconds: 10 };

const rand = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

/**
 * normal: reads everything, leaves after its lifetime (must lose no frame).
 * staller: stops reading for STALL_MS, long enough for the kernel's socket buffers (~4.5 MB on
 *   loopback, ~18 s at 2 Mbit/s) and then maxViewerBufferedBytes to fill, so the server drops
 *   until a key frame; then reads again and must be back at the live edge 3 s later.
 * dead: stops reading and so never answers a ping: the heartbeat must terminate it within two
 *   periods (probed by reading again after DEAD_PROBE_MS: the connection must then end).
 */
type Kind = 'normal' | 'staller' | 'dead';

interface Tracked {
  viewer: RawViewer;
  kind: Kind;
  joinedAt: number;
  leaveAt: number;
  /** staller: performance.now() of the pause, then of the resume. */
  pausedAt: number | null;
  resumedAt: number | null;
  /** staller: how long it stops reading. */
  stallMs: number;
  leaving: boolean;
}

/** Under HEARTBEAT_MS, so a staller answers the ping sent during its stall before the next one. */
const STALL_MS: readonly [number, number] = [22_000, 27_000];
const STALL_AFTER_MS = 3000;
/** The soak server's ping period: a dead viewer is gone 30–60 s after it stopped reading. */
const HEARTBEAT_MS = 30_000;
/** A dead viewer reads again this long after it stopped: two heartbeats and some slack. */
const DEAD_PROBE_MS = 2 * HEARTBEAT_MS + 5000;

export async function runServerSoak(options: SoakOptions): Promise<SoakResult> {
  const liveClip = ensureClip(LOAD_CLIP);
  const publishClip = ensureClipTs(PUBLISH_CLIP);
  const server = await ServerProcess.start({
    args: [
      '--stream', `${LIVE}=file:${liveClip}`, '--stream', `${CAM}=publish`, '--key', `${CAM}=${KEY}`,
      '--max-viewers', '0', '--max-connections-per-ip', '0', '--log-level', 'info',
      // Low, so a staller reaches the drop-until-key-frame path soon after the kernel's buffers are full.
      '--max-viewer-buffered-bytes', String(256 * 1024),
      // Longer than a stall, so only dead viewers are terminated (see Kind).
      '--heartbeat-interval-ms', String(HEARTBEAT_MS),
    ],
  });
  const result: SoakResult = {
    samples: [], baselineFds: 0, endFds: 0, endRss: 0, joins: 0, leaves: { closed: 0, cut: 0 },
    stalls: 0, stallersRecovered: 0, stallersNotRecovered: 0, dead: 0, deadTerminated: 0, deadNotTerminated: 0,
    viewerErrors: [], protocolErrors: 0, starvedViewers: 0, healthyMissing: 0, serverDropped: 0,
    publisherRuns: 0, publisherRunsLive: 0, publisherFailures: [], serverLog: server.log, exitCode: null,
  };
  const tracked = new Set<Tracked>();
  let publisher: ChildProcess | null = null;
  let stopped = false;
  let churnTimer: NodeJS.Timeout | null = null;
  try {
    await waitFor(async () => (await apiRow(server, LIVE)).state === 'live', 10_000, 'stream live');
    await sleep(1000);
    result.baselineFds = server.openFds();
    const started = performance.now();
    const elapsed = () => performance.now() - started;

    const leave = (entry: Tracked) => {
      if (entry.leaving) return;
      entry.leaving = true;
      const v = entry.viewer;
      const now = performance.now();
      if (entry.kind === 'dead' && entry.pausedAt !== null) {
        // Read again after DEAD_PROBE_MS: the heartbeat must have terminated it by then, so
        // what it reads ends with the end of the connection (a paused socket cannot see it).
        if (v.ended) result.deadTerminated++;
        else if (entry.resumedAt !== null && now - entry.resumedAt >= 4900) result.deadNotTerminated++;
      } else if (v.error !== null || v.closeCode !== null) {
        // Anything set before our own close happened while it was watching.
        result.viewerErrors.push(`${entry.kind} viewer of ${v.stream}: ${v.error ?? `closed ${v.closeCode}`}`);
      }
      result.protocolErrors += v.protocolErrors;
      if (entry.kind === 'normal') {
        result.healthyMissing += v.missing;
        if (v.stream === LIVE && now - entry.joinedAt >= 3000 && v.frames === 0) result.starvedViewers++;
      } else if (entry.kind === 'staller' && entry.resumedAt !== null && now - entry.resumedAt >= 3000) {
        // What it read first after resuming was the backlog of its socket buffers (~20 s old);
        // recovered = the server resumed it at a key frame and it is back at the live edge.
        if (v.lastDelayMs < 1000) result.stallersRecovered++;
        else result.stallersNotRecovered++;
      }
      if (v.ended) {
        // Closed by the server: nothing to do on our side.
      } else if (Math.random() < 0.6) {
        v.close();
        result.leaves.closed++;
      } else {
        v.destroy();
        result.leaves.cut++;
      }
      void v.closed.then(() => tracked.delete(entry));
    };

    const join = () => {
      const now = performance.now();
      const r = Math.random();
      const kind: Kind = r < 0.05 ? 'dead' : r < 0.16 ? 'staller' : 'normal';
      // Stallers watch the 2 Mbit/s stream: at the publisher's 0.8 Mbit/s the kernel would absorb the whole stall.
      const stream = kind === 'staller' || Math.random() < 0.7 ? LIVE : CAM;
      const lifetime = kind === 'staller' ? STALL_AFTER_MS + STALL_MS[1] + rand(5000, 15_000)
        : kind === 'dead' ? Number.POSITIVE_INFINITY
        : rand(options.lifetimeMs[0], options.lifetimeMs[1]);
      tracked.add({ viewer: new RawViewer(server.port, stream), kind, joinedAt: now, leaveAt: now + lifetime, pausedAt: null, resumedAt: null, stallMs: rand(STALL_MS[0], STALL_MS[1]), leaving: false });
      result.joins++;
    };

    // Churn: 10 decisions a second, about 3 joins a second; lifetimes set how many stay.
    churnTimer = setInterval(() => {
      const now = performance.now();
      let connected = 0;
      for (const entry of tracked) {
        if (entry.leaving) continue;
        if (now >= entry.leaveAt || entry.viewer.ended) {
          leave(entry);
          continue;
        }
        connected++;
        const v = entry.viewer;
        if (entry.kind !== 'normal' && entry.pausedAt === null && now - entry.joinedAt >= STALL_AFTER_MS) {
          entry.pausedAt = now;
          v.pause();
          if (entry.kind === 'staller') result.stalls++;
          else result.dead++;
        } else if (entry.pausedAt !== null && entry.resumedAt === null && now - entry.pausedAt >= (entry.kind === 'staller' ? entry.stallMs : DEAD_PROBE_MS)) {
          entry.resumedAt = now;
          v.resume();
          // A dead viewer is judged (leave()) once it has had a few seconds to read to the end.
          if (entry.kind === 'dead') entry.leaveAt = now + 5000;
        }
      }
      if (connected < options.viewers.min || (connected < options.viewers.max && Math.random() < 0.3)) join();
    }, 100);

    // The publisher: start, run for a while, kill (SIGKILL or SIGTERM in turn), pause, again.
    const publishLoop = (async () => {
      while (!stopped) {
        const before = (await apiRow(server, CAM)).framesIn;
        const run = startPublisher(server.port, publishClip);
        publisher = run.proc;
        result.publisherRuns++;
        const runMs = rand(options.publisherRunMs[0], options.publisherRunMs[1]);
        const runStarted = performance.now();
        const ended = await Promise.race([run.exited.then(() => true), sleepUnless(runMs, () => stopped).then(() => false)]);
        if (ended) result.publisherFailures.push(`run ${result.publisherRuns} ended by itself: ${run.stderr().slice(0, 500)}`);
        const after = (await apiRow(server, CAM)).framesIn;
        if (after - before > 30) result.publisherRunsLive++;
        // A run the end of the soak cut to a few seconds is too short to judge.
        else if (stopped && performance.now() - runStarted < 5000) result.publisherRuns--;
        const signal = result.publisherRuns % 2 === 0 ? 'SIGKILL' : 'SIGTERM';
        await run.kill(signal);
        publisher = null;
        options.log(`${(elapsed() / 1000).toFixed(0)} s: publisher run ${result.publisherRuns} (${(runMs / 1000).toFixed(0)} s, ${after - before} frames) stopped with ${signal}`);
        await sleepUnless(rand(500, 2000), () => stopped);
      }
    })().catch((err: unknown) => {
      result.publisherFailures.push(`publisher loop: ${(err as Error).message}`);
    });

    options.log(`server soak: ${(options.durationMs / 60_000).toFixed(1)} min, viewers ${options.viewers.min}–${options.viewers.max}, sample every ${options.sampleEveryMs / 1000} s; baseline ${result.baselineFds} fds`);
    options.log('    t (s) | RSS (MB) | fds | viewers | publisher | unexplained fds | server CPU');
    let lastCpu = server.cpuSeconds();
    let lastT = performance.now();
    while (elapsed() < options.durationMs) {
      await sleep(Math.min(options.sampleEveryMs, options.durationMs - elapsed()));
      const fds = server.openFds();
      const rss = server.rssBytes();
      const cpu = server.cpuSeconds();
      const health = await server.json<{ viewers: number }>('/healthz');
      const cam = await apiRow(server, CAM);
      const now = performance.now();
      const sample: SoakSample = {
        t: Math.round(elapsed() / 1000),
        rss,
        fds,
        viewers: health.viewers,
        publisher: cam.publisher === true,
        excessFds: fds - health.viewers - (cam.publisher === true ? 1 : 0) - result.baselineFds,
        cpu: (cpu - lastCpu) / ((now - lastT) / 1000),
      };
      lastCpu = cpu;
      lastT = now;
      result.samples.push(sample);
      options.log(`${String(sample.t).padStart(9)} | ${mb(rss).padStart(8)} | ${String(fds).padStart(3)} | ${String(sample.viewers).padStart(7)} | ${String(sample.publisher).padStart(9)} | ${String(sample.excessFds).padStart(15)} | ${(sample.cpu * 100).toFixed(0)} %`);
    }

    // Wind down: everyone leaves, the publisher stops; the server must be back to its baseline.
    stopped = true;
    clearInterval(churnTimer);
    churnTimer = null;
    for (const entry of tracked) leave(entry);
    await publishLoop;
    await waitFor(async () => (await server.json<{ viewers: number }>('/healthz')).viewers === 0 && (await apiRow(server, CAM)).publisher !== true, 15_000, 'viewers and publisher gone')
      .catch((err: unknown) => result.viewerErrors.push(`wind-down: ${(err as Error).message}`));
    await sleep(1000);
    result.endFds = server.openFds();
    result.endRss = server.rssBytes();
    result.serverDropped = (await apiRow(server, LIVE)).droppedFrames + (await apiRow(server, CAM)).droppedFrames;
    options.log(`end: ${result.endFds} fds (baseline ${result.baselineFds}), RSS ${mb(result.endRss)} MB; ${result.joins} joins, ${result.leaves.closed} closed + ${result.leaves.cut} cut, ${result.stalls} stalls (${result.stallersRecovered} recovered), ${result.dead} dead viewers (${result.deadTerminated} probed: terminated, ${result.deadNotTerminated}: not), server dropped ${result.serverDropped} frames; publisher ${result.publisherRunsLive}/${result.publisherRuns} runs live`);
  } finally {
    stopped = true;
    if (churnTimer) clearInterval(churnTimer);
    for (const entry of tracked) entry.viewer.destroy();
    (publisher as ChildProcess | null)?.kill('SIGKILL');
    result.exitCode = await server.stop();
  }
  return result;
}

/** What the soak's bounds say about a result: one sentence per violation, empty when all hold. */
export function soakViolations(r: SoakResult, bounds: SoakBounds, warmupMs: number): string[] {
  const out: string[] = [];
  const warm = r.samples.filter((s) => s.t * 1000 >= warmupMs);
  if (warm.length < 6) out.push(`only ${warm.length} samples after warm-up`);
  else {
    // Medians of the first and last quarter (at least 3 samples) damp the GC sawtooth (±25 MB
    // seen between major collections): one sample right before a collection is not a trend.
    const quarter = Math.max(3, Math.floor(warm.length / 4));
    const median = (xs: SoakSample[]) => xs.map((s) => s.rss).sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const first = median(warm.slice(0, quarter));
    const last = median(warm.slice(-quarter));
    const allowed = Math.max(bounds.rssGrowthBytes, bounds.rssGrowthFraction * first);
    if (last - first > allowed) out.push(`RSS grew ${mb(last - first)} MB after warm-up (${mb(first)} → ${mb(last)} MB; allowed ${mb(allowed)} MB)`);
  }
  if (Math.abs(r.endFds - r.baselineFds) > bounds.endFdSlack) out.push(`${r.endFds} fds at the end vs ${r.baselineFds} at the start (±${bounds.endFdSlack})`);
  const worst = r.samples.reduce((m, s) => (Math.abs(s.excessFds) > Math.abs(m) ? s.excessFds : m), 0);
  if (Math.abs(worst) > bounds.sampleFdSlack) out.push(`a sample had ${worst} descriptors no connection explains (±${bounds.sampleFdSlack})`);
  if (r.serverLog.error > 0 || r.serverLog.other > 0) out.push(`server log: ${r.serverLog.error} error lines, ${r.serverLog.other} non-JSON lines: ${r.serverLog.samples.join(' | ')}`);
  if (r.exitCode !== 0) out.push(`server exit code ${r.exitCode} after SIGTERM`);
  if (r.viewerErrors.length > 0) out.push(`viewers ended on their own: ${r.viewerErrors.slice(0, 5).join('; ')}`);
  if (r.protocolErrors > 0) out.push(`${r.protocolErrors} WebSocket protocol errors seen by viewers`);
  if (r.starvedViewers > 0) out.push(`${r.starvedViewers} viewers of "${LIVE}" got no frame in ≥ 3 s`);
  if (r.stallersNotRecovered > 0) out.push(`${r.stallersNotRecovered} stalled viewers were not back at the live edge 3 s after they read again`);
  if (r.deadNotTerminated > 0) out.push(`${r.deadNotTerminated} viewers that stopped reading were still connected ${DEAD_PROBE_MS / 1000} s later (heartbeat ${HEARTBEAT_MS / 1000} s)`);
  if (r.healthyMissing > 0) out.push(`${r.healthyMissing} access units missing for viewers that never stalled`);
  if (r.publisherFailures.length > 0) out.push(`publisher: ${r.publisherFailures.join('; ')}`);
  if (r.publisherRunsLive < r.publisherRuns) out.push(`only ${r.publisherRunsLive} of ${r.publisherRuns} publisher runs reached viewers`);
  return out;
}

interface ApiRow {
  name: string;
  state: string;
  framesIn: number;
  droppedFrames: number;
  publisher?: boolean;
}

async function apiRow(server: ServerProcess, name: string): Promise<ApiRow> {
  const row = (await server.json<ApiRow[]>('/api/streams')).find((r) => r.name === name);
  if (!row) throw new Error(`stream ${name} missing from /api/streams`);
  return row;
}

/** ffmpeg sending the looped clip as it would send a live encode: -re, Annex-B, chunked PUT. */
function startPublisher(port: number, clip: string) {
  const proc = spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-stream_loop', '-1', '-i', clip,
    '-c', 'copy', '-flush_packets', '1', '-f', 'h264', '-method', 'PUT', `http://127.0.0.1:${port}/publish/${CAM}?key=${KEY}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 4000) stderr += d;
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    exited,
    stderr: () => stderr,
    async kill(signal: NodeJS.Signals) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitFor(predicate: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await predicate())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Sleeps ms, waking early (every 250 ms check) once `stop()` is true. */
async function sleepUnless(ms: number, stop: () => boolean): Promise<void> {
  const end = performance.now() + ms;
  while (!stop() && performance.now() < end) await sleep(Math.min(250, end - performance.now()));
}
