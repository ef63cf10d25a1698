/**
 * Starts the real `framewire serve` on 127.0.0.1, port 0, and waits for its ready line
 * ("Framewire ready: http://HOST:PORT/"). Logs (JSON lines on stderr) are kept for error messages.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** E2E_SERVER_BIN runs another build of the command (e.g. an installed release) against the same tests. */
export const SERVER_BIN = process.env.E2E_SERVER_BIN ?? fileURLToPath(new URL('../../server/bin/framewire.js', import.meta.url));
export const SERVER_DIST = fileURLToPath(new URL('../../server/dist/main.js', import.meta.url));

export interface StartServerOptions {
  /** `NAME=SOURCE` pairs, e.g. ['demo=demo', 'cam=stdin']. */
  streams: string[];
  /** Piped into the server's standard input (for a `stdin` stream). */
  stdin?: Readable;
  extraArgs?: string[];
  /** Listen on this port (default 0: any free port). A restart passes the port of the first run. */
  port?: number;
  readyTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface RunningServer {
  /** Base URL with a trailing slash, e.g. http://127.0.0.1:40123/ */
  url: string;
  /** ws://HOST:PORT/ */
  wsUrl: string;
  proc: ChildProcessWithoutNullStreams;
  /** stderr so far (JSON log lines), capped. */
  logs(): string;
  /** Resident set size of the server process in bytes (VmRSS from /proc/PID/status). */
  rssBytes(): number;
  /** SIGTERM, then SIGKILL after a grace period. Safe to call twice. */
  stop(): Promise<void>;
}

const LOG_CAP = 200_000;

export function serverBuilt(): boolean {
  return process.env.E2E_SERVER_BIN ? existsSync(SERVER_BIN) : existsSync(SERVER_DIST);
}

export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  if (!serverBuilt()) throw new Error(`server is not built (${SERVER_DIST} missing): run \`npm run build\` at the root`);
  const args = [SERVER_BIN, 'serve', '--host', '127.0.0.1', '--port', String(options.port ?? 0)];
  for (const s of options.streams) args.push('--stream', s);
  args.push(...(options.extraArgs ?? []));
  const proc = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let stderr = '';
  let stdout = '';
  proc.stderr.setEncoding('utf8');
  proc.stdout.setEncoding('utf8');
  proc.stderr.on('data', (d: string) => {
    stderr += d;
    if (stderr.length > LOG_CAP) stderr = stderr.slice(-LOG_CAP);
  });
  // The server may stop reading stdin (stream ended, shutting down): that is not a test error.
  proc.stdin.on('error', () => {});
  if (options.stdin) {
    options.stdin.on('error', () => {});
    options.stdin.pipe(proc.stdin);
  }
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  let alive = true;
  void exited.then(() => (alive = false));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server not ready after ${options.readyTimeoutMs ?? 20_000} ms\nargs: ${args.join(' ')}\nstdout:\n${stdout}\nstderr:\n${stderr.slice(-6000)}`));
    }, options.readyTimeoutMs ?? 20_000);
    const onData = (d: string): void => {
      stdout += d;
      const m = /Framewire ready: (http:\/\/\S+)/.exec(stdout);
      if (m?.[1]) {
        clearTimeout(timer);
        proc.stdout.off('data', onData);
        proc.stdout.on('data', () => {}); // keep draining
        resolve(m[1].endsWith('/') ? m[1] : `${m[1]}/`);
      }
    };
    proc.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready\nargs: ${args.join(' ')}\nstdout:\n${stdout}\nstderr:\n${stderr.slice(-6000)}`));
    });
  });

  const stop = async (): Promise<void> => {
    if (options.stdin) options.stdin.unpipe(proc.stdin);
    if (!alive) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    proc,
    logs: () => stderr,
    rssBytes: () => readRssBytes(proc.pid as number),
    stop,
  };
}
