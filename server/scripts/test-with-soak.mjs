#!/usr/bin/env node
/**
 * `npm test` in server/: the 2-minute soak (test/soak/, ~10% of one core: a child server, Node
 * viewers, a small ffmpeg publisher) runs beside the other test files instead of after them,
 * which saves two minutes of every test run. The other files still run one at a time
 * (vitest.config.ts fileParallelism: false). The soak's output is printed when it ends, so the
 * two reports do not interleave. Extra arguments go to both vitest runs.
 */
import { spawn } from 'node:child_process';

const args = process.argv.slice(2);
// `vitest` is on PATH under npm scripts (node_modules/.bin).
const vitest = (extra, pipe) => spawn('vitest', ['run', ...extra, ...args],
  { stdio: ['ignore', pipe ? 'pipe' : 'inherit', pipe ? 'pipe' : 'inherit'], env: process.env });

const exitCode = (child) => new Promise((resolve) => child.once('close', (code, signal) => resolve(signal ? 1 : code ?? 1)));

const soak = vitest(['test/soak'], true);
let soakOutput = '';
soak.stdout.on('data', (d) => (soakOutput += d));
soak.stderr.on('data', (d) => (soakOutput += d));
const rest = vitest(['--exclude', 'test/soak/**'], false);
const [restCode, soakCode] = await Promise.all([exitCode(rest), exitCode(soak)]);
process.stdout.write(`\n--- test/soak (ran beside the other files) ---\n${soakOutput}`);
process.exit(restCode || soakCode);
