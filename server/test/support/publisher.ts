import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { TestSocket } from './test-socket.js';
import { fixtureAccessUnitBytes, NOAUD_FIXTURE, sleep } from './fixtures.js';

/** A real ws publisher on WS /publish/NAME that records how it was closed and what it was told. */
export class WsPublisher extends TestSocket {
  readonly texts: string[] = [];

  constructor(url: string, headers: Record<string, string> = {}, protocols?: string[]) {
    super(url, { headers, ...(protocols ? { protocols } : {}) });
    this.ws.on('error', () => {});
    this.ws.on('message', (data, isBinary) => {
      if (!isBinary) this.texts.push(data.toString());
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(chunk: Uint8Array): void {
    if (this.open) this.ws.send(chunk, { binary: true });
  }

  close(): void {
    if (this.open) this.ws.close(1000, 'done');
  }
}

export function publishWsUrl(serverUrl: string, name: string, key?: string): string {
  return `${serverUrl.replace(/^http/, 'ws')}publish/${name}${key !== undefined ? `?key=${encodeURIComponent(key)}` : ''}`;
}

/**
 * The fixture's access units as an encoder would write them: one per frame interval, each cut
 * into pieces of `pieceBytes` (so NAL units and start codes straddle chunk boundaries).
 */
export async function publishFixture(
  write: (chunk: Uint8Array) => void,
  options: { frames: number; intervalMs?: number; pieceBytes?: number; from?: number; stop?: () => boolean },
): Promise<number> {
  const aus = fixtureAccessUnitBytes(NOAUD_FIXTURE);
  const piece = options.pieceBytes ?? 1000;
  let sent = 0;
  for (let i = 0; i < options.frames; i++) {
    if (options.stop?.()) break;
    const au = aus[((options.from ?? 0) + i) % aus.length]!;
    for (let at = 0; at < au.byteLength; at += piece) write(au.subarray(at, at + piece));
    sent++;
    await sleep(options.intervalMs ?? 33);
  }
  return sent;
}

/** A chunked PUT/POST to /publish/NAME that stays open until end(); response captured. */
export class HttpPublisher {
  readonly req: ClientRequest;
  readonly response: Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }>;

  constructor(serverUrl: string, name: string, options: { key?: string; method?: 'PUT' | 'POST'; headers?: Record<string, string> } = {}) {
    const url = new URL(`publish/${name}`, serverUrl);
    if (options.key !== undefined) url.searchParams.set('key', options.key);
    this.req = request(url, { method: options.method ?? 'PUT', headers: { 'transfer-encoding': 'chunked', ...options.headers } });
    this.req.on('error', () => {});
    this.response = new Promise((resolve, reject) => {
      this.req.once('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        res.once('error', reject);
      });
      this.req.once('error', reject);
    });
    this.req.flushHeaders();
  }

  write(chunk: Uint8Array): void {
    if (!this.req.destroyed) this.req.write(chunk);
  }

  end(): void {
    this.req.end();
  }
}
