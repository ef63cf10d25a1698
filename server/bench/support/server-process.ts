/**
 * The built `framewire serve` in a child process of its own, so that what /proc says about it
 * (CPU time, RSS, open descriptors) is the server's alone: the viewers and publishers of a bench
 * run elsewhere (the bench process, ffmpeg).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ensureBuilt, FRAMEWIRE_BIN } from '../../test/support/built-server.js';

/** USER_HZ: /proc/PID/stat counts CPU time in these ticks; 100 on every Linux we run on (sysconf(_SC_CLK_TCK)). */
const CLOCK_TICKS_PER_SECOND = 100;

export interface LogCounts {
  /** pino levels: 40 warn, 50 error, 60 fatal. */
  warn: number;
  error: number;
  /** Lines that are not JSON (a crash's stack trace, a Node warning). */
  other: number;
  /** The first error-level and non-JSON lines, for the report. */
  samples: string[];
}

export interface ServerProcessOptions {
  /** `framewire serve` arguments after the ones this module adds (--host, --port, --log-format). */
  args: string[];
  /** Extra `node` flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
}

export class ServerProcess {
  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    readonly port: number,
    /** Counted as the server writes them, for the whole run. */
    readonly log: LogCounts,
    /** Stdout lines (the "ready" and publish URLs). */
    readonly stdout: string[],
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    ensureBuilt();
    const args = ['serve', '--host', '127.0.0.1', '--port', '0', '--log-format', 'json', ...options.args];
    // A clean FRAMEWIRE_* environment: the bench's own variables must not configure the server.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('FRAMEWIRE_')));
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), FRAMEWIRE_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end();
    const log: LogCounts = { warn: 0, error: 0, other: 0, samples: [] };
    const stdout: string[] = [];
    lines(child.stderr, (line) => countLogLine(log, line));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not print its URL within 15 s; log: ${log.samples.join(' | ')}`)), 15_000);
      lines(child.stdout, (line) => {
        stdout.push(line);
        const m = /^Framewire ready: https?:\/\/[^/]+:(\d+)\//.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`server exited (${code ?? signal}) before it was ready; log: ${log.samples.join(' | ')}`));
      });
    }).catch((err: unknown) => {
      child.kill('SIGKILL');
      throw err;
    });
    return new ServerProcess(child, port, log, stdout);
  }

  /** User + system CPU time of the server process so far, in seconds (children such as ffmpeg not included). */
  cpuSeconds(): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    // "pid (comm) state …": fields after the comm; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  }

  /** Resident set size in bytes (VmRSS). */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return Number(kb ?? 0) * 1024;
  }

  /** Open file descriptors (sockets, pipes, files, epoll, …). */
  openFds(): number {
    return readdirSync(`/proc/${this.pid}/fd`).length;
  }

  async json<T>(path: string): Promise<T> {
    return JSON.parse(await this.text(path)) as T;
  }

  /**
   * GET on a connection of its own, closed after the answer (agent: false): a pooled keep-alive
   * connection would come and go between samples and blur the server's descriptor count by one.
   */
  text(path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = httpGet({ host: '127.0.0.1', port: this.port, path, agent: false, timeout: 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${path}: ${res.statusCode}`))));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer in 10 s`)));
      req.on('error', reject);
    });
  }

  /** SIGTERM (graceful: viewers get 1001, sources stop), SIGKILL if still there after 6 s. Returns the exit code. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 6000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.trim().length > 0) onLine(line);
    }
  });
}

function countLogLine(log: LogCounts, line: string): void {
  let level: unknown;
  try {
    level = (JSON.parse(line) as { level?: unknown }).level;
  } catch {
    log.other++;
    if (log.samples.length < 20) log.samples.push(line.slice(0, 300));
    return;
  }
  if (typeof level !== 'number') return;
  if (level >= 50) {
    log.error++;
    if (log.samples.length < 20) log.samples.push(line.slice(0, 300));
  } else if (level >= 40) log.warn++;
}

/** Busy and total CPU ticks of the whole machine (/proc/stat, all cores, all processes: other work on the machine too). */
export function machineCpu(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal …: idle + iowait are not busy.
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}
