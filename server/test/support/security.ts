import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { RunningServer } from '../../src/index.js';
import { liveUrl, Viewer } from './viewer.js';

/**
 * The "other viewer" of the security tests connects from 127.0.0.2 (Linux routes all of
 * 127.0.0.0/8 to loopback): an attack from 127.0.0.1 and the per-address limit must not touch it.
 */
export const HEALTHY_ADDRESS = '127.0.0.2';

/** A viewer from HEALTHY_ADDRESS that counts frames per time window. */
export class HealthyViewer extends Viewer {
  constructor(server: RunningServer, stream = 'demo') {
    super(liveUrl(server.url, stream), { localAddress: HEALTHY_ADDRESS });
  }

  /** Media frames per second received in [from, to] (performance.now() times), and the largest gap. */
  rate(from: number, to: number): { fps: number; frames: number; maxGapMs: number } {
    const times = this.frames.map((f) => f.receivedAt).filter((t) => t >= from && t <= to);
    let maxGapMs = times.length > 0 ? Math.max(times[0]! - from, to - times[times.length - 1]!) : to - from;
    for (let i = 1; i < times.length; i++) maxGapMs = Math.max(maxGapMs, times[i]! - times[i - 1]!);
    return { fps: (times.length * 1000) / (to - from), frames: times.length, maxGapMs };
  }

  /** Waits for live frames (past the cached-GOP burst at join). */
  async warmUp(): Promise<void> {
    await this.untilFrames(40, 5000);
  }
}

/** Runs `attack` and measures the healthy viewer's frame rate over the same time. */
export async function rateDuring(viewer: HealthyViewer, attack: () => Promise<unknown>): Promise<{ fps: number; frames: number; maxGapMs: number; ms: number }> {
  const from = performance.now();
  await attack();
  const to = performance.now();
  return { ...viewer.rate(from, to), ms: to - from };
}

export interface RawResult {
  /** Everything the server sent. */
  text: string;
  /** The HTTP status of the first response line, if any. */
  status: number | null;
  /** ms from connect until the server closed the connection (null: still open at the deadline). */
  closedAfterMs: number | null;
}

/**
 * A raw TCP client: writes `chunks` (each after `gapMs`), collects the answer until the server
 * closes or `deadlineMs` passes. Byte-exact (no client library normalises anything).
 */
export function rawExchange(
  port: number,
  chunks: (string | Buffer)[],
  options: { gapMs?: number; deadlineMs?: number; localAddress?: string; until?: (text: string) => boolean } = {},
): Promise<RawResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket: Socket = connect({ port, host: '127.0.0.1', ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    let text = '';
    let timer: NodeJS.Timeout | null = null;
    let writer: NodeJS.Timeout | null = null;
    let finished = false;
    const finish = (closedAfterMs: number | null) => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      if (writer) clearInterval(writer);
      socket.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : null, closedAfterMs });
    };
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (options.until?.(text)) finish(performance.now() - started);
    });
    socket.on('error', () => {});
    socket.on('close', () => finish(performance.now() - started));
    socket.on('connect', () => {
      const queue = [...chunks];
      if (!options.gapMs) {
        for (const c of queue) socket.write(c);
        return;
      }
      writer = setInterval(() => {
        const next = queue.shift();
        if (next === undefined) {
          if (writer) clearInterval(writer);
          return;
        }
        if (!socket.destroyed) socket.write(next);
      }, options.gapMs);
    });
    timer = setTimeout(() => finish(null), options.deadlineMs ?? 5000);
  });
}

/** A WebSocket handshake request for PATH, as bytes. */
export function upgradeRequest(path: string, headers: Record<string, string> = {}): string {
  const lines = [
    `GET ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export interface HandshakeOutcome {
  /** The HTTP status when the server refused the handshake. */
  status: number | null;
  /** The subprotocol the server selected, when the WebSocket opened. */
  protocol: string | null;
  closeCode: number | null;
  closeReason: string;
  /** Text messages received before the close. */
  texts: string[];
  /** Binary messages received before the close (or the deadline). */
  binaries: number;
}

/**
 * Opens a WebSocket with `protocols` and `headers` and reports what happened: refused with a status,
 * or opened (then closed by the server, or still open after `openMs`, then closed by us).
 */
export function handshake(url: string, options: { protocols?: string[]; headers?: Record<string, string>; openMs?: number; localAddress?: string } = {}): Promise<HandshakeOutcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options.protocols ?? [], {
      perMessageDeflate: false,
      headers: options.headers ?? {},
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
    const out: HandshakeOutcome = { status: null, protocol: null, closeCode: null, closeReason: '', texts: [], binaries: 0 };
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve(out);
    };
    ws.on('unexpected-response', (req, res) => {
      out.status = res.statusCode ?? 0;
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        out.closeReason = body;
        req.destroy();
        finish();
      });
    });
    ws.on('error', () => finish());
    ws.on('open', () => {
      out.protocol = ws.protocol;
      setTimeout(() => {
        ws.terminate();
        finish();
      }, options.openMs ?? 1000);
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) out.binaries++;
      else out.texts.push(data.toString());
    });
    ws.on('close', (code, reason) => {
      if (out.closeCode === null && out.status === null && out.protocol !== null) {
        out.closeCode = code;
        out.closeReason = reason.toString();
      }
      finish();
    });
  });
}

/** One sample of the Prometheus text at /metrics (`name{labels}` exactly as printed). */
export async function metric(server: RunningServer, series: string): Promise<number> {
  const text = await (await fetch(`${server.url}metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`no series ${series} in /metrics`);
  return Number(line.slice(series.length + 1));
}

/**
 * A self-signed certificate for 127.0.0.1/localhost, made with openssl at test time.
 * Fails with the install command when openssl is missing (tests must not be skipped).
 */
export function selfSignedCert(): { cert: string; key: string; certPem: Buffer; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fw-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', key, '-out', cert,
    ], { stdio: 'pipe' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('openssl is needed to make a test certificate: sudo apt-get install -y openssl (macOS: brew install openssl)');
    }
    throw err;
  }
  return { cert, key, certPem: readFileSync(cert), dir };
}
