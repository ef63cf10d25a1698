import type { StreamState } from '@framewire/shared';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Stream } from '../pipeline/stream.js';
import { PUBLISH_REFUSAL_REASONS, type PublishEndpoints } from '../publish/publish-endpoints.js';
import type { ViewerTotals, WsServer } from '../transport/ws-server.js';
import { CONNECTION_REFUSAL_REASONS, type ConnectionLimits } from '../security/connection-limits.js';
import type { ViewerCounts } from '../security/viewer-limits.js';
import { VIEWER_REFUSAL_REASONS, VIEWER_TRANSPORTS, type ViewerAccess } from '../security/viewer-access.js';

export interface MetricsSources {
  streams: ReadonlyMap<string, Stream>;
  ws: Pick<WsServer, 'totalsByStream'>;
  publish: Pick<PublishEndpoints, 'refused'>;
  /** Viewers refused by reason (security/viewer-access.ts); absent = the counter stays at 0. */
  viewerRefusals?: Pick<ViewerAccess, 'refused'>;
  /** Connections refused by reason (security/connection-limits.ts). */
  connectionRefusals?: Pick<ConnectionLimits, 'refused'>;
  /** LL-HLS clients (hls/hls-clients.ts); absent = the gauge stays at 0. */
  hlsViewers?: ViewerCounts;
}

const STATES: readonly StreamState[] = ['idle', 'starting', 'live', 'waiting', 'ended', 'error'];

/**
 * Upper bounds (seconds) of the server-latency histogram. The clock is Date.now() on both ends
 * (whole ms), so the first buckets are 1 ms apart; the budget is < 1 ms (ARCHITECTURE.md) plus
 * the 2 ms idle flush for Annex-B input (stdin, publishers).
 */
const LATENCY_BUCKETS = [0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1];

/**
 * Prometheus metrics (prom-client), one registry per server. Almost everything is read at scrape
 * time from counters the server keeps anyway (Stream, WsServer, PublishEndpoints): a `collect()`
 * per metric, so the media path does no work for metrics except the latency histogram, which
 * needs one observation per access unit (a clock read and prom-client's observe(), see
 * test/metrics/metrics-cost.test.ts for its cost).
 */
export class ServerMetrics {
  readonly registry = new Registry();

  constructor(sources: MetricsSources) {
    const { streams, ws, publish, viewerRefusals, connectionRefusals, hlsViewers } = sources;
    const registers = [this.registry];
    const perStream = <T>(read: (stream: Stream) => T) => [...streams.values()].map((s) => [s.name, read(s)] as const);

    const perViewerTotals = (field: keyof ViewerTotals) => () => {
      const totals = ws.totalsByStream();
      return [...streams.keys()].map((name) => [name, totals.get(name)?.[field] ?? 0] as const);
    };
    gaugeFrom('framewire_viewers', 'WebSocket viewers connected now', perViewerTotals('viewers'));
    gaugeFrom('framewire_hls_viewers', 'LL-HLS clients (address + User-Agent) that asked for the playlist in the last 10–15 s', () => perStream((s) => hlsViewers?.of(s.name) ?? 0));
    counterFrom('framewire_bytes_sent_total', 'Media bytes handed to WebSocket viewer sockets', perViewerTotals('bytesSent'));
    counterFrom('framewire_frames_sent_total', 'Access units handed to WebSocket viewer sockets', perViewerTotals('framesSent'));
    counterFrom('framewire_dropped_frames_total', 'Access units not sent to viewers that fell behind (they resume at the next key frame)', () => perStream((s) => s.droppedFrames));
    counterFrom('framewire_ingest_frames_total', 'Access units received from the source', () => perStream((s) => s.framesIn));
    counterFrom('framewire_ingest_bytes_total', 'Bytes of access units received from the source (as sent to viewers)', () => perStream((s) => s.bytesIn));
    counterFrom('framewire_source_restarts_total', 'Times the source (ffmpeg) was started again after it exited or failed', () => perStream((s) => s.sourceRestarts));
    gaugeFrom('framewire_ingest_fps', 'Access units received per second over statsWindowMs', () => perStream((s) => s.ingestRates().fps));
    gaugeFrom('framewire_ingest_bitrate_bits_per_second', 'Bits received per second over statsWindowMs', () => perStream((s) => s.ingestRates().bitsPerSecond));
    new Gauge({
      name: 'framewire_stream_state',
      help: 'The state of each stream: 1 for its current state, 0 for the others',
      labelNames: ['stream', 'state'],
      registers,
      collect() {
        for (const stream of streams.values()) for (const state of STATES) this.set({ stream: stream.name, state }, stream.state === state ? 1 : 0);
      },
    });
    new Counter({
      name: 'framewire_publish_refused_total',
      help: `Publish attempts refused, by reason (${PUBLISH_REFUSAL_REASONS.join(', ')})`,
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const reason of PUBLISH_REFUSAL_REASONS) this.inc({ reason }, publish.refused.get(reason) ?? 0);
      },
    });
    new Counter({
      name: 'framewire_viewer_refused_total',
      help: `Viewers refused, by transport (ws, hls) and reason (${VIEWER_REFUSAL_REASONS.join(', ')})`,
      labelNames: ['transport', 'reason'],
      registers,
      collect() {
        this.reset();
        for (const transport of VIEWER_TRANSPORTS) {
          for (const reason of VIEWER_REFUSAL_REASONS) this.inc({ transport, reason }, viewerRefusals?.refused.get(`${transport}:${reason}`) ?? 0);
        }
      },
    });
    new Counter({
      name: 'framewire_connections_refused_total',
      help: `Connections refused before any request was served, by reason (${CONNECTION_REFUSAL_REASONS.join(', ')})`,
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const reason of CONNECTION_REFUSAL_REASONS) this.inc({ reason }, connectionRefusals?.refused.get(reason) ?? 0);
      },
    });
    const latency = new Histogram({
      name: 'framewire_server_latency_seconds',
      help: 'Access unit arrival at the server (captureTimeMs) until it was handed to every viewer socket, once per access unit with viewers',
      labelNames: ['stream'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    for (const stream of streams.values()) {
      // One child per stream, made here; each observe() is ~0.4 µs (metrics-cost.test.ts), once per
      // access unit per stream whatever the number of viewers. zero(): the series exists before the
      // first viewer. A clock step backwards would give a negative delay: counted as 0.
      const child = latency.labels({ stream: stream.name });
      latency.zero({ stream: stream.name });
      stream.observeDelivery((ms) => child.observe(ms > 0 ? ms / 1000 : 0));
    }

    function counterFrom(name: string, help: string, read: () => (readonly [string, number])[]): void {
      new Counter({
        name,
        help,
        labelNames: ['stream'],
        registers,
        collect() {
          this.reset();
          for (const [stream, value] of read()) this.inc({ stream }, value);
        },
      });
    }
    function gaugeFrom(name: string, help: string, read: () => (readonly [string, number])[]): void {
      new Gauge({
        name,
        help,
        labelNames: ['stream'],
        registers,
        collect() {
          for (const [stream, value] of read()) this.set({ stream }, value);
        },
      });
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition format: this server's metrics, then the process's. */
  async render(): Promise<string> {
    const [own, process] = await Promise.all([this.registry.metrics(), processRegistry().metrics()]);
    return `${own.trimEnd()}\n${process}`;
  }
}

let processMetrics: Registry | null = null;

/**
 * process_* (CPU, resident memory, open fds) and nodejs_* (event-loop lag, heap, GC): what a soak
 * test watches. Once per process, not per server: prom-client starts an event-loop monitor and a
 * GC observer for them that it never stops, and they describe the process anyway.
 */
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}
