import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { resolveServerConfig, streamConfig, type ServerConfig } from './config.js';
import { createError, describeError, ServerErrorCode } from './errors.js';
import { createHttpServer } from './http/http-server.js';
import { DEFAULT_PLAYER_DIR } from './http/static-files.js';
import { createLogger } from './logger.js';
import { Stream } from './pipeline/stream.js';
import { createSource } from './sources/source-factory.js';
import type { Source } from './sources/source.js';
import { parseSourceSpec } from './sources/source-spec.js';
import { WsServer } from './transport/ws-server.js';
import { PublishEndpoints, type PublishPoint } from './publish/publish-endpoints.js';
import { PublishSource } from './publish/publish-source.js';
import { WsPublisherServer } from './publish/ws-publisher-server.js';

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
  const logger = startOptions.logger ?? createLogger(config.logLevel);
  const streams = new Map<string, Stream>();
  const sources: Source[] = [];

  const publishPoints = new Map<string, PublishPoint & { keyGenerated: boolean }>();

  for (const [name, entry] of Object.entries(config.streams)) {
    const { source: sourceText, key } = streamConfig(entry);
    const stream = new Stream({
      name,
      logger,
      gopCacheMaxFrames: config.gopCacheMaxFrames,
      gopCacheMaxBytes: config.gopCacheMaxBytes,
      statsWindowMs: config.statsWindowMs,
    });
    streams.set(name, stream);
    const custom = startOptions.sources?.[name];
    const source = custom ? custom(stream) : createSource(parseSourceSpec(sourceText, name), stream, config, logger.child({ stream: name }));
    sources.push(source);
    if (source instanceof PublishSource) {
      // No key configured: an open publish point would let anyone on the network replace the
      // picture, so a random one is made for this run and printed (main.ts) and logged.
      const keyGenerated = key === undefined;
      const publishKey = key ?? randomBytes(12).toString('base64url');
      if (keyGenerated) logger.warn({ stream: name, key: publishKey }, `stream "${name}": no publish key configured, generated one for this run`);
      publishPoints.set(name, { name, source, key: publishKey, keyGenerated });
    }
  }
  const endpoints = new PublishEndpoints(publishPoints, new Set(streams.keys()));
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
  });
  const http = createHttpServer({ streams, wsServer: ws, publish: { endpoints, wsServer: publishWs }, playerDir: config.playerDir ?? DEFAULT_PLAYER_DIR, logger });
  try {
    await listen(http, config.host, config.port);
  } catch (err) {
    await ws.close();
    await publishWs.close();
    throw err;
  }
  const port = (http.address() as AddressInfo).port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${shownHost}:${port}/`;
  logger.info({ url, host: config.host, port }, 'listening');

  for (const source of sources) source.start();

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await ws.close();
      await publishWs.close();
      await Promise.all(
        sources.map((s) => s.stop().catch((err: unknown) => logger.warn({ err: describeError(err) }, 'source stop failed'))),
      );
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      logger.info('stopped');
    })();
    return closing;
  };

  return { url, port, host: config.host, config, streams, ws, publish: publishPoints, logger, close };
}

function listen(server: Server, host: string, port: number): Promise<void> {
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
