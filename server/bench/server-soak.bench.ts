/**
 * Server soak bench (npm run bench -w server, or npm run bench:soak -w server): 30 minutes
 * (FRAMEWIRE_SOAK_MINUTES) of viewers joining and leaving at random (clean closes, cut
 * connections, stalls that make the server drop until the next key frame) on a 720p30 2 Mbit/s
 * stream and a publish stream whose ffmpeg publisher is killed and restarted every 30–60 s.
 * Prints the server's RSS and open descriptors every 10 s; fails if they are not flat, if the
 * server logged an error, or if a healthy viewer lost a frame. See support/server-soak.ts.
 * The 2-minute version runs in `npm test` (test/soak/soak-short.test.ts).
 */
import { expect, it } from 'vitest';
import { runServerSoak, soakViolations } from './support/server-soak.js';

const MINUTES = Number(process.env.FRAMEWIRE_SOAK_MINUTES ?? 30);
const DURATION_MS = MINUTES * 60_000;
/** A tenth of the run, at least a minute: the heap grows to its working size first. */
const WARMUP_MS = Math.max(60_000, DURATION_MS / 10);

it(`server soak: ${MINUTES} min of viewer churn and publisher restarts, RSS and fds flat`, { timeout: DURATION_MS + 120_000 }, async () => {
  const result = await runServerSoak({
    durationMs: DURATION_MS,
    warmupMs: WARMUP_MS,
    sampleEveryMs: 10_000,
    viewers: { min: 10, max: 60 },
    lifetimeMs: [2_000, 40_000],
    publisherRunMs: [30_000, 60_000],
    log: (line) => console.log(line),
  });
  const violations = soakViolations(result, { rssGrowthBytes: 30 * 1024 * 1024, rssGrowthFraction: 0.2, endFdSlack: 2, sampleFdSlack: 10 }, WARMUP_MS);
  expect(violations).toEqual([]);
});
