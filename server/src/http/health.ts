import type { Stream } from '../pipeline/stream.js';

/** GET /healthz: cheap (no I/O, a walk over the configured streams), JSON. */
export interface HealthReport {
  /** `stopping` (503) once shutdown began, so a load balancer stops sending viewers here. */
  status: 'ok' | 'stopping';
  uptimeSeconds: number;
  streams: { total: number; live: number };
  /** WebSocket viewers now, all streams. */
  viewers: number;
}

export function healthReport(streams: ReadonlyMap<string, Stream>, viewers: number, startedAtMs: number, stopping: boolean): HealthReport {
  let live = 0;
  for (const stream of streams.values()) if (stream.state === 'live') live++;
  return {
    status: stopping ? 'stopping' : 'ok',
    uptimeSeconds: Math.round((performance.now() - startedAtMs) / 100) / 10,
    streams: { total: streams.size, live },
    viewers,
  };
}
