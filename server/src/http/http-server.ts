import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { STREAM_NAME_PATTERN } from '../config.js';
import { describeError } from '../errors.js';
import type { Stream } from '../pipeline/stream.js';
import type { WsServer } from '../transport/ws-server.js';
import { handlePublishRequest } from '../publish/http-publisher.js';
import { publishStreamName, type PublishEndpoints } from '../publish/publish-endpoints.js';
import type { WsPublisherServer } from '../publish/ws-publisher-server.js';
import { StaticFiles } from './static-files.js';

export interface HttpServerOptions {
  streams: ReadonlyMap<string, Stream>;
  wsServer: WsServer;
  /** WS/PUT/POST /publish/NAME (issue 4); absent = no publish routes besides the page. */
  publish?: { endpoints: PublishEndpoints; wsServer: WsPublisherServer };
  playerDir: string;
  logger: Logger;
}

/** Page routes → files of the player build (ARCHITECTURE.md "HTTP and WebSocket paths"). */
const PAGE_ROUTES: { pattern: RegExp; file: string }[] = [
  { pattern: /^\/$/, file: 'index.html' },
  { pattern: /^\/watch\/([^/]+)\/?$/, file: 'watch.html' },
  { pattern: /^\/embed\/([^/]+)\/?$/, file: 'embed.html' },
  { pattern: /^\/publish\/([^/]+)\/?$/, file: 'publish.html' },
];

/**
 * node:http server: pages and assets of the player, /api/streams, /healthz, and WebSocket
 * upgrades handed to WsServer. noDelay is explicit: Nagle would hold small frames for an ACK.
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const files = new StaticFiles(options.playerDir);
  const server = createServer({ noDelay: true }, (req, res) => {
    handle(req, res, options, files).catch((err: unknown) => {
      options.logger.error({ err: describeError(err), url: req.url }, 'HTTP handler failed');
      if (!res.headersSent) sendText(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => {});
    if (!options.wsServer.handleUpgrade(req, socket, head) && !options.publish?.wsServer.handleUpgrade(req, socket, head)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  // Node's default requestTimeout (300 s) would cut a PUT publisher that streams for longer;
  // a silent publisher is bounded by publishIdleTimeoutMs instead, slow headers by headersTimeout.
  server.requestTimeout = 0;
  return server;
}

async function handle(req: IncomingMessage, res: ServerResponse, options: HttpServerOptions, files: StaticFiles): Promise<void> {
  const pathname = (req.url ?? '/').split('?')[0] ?? '/';
  const publishName = publishStreamName(pathname);
  if (publishName !== null && options.publish && (req.method === 'PUT' || req.method === 'POST')) {
    handlePublishRequest(req, res, publishName, options.publish.endpoints, options.logger);
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', publishName !== null ? 'GET, HEAD, PUT, POST' : 'GET, HEAD');
    sendText(res, 405, 'method not allowed\n');
    return;
  }

  if (pathname === '/healthz') {
    sendText(res, 200, 'ok');
    return;
  }
  if (pathname === '/api/streams') {
    const body = JSON.stringify([...options.streams.values()].map((s) => s.snapshot()));
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'access-control-allow-origin': '*',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }

  let file: string | null = null;
  for (const route of PAGE_ROUTES) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    const name = match[1];
    if (name !== undefined && !STREAM_NAME_PATTERN.test(safeDecode(name))) {
      sendText(res, 404, 'no such stream name\n');
      return;
    }
    file = files.safePath(`/${route.file}`);
    break;
  }
  if (file === null) {
    file = files.safePath(pathname);
    if (file === null) {
      sendText(res, 400, 'bad path\n');
      return;
    }
  }
  if (!(await files.exists())) {
    sendText(res, 503, `player not built (${files.root} is missing): run \`npm run build\` at the repository root\n`);
    return;
  }
  if (!(await files.serve(req, res, file))) sendText(res, 404, 'not found\n');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return '';
  }
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}
