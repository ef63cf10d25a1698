/**
 * The server soak (bench/server-soak.bench.ts, 30 min) cut to 2 minutes for every test run:
 * the built server in a child process, viewers joining and leaving at random (clean closes, cut
 * connections, stalled readers the server drops for, dead ones its heartbeat terminates), an
 * ffmpeg publisher killed and restarted every 20–35 s. Two minutes cannot show a slow leak, so the RSS bound is loose; it does catch
 * descriptors or sessions left behind by any of those paths, errors in the server log, and
 * frames lost by viewers that kept reading. Takes ~2.2 min.
 */
import { expect, it } from 'vitest';
import { runServerSoak, soakViolations } from '../../bench/support/server-soak.js';

const DURATION_MS = 120_000;
const WARMUP_MS = 40_000;

it('2 min of viewer churn and publisher restarts: fds back to baseline, RSS bounded, no errors, no frame lost by healthy viewers', { timeout: DURATION_MS + 60_000 }, async () => {
  const lines: string[] = [];
  const result = await runServerSoak({
    durationMs: DURATION_MS,
    warmupMs: WARMUP_MS,
    sampleEveryMs: 10_000,
    viewers: { min: 5, max: 40 },
    lifetimeMs: [1_000, 20_000],
    publisherRunMs: [20_000, 35_000],
    log: (line) => lines.push(line),
  });
  console.log(lines.join('\n'));
  const violations = soakViolations(result, { rssGrowthBytes: 40 * 1024 * 1024, rssGrowthFraction: 0.3, endFdSlack: 2, sampleFdSlack: 10 }, WARMUP_MS);
  expect(violations, lines.join('\n')).toEqual([]);
  // The run must have exercised what it claims to.
  expect(result.publisherRuns).toBeGreaterThanOrEqual(3);
  expect(result.joins).toBeGreaterThan(100);
  expect(result.leaves.closed).toBeGreaterThan(20);
  expect(result.leaves.cut).toBeGreaterThan(20);
  // Stalled viewers made the server drop until a key frame, then played again; dead ones were terminated.
  expect(result.stallersRecovered).toBeGreaterThanOrEqual(3);
  expect(result.serverDropped).toBeGreaterThan(0);
  expect(result.deadTerminated).toBeGreaterThanOrEqual(1);
});
