import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerMetrics } from './metrics.js';

export interface MetricsRouteOptions {
  metrics: ServerMetrics;
  /** Config metricsAllowRemote: serve other machines too. */
  allowRemote: boolean;
}

/**
 * GET /metrics. By default only for this machine: a loopback peer whose request carries no
 * proxy forwarding header (a reverse proxy on the same host connects from loopback on behalf of
 * anyone, so a forwarded request is treated as remote).
 */
export async function handleMetricsRequest(req: IncomingMessage, res: ServerResponse, options: MetricsRouteOptions): Promise<void> {
  if (!options.allowRemote && !isLocalRequest(req)) {
    res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end('/metrics is served to this machine only (set metricsAllowRemote: true to allow other machines)\n');
    return;
  }
  const body = await options.metrics.render();
  res.writeHead(200, { 'content-type': options.metrics.contentType, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms, not forwarded by a proxy. */
export function isLocalRequest(req: IncomingMessage): boolean {
  if (req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined || req.headers['x-real-ip'] !== undefined) return false;
  const address = req.socket.remoteAddress ?? '';
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}
