import { describe, expect, it } from 'vitest';
import { Stream } from '../../src/pipeline/stream.js';
import { OnDemandSource } from '../../src/sources/on-demand-source.js';
import type { Source } from '../../src/sources/source.js';
import { sleep, testLogger } from '../support/fixtures.js';

/** A source that records its calls; stop() resolves when the test says so (a process exiting). */
class FakeRun implements Source {
  readonly description = 'fake';
  started = 0;
  stopped = 0;
  restarts = 0;
  private finish: () => void = () => {};
  private readonly exited = new Promise<void>((resolve) => (this.finish = resolve));
  constructor(private readonly stopsAtOnce = true) {}
  start(): void {
    this.started++;
  }
  stop(): Promise<void> {
    this.stopped++;
    if (this.stopsAtOnce) this.finish();
    return this.exited;
  }
  exit(): void {
    this.finish();
  }
}

function setup(options: { closeAfterMs?: number; startTimeoutMs?: number; stopsAtOnce?: boolean } = {}) {
  const stream = new Stream({ name: 'od', logger: testLogger, gopCacheMaxFrames: 600, gopCacheMaxBytes: 1 << 25, statsWindowMs: 2000 });
  const runs: FakeRun[] = [];
  const source = new OnDemandSource(
    {
      create: () => {
        const run = new FakeRun(options.stopsAtOnce ?? true);
        runs.push(run);
        return run;
      },
      closeAfterMs: options.closeAfterMs ?? 100,
      startTimeoutMs: options.startTimeoutMs ?? 0,
      description: 'stream "od"',
    },
    stream,
    testLogger,
  );
  stream.attachSource(source, { kind: 'ffmpeg', onDemand: true });
  return { stream, source, runs };
}

describe('OnDemandSource', () => {
  it('is idle with no run until a viewer comes, then starts one run', async () => {
    const { stream, source, runs } = setup();
    source.start();
    expect(stream.state).toBe('idle');
    expect(stream.snapshot()).toMatchObject({ state: 'idle', onDemand: true, source: 'ffmpeg', restarts: 0 });
    expect(runs).toHaveLength(0);

    const release = stream.addViewerDemand();
    expect(stream.state).toBe('starting');
    expect(runs).toHaveLength(1);
    await sleep(0);
    expect(runs[0]!.started).toBe(1);
    expect(source.running).toBe(true);
    release();
    await source.stop();
  });

  it('stops the run closeAfterMs after the last viewer left, and goes idle', async () => {
    const { stream, source, runs } = setup({ closeAfterMs: 300 });
    source.start();
    const a = stream.addViewerDemand();
    const b = stream.addViewerDemand();
    a();
    a(); // a second release of the same viewer changes nothing
    await sleep(450);
    expect(runs[0]!.stopped).toBe(0); // b still watches
    const left = performance.now();
    b();
    await sleep(100);
    expect(runs[0]!.stopped).toBe(0);
    await sleep(400);
    expect(runs[0]!.stopped).toBe(1);
    expect(performance.now() - left).toBeGreaterThanOrEqual(300);
    expect(stream.state).toBe('idle');
    expect(source.running).toBe(false);
    await source.stop();
  });

  it('keeps the same run when a viewer comes back within the close delay', async () => {
    const { stream, source, runs } = setup({ closeAfterMs: 300 });
    source.start();
    stream.addViewerDemand()();
    await sleep(80);
    const again = stream.addViewerDemand();
    await sleep(450);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.stopped).toBe(0);
    again();
    await source.stop();
    expect(runs[0]!.stopped).toBe(1);
  });

  it('starts the next run only once the previous one has stopped (one process holds a camera)', async () => {
    const { stream, source, runs } = setup({ closeAfterMs: 0, stopsAtOnce: false });
    source.start();
    stream.addViewerDemand()();
    await sleep(20);
    expect(runs[0]!.stopped).toBe(1);
    const release = stream.addViewerDemand();
    expect(stream.state).toBe('starting');
    await sleep(20);
    expect(runs[1]!.started).toBe(0);
    runs[0]!.exit();
    await sleep(0);
    expect(runs[1]!.started).toBe(1);
    release();
    runs[1]!.exit();
    await source.stop();
  });

  it('adds the restarts of every run, so the count never goes back', async () => {
    const { stream, source, runs } = setup({ closeAfterMs: 0 });
    source.start();
    const first = stream.addViewerDemand();
    runs[0]!.restarts = 2;
    expect(stream.snapshot().restarts).toBe(2);
    first();
    await sleep(20);
    expect(stream.snapshot().restarts).toBe(2);
    const second = stream.addViewerDemand();
    runs[1]!.restarts = 1;
    expect(stream.snapshot().restarts).toBe(3);
    second();
    await source.stop();
  });

  it('puts a silent run in error after startTimeoutMs and keeps the reason when it goes idle', async () => {
    const { stream, source } = setup({ closeAfterMs: 50, startTimeoutMs: 300 });
    source.start();
    const release = stream.addViewerDemand();
    await sleep(100);
    expect(stream.state).toBe('starting');
    await sleep(400);
    expect(stream.state).toBe('error');
    expect(stream.reason).toMatch(/^SRV_ERR_SOURCE_START_TIMEOUT: no picture 300 ms after starting/);
    release();
    await sleep(200);
    expect(stream.state).toBe('idle');
    expect(stream.reason).toMatch(/the last run failed: SRV_ERR_SOURCE_START_TIMEOUT/);
    await source.stop();
  });

  it('after stop(), viewers start nothing', async () => {
    const { stream, source, runs } = setup();
    source.start();
    await source.stop();
    stream.addViewerDemand();
    expect(runs).toHaveLength(0);
  });
});
