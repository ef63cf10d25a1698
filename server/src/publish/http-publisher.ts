import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { PublisherHandle } from './publish-source.js';
import { publishKeyFrom, type PublishEndpoints, type PublishRefusal } from './publish-endpoints.js';

/**
 * PUT/POST /publish/NAME: the request body is Annex-B H.264, normally chunked and open for as
 * long as the encoder runs (`ffmpeg … -f h264 -method PUT http://HOST/publish/NAME?key=KEY`:
 * ffmpeg's http protocol sends `Transfer-Encoding: chunked` and writes each packet as it is
 * muxed). The response is sent when the body ends: 204. Refusals answer at once and close the
 * connection, so the client's next write fails instead of streaming into the void.
 */
export function handlePublishRequest(
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  endpoints: PublishEndpoints,
  logger: Logger,
): void {
  const originRefusal = endpoints.originRefusal(req);
  if (originRefusal) {
    refuse(res, name, originRefusal, logger);
    return;
  }
  const auth = endpoints.authorize(name, publishKeyFrom(req));
  if (!auth.ok) {
    refuse(res, name, auth.refusal, logger);
    return;
  }
  const description = `http ${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
  const handle: PublisherHandle | null = auth.point.source.attach({
    description,
    kick: (reason, message) => {
      // Ended here, not on the socket's 'close': the stream must not wait for the teardown.
      handle?.end(message);
      // The body may still be arriving: only closing the socket stops it (after the answer is out).
      if (res.headersSent) {
        req.socket.destroy();
        return;
      }
      res.writeHead(reason === 'idle' ? 408 : 503, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(`${message}\n`, () => req.socket.destroy());
    },
    closing: () => req.complete || req.destroyed,
  });
  if (!handle) {
    refuse(res, name, endpoints.conflict(name), logger);
    return;
  }
  // A publish runs for hours: no request or socket timeouts on this connection (http-server.ts
  // sets requestTimeout 0; publishIdleTimeoutMs bounds silence instead).
  req.socket.setTimeout(0);
  req.on('data', (chunk: Buffer) => handle.push(chunk));
  req.once('end', () => {
    handle.end('end of request body');
    if (!res.headersSent) {
      res.writeHead(204);
      res.end();
    }
  });
  // 'close' after 'end' is harmless: end() runs once.
  req.once('close', () => handle.end('publisher connection closed'));
  req.once('error', (err) => handle.end(`request error: ${err.message}`));
}

function refuse(res: ServerResponse, name: string, refusal: PublishRefusal, logger: Logger): void {
  logger.info({ stream: name, status: refusal.status, reason: refusal.message }, 'publisher refused');
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', connection: 'close' };
  if (refusal.status === 401) headers['www-authenticate'] = 'Bearer realm="framewire publish"';
  if (refusal.status === 405) headers.allow = 'GET, HEAD';
  res.writeHead(refusal.status, headers);
  res.end(`${refusal.message}\n`);
  // A refused encoder may go on sending its body: read and discard it for a moment so the
  // response is not lost to a TCP reset, then cut the connection.
  res.req.resume();
  res.once('finish', () => setTimeout(() => res.req.socket.destroy(), REFUSED_LINGER_MS).unref());
}

const REFUSED_LINGER_MS = 1000;
