import type { AccessUnit } from '@framewire/shared';
import { describe, expect, it } from 'vitest';
import { ServerMetrics } from '../../src/metrics/metrics.js';
import { Stream } from '../../src/pipeline/stream.js';
import { fixtureAccessUnits, NOAUD_FIXTURE, testLogger } from '../support/fixtures.js';

/**
 * The only per-frame work metrics add to the media path is the server-latency observation in
 * Stream (one Date.now() and one prom-client Histogram observe() per access unit with viewers).
 * Everything else is read at scrape time. This measures that cost against the rest of the
 * per-frame work (encodeMediaFrame, GOP cache, fan-out to one subscriber).
 */
describe('per-frame cost of metrics', () => {
  function run(withMetrics: boolean, rounds: number): { nsPerFrame: number; observed: number } {
    const stream = new Stream({ name: 'cost', logger: testLogger, gopCacheMaxFrames: 600, gopCacheMaxBytes: 1 << 25, statsWindowMs: 2000 });
    stream.subscribe({ droppedFrames: 0, onFrame() {}, onCodec() {}, onStatus() {} });
    let observed = 0;
    if (withMetrics) {
      new ServerMetrics({ streams: new Map([['cost', stream]]), ws: { totalsByStream: () => new Map() }, publish: { refused: new Map() } });
      // Count through the installed observer, to prove it ran.
      const installed = (stream as unknown as { deliveryObserver: (ms: number) => void }).deliveryObserver;
      stream.observeDelivery((ms) => {
        observed++;
        installed(ms);
      });
    }
    const units = fixtureAccessUnits(NOAUD_FIXTURE);
    let n = 0;
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) {
      for (const raw of units) {
        const au: AccessUnit = { ...raw, dts: n * 3000, pts: n * 3000, duration: 3000, captureTimeMs: Date.now() };
        n++;
        stream.accessUnit(au);
      }
    }
    return { nsPerFrame: Number(process.hrtime.bigint() - t0) / n, observed };
  }

  it('costs a fraction of a microsecond per access unit, next to several µs for the rest of the fan-out', () => {
    // The observation alone, as Stream makes it: Date.now() and the histogram's observe().
    const stream = new Stream({ name: 'obs', logger: testLogger, gopCacheMaxFrames: 600, gopCacheMaxBytes: 1 << 25, statsWindowMs: 2000 });
    new ServerMetrics({ streams: new Map([['obs', stream]]), ws: { totalsByStream: () => new Map() }, publish: { refused: new Map() } });
    const observer = (stream as unknown as { deliveryObserver: ((ms: number) => void) | null }).deliveryObserver;
    expect(observer).not.toBeNull();
    const capture = Date.now() - 1;
    const calls = 200_000;
    for (let i = 0; i < 20_000; i++) observer!(Date.now() - capture); // warm-up (JIT)
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) observer!(Date.now() - capture);
    const nsPerObservation = Number(process.hrtime.bigint() - t0) / calls;

    // The whole per-frame path with and without it (noisy: printed for context, not asserted).
    run(true, 5);
    run(false, 5);
    const without: number[] = [];
    const withMetrics: number[] = [];
    let observed = 0;
    for (let i = 0; i < 5; i++) {
      without.push(run(false, 20).nsPerFrame);
      const measured = run(true, 20);
      withMetrics.push(measured.nsPerFrame);
      observed = measured.observed;
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[2]!;
    console.log(
      `latency observation: ${nsPerObservation.toFixed(0)} ns per access unit; whole Stream.accessUnit(): ${median(without).toFixed(0)} ns without metrics, ${median(withMetrics).toFixed(0)} ns with`,
    );
    expect(observed).toBeGreaterThan(1000); // the installed observer ran for every frame
    // Generous bound for a shared 2-core machine; a frame interval is 33 ms.
    expect(nsPerObservation).toBeLessThan(2_000);
  });

  it('reads nothing else per frame: the viewer and ingest counters are collected at scrape time', async () => {
    const stream = new Stream({ name: 'c', logger: testLogger, gopCacheMaxFrames: 600, gopCacheMaxBytes: 1 << 25, statsWindowMs: 2000 });
    let reads = 0;
    const metrics = new ServerMetrics({
      streams: new Map([['c', stream]]),
      ws: {
        totalsByStream: () => {
          reads++;
          return new Map([['c', { viewers: 3, framesSent: 7, bytesSent: 700 }]]);
        },
      },
      publish: { refused: new Map() },
    });
    expect(reads).toBe(0);
    const text = await metrics.render();
    expect(reads).toBeGreaterThan(0);
    expect(text).toContain('framewire_viewers{stream="c"} 3');
    expect(text).toContain('framewire_bytes_sent_total{stream="c"} 700');
    expect(text).toContain('framewire_frames_sent_total{stream="c"} 7');
  });
});
