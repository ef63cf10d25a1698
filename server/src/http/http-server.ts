import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Logger } from 'pino';
import { STREAM_NAME_PATTERN } from '../config.js';
import { describeError } from '../errors.js';
import type { ConnectionLimits } from '../security/connection-limits.js';
import { applyHandshakeTimeout, CHECK_INTERVAL_MS } from '../security/handshake-timeout.js';
import type { ViewerAccess } from '../security/viewer-access.js';
import { redactSecrets } from '../sources/redact.js';
import type { Stream } from '../pipeline/stream.js';
import type { WsServer } from '../transport/ws-server.js';
import { handlePublishRequest } from '../publish/http-publisher.js';
import { publishStreamName, type PublishEndpoints } from '../publish/publish-endpoints.js';
import type { WsPublisherServer } from '../publish/ws-publisher-server.js';
import type { HlsService } from '../hls/hls-service.js';
import { handleMetricsRequest, isLocalRequest, type MetricsRouteOptions } from '../metrics/metrics-http.js';
import type { Duplex } from 'node:stream';
import type { HealthReport } from './health.js';
import { StaticFiles } from './static-files.js';

export interface HttpServerOptions {
  streams: ReadonlyMap<string, Stream>;
  wsServer: WsServer;
  /** WS/PUT/POST /publish/NAME (issue 4); absent = no publish routes besides the page. */
  publish?: { endpoints: PublishEndpoints; wsServer: WsPublisherServer };
  playerDir: string;
  logger: Logger;
  /** GET/HEAD/OPTIONS /hls/NAME/… (LL-HLS, hls/hls-routes.ts); absent = no HLS. */
  hls?: Pick<HlsService, 'handle' | 'viewers'>;
  /** GET /healthz (http/health.ts); absent = a plain `ok`. */
  health?: () => HealthReport;
  /** GET /metrics (metrics/metrics-http.ts); absent = 404. */
  metrics?: MetricsRouteOptions;
  /** Serve https:// and wss:// with this PEM certificate and key (config tlsCert, tlsKey). */
  tls?: { cert: Buffer; key: Buffer };
  /** TLS handshake and request headers must arrive within this (security/handshake-timeout.ts); absent = Node's defaults. */
  handshakeTimeoutMs?: number;
  /** Connections per address (security/connection-limits.ts). */
  limits?: ConnectionLimits;
  /** Origin allow-list and viewer tokens for /hls/ and the pages (security/viewer-access.ts). */
  viewerAccess?: ViewerAccess;
  /** GET /api/streams for other machines too (config apiAllowRemote; default false). */
  apiAllowRemote?: boolean;
}

/** node:http or node:https: the same routes either way. */
export type HttpServer = Server | HttpsServer;

/** Page routes → files of the player build (ARCHITECTURE.md "HTTP and WebSocket paths"). */
const PAGE_ROUTES: { pattern: RegExp; file: string }[] = [
  { pattern: /^\/$/, file: 'index.html' },
  { pattern: /^\/watch\/([^/]+)\/?$/, file: 'watch.html' },
  { pattern: /^\/embed\/([^/]+)\/?$/, file: 'embed.html' },
  { pattern: /^\/publish\/([^/]+)\/?$/, file: 'publish.html' },
  { pattern: /^\/grid\/?$/, file: 'grid.html' }, // ?streams=a,b,c: one player per stream
];

/**
 * node:http server: pages and assets of the player, /api/streams, /healthz, and WebSocket
 * upgrades handed to WsServer. noDelay is explicit: Nagle would hold small frames for an ACK.
 */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const files = new StaticFiles(options.playerDir);
  const { limits } = options;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    // Already answered 429 at accept (security/connection-limits.ts): nothing more to say.
    if (limits?.isRefused(req.socket)) return;
    handle(req, res, options, files).catch((err: unknown) => {
      options.logger.error({ err: describeError(err), url: redactSecrets(req.url ?? '') }, 'HTTP handler failed');
      if (!res.headersSent) sendText(res, 500, 'internal error\n');
      else res.destroy();
    });
  };
  // connectionsCheckingInterval: how often Node enforces headersTimeout (its default is 30 s).
  const common = { noDelay: true, connectionsCheckingInterval: CHECK_INTERVAL_MS };
  const server: HttpServer = options.tls
    ? createHttpsServer({ ...common, cert: options.tls.cert, key: options.tls.key, handshakeTimeout: options.handshakeTimeoutMs ?? 120_000 }, onRequest)
    : createServer(common, onRequest);
  limits?.attach(server);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    if (limits?.isRefused(req.socket)) return;
    if (!options.wsServer.handleUpgrade(req, socket, head) && !options.publish?.wsServer.handleUpgrade(req, socket, head)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const code = err.code ?? '';
    // headersTimeout passed (slowloris, or a socket that never sent a request), or the TLS handshake's.
    if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_TLS_HANDSHAKE_TIMEOUT') limits?.count('handshake_timeout');
    // Errors below HTTP (a TLS handshake that timed out or was not TLS at all, a reset): no HTTP
    // answer is possible, and node:https hands its tlsClientError here and leaves the closing to us.
    if (!socket.writable || !(code.startsWith('HPE_') || code === 'ERR_HTTP_REQUEST_TIMEOUT')) {
      socket.destroy();
      return;
    }
    // 408 Request Timeout (RFC 9110 15.5.9).
    if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    } else if (err.code === 'HPE_HEADER_OVERFLOW') socket.end('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  if (options.handshakeTimeoutMs !== undefined) applyHandshakeTimeout(server, options.handshakeTimeoutMs);
  // Node's default requestTimeout (300 s) would cut a PUT publisher that streams for longer;
  // a silent publisher is bounded by publishIdleTimeoutMs instead, slow headers by headersTimeout.
  server.requestTimeout = 0;
  return server;
}

async function handle(req: IncomingMessage, res: ServerResponse, options: HttpServerOptions, files: StaticFiles): Promise<void> {
  const pathname = (req.url ?? '/').split('?')[0] ?? '/';
  if (options.hls && pathname.startsWith('/hls/')) {
    // Origin and viewer token first (a CORS preflight carries neither: RFC 9110 / Fetch).
    const name = hlsStreamName(pathname);
    if (options.viewerAccess && req.method !== 'OPTIONS' && name !== null && !(await options.viewerAccess.authorizeHttp(req, res, name))) return;
    await options.hls.handle(req, res, pathname);
    return;
  }
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
    const report = options.health?.();
    if (!report) {
      sendText(res, 200, 'ok');
      return;
    }
    res.writeHead(report.status === 'ok' ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : JSON.stringify(report));
    return;
  }
  if (pathname === '/metrics' && options.metrics) {
    await handleMetricsRequest(req, res, options.metrics);
    return;
  }
  if (pathname === '/api/streams') {
    if (options.apiAllowRemote === false && !isLocalRequest(req)) {
      sendText(res, 403, '/api/streams is served to this machine only (set apiAllowRemote: true to allow other machines; /watch/NAME plays a stream by name)\n');
      return;
    }
    // Streams that need a viewer token are not advertised (/metrics, loopback only, lists them).
    const listed = [...options.streams.values()].filter((s) => !options.viewerAccess?.requiresToken(s.name));
    // viewers: WebSocket viewers; hlsViewers: LL-HLS clients (hls/hls-clients.ts).
    const body = JSON.stringify(listed.map((s) => ({ ...s.snapshot(), hlsViewers: options.hls?.viewers.of(s.name) ?? 0 })));
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
    // Where other sites may not play streams, they may not frame the pages either (CSP 3 frame-ancestors).
    const origins = options.viewerAccess?.origins;
    if (origins && !origins.allowsAny) res.setHeader('content-security-policy', `frame-ancestors 'self' ${origins.origins.join(' ')}`.trimEnd());
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

/** NAME of /hls/NAME/…, decoded; null when it is not a valid stream name (hls-routes.ts answers those). */
function hlsStreamName(pathname: string): string | null {
  const name = safeDecode(pathname.slice('/hls/'.length).split('/')[0] ?? '');
  return STREAM_NAME_PATTERN.test(name) ? name : null;
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
