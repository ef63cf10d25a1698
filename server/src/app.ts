import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { resolveServerConfig, streamConfig, type ServerConfig } from './config.js';
import { createError, describeError, ServerErrorCode } from './errors.js';
import { createHttpServer, type HttpServer } from './http/http-server.js';
import { HlsService } from './hls/hls-service.js';
import { DEFAULT_PLAYER_DIR } from './http/static-files.js';
import { createLogger } from './logger.js';
import { healthReport } from './http/health.js';
import { ServerMetrics } from './metrics/metrics.js';
import { Stream } from './pipeline/stream.js';
import { OnDemandSource } from './sources/on-demand-source.js';
import { createSource } from './sources/source-factory.js';
import type { Source } from './sources/source.js';
import { parseSourceSpec } from './sources/source-spec.js';
import { WsServer } from './transport/ws-server.js';
import { PublishEndpoints, type PublishPoint } from './publish/publish-endpoints.js';
import { PublishSource } from './publish/publish-source.js';
import { WsPublisherServer } from './publish/ws-publisher-server.js';
import { ConnectionLimits } from './security/connection-limits.js';
import { OriginPolicy } from './security/origin-policy.js';
import { ViewerTokens } from './security/tokens.js';
import { ViewerAccess } from './security/viewer-access.js';
import { ViewerLimits } from './security/viewer-limits.js';

export interface RunningServer {
  /** http://HOST:PORT/ as printed (localhost for a wildcard host). */
  url: string;
  port: number;
  host: string;
  config: ServerConfig;
  streams: ReadonlyMap<string, Stream>;
  /** Viewer WebSockets (tests read session counters). */
  ws: WsServer;
  /** Publish streams: name → {source, key}; `keyGenerated` when the config gave no key. */
  publish: ReadonlyMap<string, PublishPoint & { keyGenerated: boolean }>;
  logger: Logger;
  /** Prometheus registry behind GET /metrics. */
  metrics: ServerMetrics;
  /** Viewer refusals (Origin, tokens, limits) and connection refusals, by reason (tests, metrics). */
  security: { viewers: ViewerAccess; connections: ConnectionLimits };
  /** Closes viewers with 1001, stops sources, closes the listener. Idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Use this logger instead of creating one (tests, embedding). */
  logger?: Logger;
  /** Replace a stream's source (tests feed their own byte streams); keyed by stream name. */
  sources?: Record<string, (stream: Stream) => Source>;
}

const SERVER_NAME = 'framewire/0.1.0';

/** Composition root: config → streams + sources → ws + http → listening. */
export async function startServer(partial: Partial<ServerConfig> = {}, startOptions: StartOptions = {}): Promise<RunningServer> {
  const config = resolveServerConfig(partial);
  const logger = startOptions.logger ?? createLogger(config.logLevel, config.logFormat);
  const startedAt = performance.now();
  let stopping = false;
  const streams = new Map<string, Stream>();
  const sources: Source[] = [];

  const publishPoints = new Map<string, PublishPoint & { keyGenerated: boolean }>();

  for (const [name, entry] of Object.entries(config.streams)) {
    const { source: sourceText, key, onDemand = false } = streamConfig(entry);
    const stream = new Stream({
      name,
      logger,
      gopCacheMaxFrames: config.gopCacheMaxFrames,
      gopCacheMaxBytes: config.gopCacheMaxBytes,
      statsWindowMs: config.statsWindowMs,
    });
    streams.set(name, stream);
    const custom = startOptions.sources?.[name];
    const spec = parseSourceSpec(sourceText, name);
    const makeSource = () => (custom ? custom(stream) : createSource(spec, stream, config, logger.child({ stream: name })));
    // On demand: each viewer-started run gets a fresh source (sources/on-demand-source.ts).
    const source = onDemand
      ? new OnDemandSource(
          { create: makeSource, closeAfterMs: config.onDemandCloseAfterMs, startTimeoutMs: config.onDemandStartTimeoutMs, description: `stream "${name}"` },
          stream,
          logger.child({ stream: name }),
        )
      : makeSource();
    stream.attachSource(source, { kind: spec.kind, onDemand });
    sources.push(source);
    if (source instanceof PublishSource) {
      // No key configured: an open publish point would let anyone on the network replace the
      // picture, so a random one is made for this run and printed (main.ts) and logged.
      const keyGenerated = key === undefined;
      const publishKey = key ?? randomBytes(12).toString('base64url');
      // The key itself goes to stdout only (main.ts), never into the logs a collector keeps.
      if (keyGenerated) logger.warn({ stream: name }, `stream "${name}": no publish key configured, generated one for this run (printed with the publish URL)`);
      publishPoints.set(name, { name, source, key: publishKey, keyGenerated });
    }
  }
  const endpoints = new PublishEndpoints(publishPoints, new Set(streams.keys()), new OriginPolicy(config.publishAllowedOrigins));
  const tls = await readTlsFiles(config);
  const connectionLimits = new ConnectionLimits({ maxPerIp: config.maxConnectionsPerIp, tls: tls !== undefined, logger });
  const streamSettings = (name: string) => {
    const entry = config.streams[name];
    return entry === undefined ? undefined : streamConfig(entry);
  };
  const viewerAccess = new ViewerAccess({
    origins: new OriginPolicy(config.allowedOrigins),
    tokens: config.viewerTokenSecret === null ? null : new ViewerTokens(config.viewerTokenSecret),
    requiresToken: (name) => streamSettings(name)?.requireViewerToken ?? config.requireViewerToken,
    logger,
  });
  const viewerLimits = new ViewerLimits({
    maxViewers: config.maxViewers,
    perStream: (name) => streamSettings(name)?.maxViewers ?? config.maxViewersPerStream,
  });
  const publishWs = new WsPublisherServer({
    endpoints,
    logger,
    maxPayloadBytes: config.publishMaxPayloadBytes,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
  });

  const ws = new WsServer({
    streams,
    logger,
    maxViewerBufferedBytes: config.maxViewerBufferedBytes,
    viewerMaxPayloadBytes: config.viewerMaxPayloadBytes,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    serverName: SERVER_NAME,
    access: viewerAccess,
    limits: viewerLimits,
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    onHandshakeTimeout: () => connectionLimits.count('handshake_timeout'),
  });
  const hls = new HlsService({
    streams,
    logger,
    partTargetMs: config.hlsPartTargetMs,
    segmentTargetMs: config.hlsSegmentTargetMs,
    windowSegments: config.hlsWindowSegments,
    blockTimeoutMs: config.hlsBlockTimeoutMs,
    idleTimeoutMs: config.hlsIdleTimeoutMs,
    limits: viewerLimits,
  });
  // One limit over both kinds of viewer (security/viewer-limits.ts).
  viewerLimits.count(ws.viewers);
  viewerLimits.count(hls.viewers);
  const metrics = new ServerMetrics({ streams, ws, publish: endpoints, viewerRefusals: viewerAccess, connectionRefusals: connectionLimits, hlsViewers: hls.viewers });
  let http: HttpServer;
  try {
    http = createHttpServer({
      streams,
      wsServer: ws,
      publish: { endpoints, wsServer: publishWs },
      playerDir: config.playerDir ?? DEFAULT_PLAYER_DIR,
      logger,
      hls,
      health: () => healthReport(streams, ws.viewerCount, startedAt, stopping),
      metrics: { metrics, allowRemote: config.metricsAllowRemote },
      ...(tls ? { tls } : {}),
      handshakeTimeoutMs: config.handshakeTimeoutMs,
      limits: connectionLimits,
      viewerAccess,
      apiAllowRemote: config.apiAllowRemote,
    });
  } catch (err) {
    await ws.close();
    await publishWs.close();
    hls.close();
    // node:tls refuses a certificate or key it cannot parse, or a key that does not match.
    throw createError(ServerErrorCode.CONFIG_INVALID, `config: tlsCert/tlsKey: not a usable PEM certificate and private key: ${(err as Error).message}`, { key: 'tlsCert', cause: err });
  }
  try {
    await listen(http, config.host, config.port);
  } catch (err) {
    await ws.close();
    await publishWs.close();
    hls.close();
    throw err;
  }
  const port = (http.address() as AddressInfo).port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${tls ? 'https' : 'http'}://${shownHost}:${port}/`;
  logger.info({ url, host: config.host, port }, 'listening');

  for (const source of sources) source.start();

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      stopping = true;
      // The 1001 close frames go out at once (synchronously in ws.close()); then the close
      // handshakes (≤ 2 s) and the sources' exits (ffmpeg: ≤ sourceStopTimeoutMs) are waited for
      // together, not one after the other, to stay inside main.ts's 5 s shutdown deadline.
      const viewersClosed = ws.close();
      const publishersClosed = publishWs.close();
      hls.close();
      await Promise.all([
        viewersClosed,
        publishersClosed,
        ...sources.map((s) => s.stop().catch((err: unknown) => logger.warn({ err: describeError(err) }, 'source stop failed'))),
      ]);
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      logger.info('stopped');
    })();
    return closing;
  };

  return {
    url, port, host: config.host, config, streams, ws, publish: publishPoints, logger, metrics,
    security: { viewers: viewerAccess, connections: connectionLimits },
    close,
  };
}

/** tlsCert + tlsKey → their PEM contents; undefined without TLS. Errors name the key and the file. */
async function readTlsFiles(config: ServerConfig): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  if (config.tlsCert === null || config.tlsKey === null) return undefined;
  const read = async (key: 'tlsCert' | 'tlsKey', file: string) => {
    try {
      return await readFile(file);
    } catch (err) {
      throw createError(ServerErrorCode.CONFIG_INVALID, `config: ${key}: cannot read "${file}": ${(err as Error).message}`, { key, cause: err });
    }
  };
  return { cert: await read('tlsCert', config.tlsCert), key: await read('tlsKey', config.tlsKey) };
}

function listen(server: HttpServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(createError(ServerErrorCode.LISTEN_FAILED, `cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
