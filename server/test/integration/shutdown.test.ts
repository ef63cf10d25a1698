import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ensureBuilt, spawnFramewire } from '../support/built-server.js';

const LAVFI = 'ffmpeg:-re -f lavfi -i testsrc2=size=320x240:rate=30';
const dir = mkdtempSync(join(tmpdir(), 'fw-shutdown-'));
let server: ChildProcessWithoutNullStreams | null = null;

beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  server = null;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Live (not zombie) processes whose parent is `pid`. */
function childrenOf(pid: number): { pid: number; args: string }[] {
  const out: { pid: number; args: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === pid && state !== 'Z') out.push({ pid: Number(entry), args: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Starts `framewire serve` and resolves with its URL once it printed the ready line. */
async function serve(args: string[]): Promise<{ proc: ChildProcessWithoutNullStreams; url: string; stderr: () => string }> {
  const proc = spawnFramewire(['serve', '--host', '127.0.0.1', '--port', '0', ...args]);
  server = proc;
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`no ready line in 10 s; stderr: ${stderr}`)), 10_000);
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /Framewire ready: (\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once('exit', (code) => reject(new Error(`server exited (${code}) before it was ready: ${stderr}`)));
  });
  return { proc, url, stderr: () => stderr };
}

/** A viewer that resolves `firstFrame` on its first media message and `closed` with the close code. */
function viewer(url: string): { firstFrame: Promise<void>; closed: Promise<number> } {
  const ws = new WebSocket(url);
  ws.on('error', () => {});
  return {
    firstFrame: new Promise((resolve) => ws.on('message', (_d, binary) => binary && resolve())),
    closed: new Promise((resolve) => ws.once('close', (code) => resolve(code))),
  };
}

function exited(proc: ChildProcessWithoutNullStreams): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('graceful shutdown of the real command', () => {
  it('SIGTERM: viewers closed with 1001, ffmpeg stopped, exit code 0 well within 5 s', async () => {
    const { proc, url, stderr } = await serve(['--stream', 'demo=demo', '--stream', `lav=${LAVFI}`]);
    const demo = viewer(`${url.replace('http', 'ws')}live/demo`);
    const lav = viewer(`${url.replace('http', 'ws')}live/lav`);
    await Promise.all([demo.firstFrame, lav.firstFrame]); // ffmpeg is running and delivering
    const ffmpeg = childrenOf(proc.pid!).filter((c) => c.args.includes('testsrc2'));
    expect(ffmpeg).toHaveLength(1);

    const exit = exited(proc);
    const t0 = performance.now();
    proc.kill('SIGTERM');
    const [demoCode, lavCode, { code, signal }] = await Promise.all([demo.closed, lav.closed, exit]);
    const elapsed = performance.now() - t0;
    console.log(`SIGTERM → exit in ${elapsed.toFixed(0)} ms`);

    expect(demoCode).toBe(1001);
    expect(lavCode).toBe(1001);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(elapsed).toBeLessThan(5000);
    expect(alive(ffmpeg[0]!.pid), 'ffmpeg still running after the server exited').toBe(false);
    expect(stderr()).toMatch(/"msg":"shut down"/);
  });

  it('an ffmpeg that ignores SIGTERM is killed at the deadline: exit (code 1) still within 5 s, no process left', async () => {
    // Stands in for a stuck ffmpeg: ignores SIGTERM, produces nothing. With a stop timeout longer
    // than the shutdown deadline, only main.ts's deadline can end it.
    const stubborn = join(dir, 'stubborn-ffmpeg');
    const ready = join(dir, 'stubborn-ready');
    writeFileSync(stubborn, `#!${process.execPath}\nprocess.on('SIGTERM', () => {});\nrequire('node:fs').writeFileSync(${JSON.stringify(ready)}, '1');\nsetInterval(() => {}, 1000);\n`);
    chmodSync(stubborn, 0o755);
    const { proc } = await serve(['--stream', `stuck=${LAVFI}`, '--ffmpeg-path', stubborn, '--source-stop-timeout-ms', '20000']);
    // Until the stub has set its handler, SIGTERM would still kill it.
    for (let i = 0; i < 100 && !existsSync(ready); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const children = childrenOf(proc.pid!);
    expect(children).toHaveLength(1);

    const exit = exited(proc);
    const t0 = performance.now();
    proc.kill('SIGTERM');
    const { code } = await exit;
    const elapsed = performance.now() - t0;
    console.log(`SIGTERM with a stuck ffmpeg → exit in ${elapsed.toFixed(0)} ms`);
    expect(code).toBe(1);
    expect(elapsed).toBeGreaterThan(4000);
    expect(elapsed).toBeLessThan(5000);
    await new Promise((resolve) => setTimeout(resolve, 100)); // SIGKILL delivery
    expect(alive(children[0]!.pid), 'the stuck ffmpeg outlived the server').toBe(false);
  });
});
