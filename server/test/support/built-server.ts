import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** The `framewire` command as users run it (server/bin/framewire.js → server/dist/main.js). */
export const FRAMEWIRE_BIN = join(REPO, 'server/bin/framewire.js');

/**
 * Tests that run the real command need server/dist (and shared/dist, which it imports) to match
 * the sources: vitest itself reads TypeScript, but a child `node` cannot. Rebuilt with tsc when
 * any source file is newer than the build (a few seconds; nothing when `npm run build` ran).
 */
export function ensureBuilt(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  for (const [pkg, output] of [['shared', 'dist/index.js'], ['server', 'dist/main.js']] as const) {
    const dir = join(REPO, pkg);
    let built = 0;
    try {
      built = statSync(join(dir, output)).mtimeMs;
    } catch {
      // not built yet
    }
    if (newestMtime(join(dir, 'src')) > built) execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.build.json')], { stdio: 'inherit' });
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `framewire ARGS` to its end (config, --help, schema). */
export function runFramewire(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 10_000): Promise<CommandResult> {
  const child = spawnFramewire(args, env);
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`framewire ${args.join(' ')} did not end within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * `node server/bin/framewire.js ARGS` with a clean FRAMEWIRE_* environment (the test runner's
 * own variables must not leak into the config under test) plus `env`.
 */
export function spawnFramewire(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcessWithoutNullStreams {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('FRAMEWIRE_')));
  return spawn(process.execPath, [FRAMEWIRE_BIN, ...args], { cwd: REPO, env: { ...base, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
}
