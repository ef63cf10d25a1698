import { MediaFlags, type StatusMessage } from '@framewire/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamSnapshot } from '../../src/pipeline/stream.js';
import { startServer, type RunningServer } from '../../src/index.js';
import { sleep, testLogger } from '../support/fixtures.js';
import { LiveTsOrigin } from '../support/live-ffmpeg.js';
import { childProcesses } from '../support/processes.js';
import { publishWsUrl, WsPublisher } from '../support/publisher.js';
import { liveUrl, Viewer } from '../support/viewer.js';

/** A size no other stream of these tests uses: it finds the on-demand stream's ffmpeg among this process's children. */
const LAVFI_INPUT = 'testsrc2=size=352x288:rate=30';
const OD_PROCESS = [LAVFI_INPUT, 'flv'];
const CLOSE_AFTER_MS = 1500;
const KEY = 'on-demand-test-key';

async function streamRows(server: RunningServer): Promise<StreamSnapshot[]> {
  const res = await fetch(`${server.url}api/streams`);
  expect(res.status).toBe(200);
  return (await res.json()) as StreamSnapshot[];
}

async function row(server: RunningServer, name: string): Promise<StreamSnapshot> {
  const found = (await streamRows(server)).find((r) => r.name === name);
  if (!found) throw new Error(`no /api/streams row for ${name}`);
  return found;
}

/** Polls until `predicate` holds; returns performance.now() of the first poll where it did. */
async function until(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const at = performance.now();
    if (await predicate()) return at;
    if (at > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

const statuses = (v: Viewer) => v.controls.filter((m): m is StatusMessage => m.type === 'status');

describe('an on-demand ffmpeg stream (lavfi input)', () => {
  let server: RunningServer;
  const viewers: Viewer[] = [];
  const viewer = (name = 'od') => {
    const v = new Viewer(liveUrl(server.url, name));
    viewers.push(v);
    return v;
  };

  beforeAll(async () => {
    server = await startServer(
      {
        host: '127.0.0.1',
        port: 0,
        streams: {
          od: { source: `ffmpeg:-re -f lavfi -i ${LAVFI_INPUT}`, onDemand: true },
          pub: { source: 'publish', key: KEY },
        },
        onDemandCloseAfterMs: CLOSE_AFTER_MS,
      },
      { logger: testLogger },
    );
  });
  afterAll(async () => {
    for (const v of viewers) v.close();
    await server?.close();
  });

  it('is idle, with no ffmpeg process, until a viewer comes', async () => {
    await sleep(500);
    expect(await row(server, 'od')).toMatchObject({ name: 'od', state: 'idle', source: 'ffmpeg', onDemand: true, restarts: 0, viewers: 0, codec: null });
    expect((await row(server, 'od')).reason).toMatch(/on demand/);
    expect(childProcesses(OD_PROCESS)).toEqual([]);
  });

  it('starts when the first viewer connects: status starting, then live, and frames', async () => {
    const joined = performance.now();
    const a = viewer();
    await a.untilFrames(1, 10_000);
    const firstFrameMs = a.frames[0]!.receivedAt - joined;
    process.stdout.write(`on-demand (ffmpeg lavfi 352x288, x264): first frame ${firstFrameMs.toFixed(0)} ms after the viewer connected to the idle stream\n`);
    expect(statuses(a)[0]).toMatchObject({ state: 'starting' });
    expect(statuses(a).at(-1)).toMatchObject({ state: 'live' });
    expect(a.frames[0]!.flags & MediaFlags.KEY).toBeTruthy();
    expect(a.frames[0]!.flags & MediaFlags.CONFIG).toBeTruthy();
    await a.untilFrames(15, 3000);
    expect(childProcesses(OD_PROCESS)).toHaveLength(1);
    const live = await row(server, 'od');
    expect(live).toMatchObject({ state: 'live', onDemand: true, viewers: 1, width: 352, height: 288, restarts: 0 });
    expect(live.codec).toMatch(/^avc1\./);
    expect(live.reason).toBeUndefined();
    expect(firstFrameMs).toBeLessThan(5000);
  });

  it('keeps running while a second viewer stays, and for the close delay after the last one left', async () => {
    const [a] = viewers;
    const [proc] = childProcesses(OD_PROCESS);
    const b = viewer();
    await b.untilFrames(5, 3000);
    expect(statuses(b)[0]).toMatchObject({ state: 'live' }); // joined a running source: no start-up
    a!.close();
    await sleep(CLOSE_AFTER_MS + 700);
    expect(childProcesses(OD_PROCESS).map((p) => p.pid)).toEqual([proc!.pid]);
    const before = b.frames.length;
    await b.untilFrames(before + 10, 3000);
    expect(await row(server, 'od')).toMatchObject({ state: 'live', viewers: 1 });

    // The last viewer leaves, another comes back within the delay: the same run carries on.
    b.close();
    await sleep(CLOSE_AFTER_MS / 3);
    const c = viewer();
    await c.untilFrames(5, 3000);
    expect(statuses(c)[0]).toMatchObject({ state: 'live' });
    expect(childProcesses(OD_PROCESS).map((p) => p.pid)).toEqual([proc!.pid]);
  });

  it('stops the source after the close delay once the last viewer left, and is idle again', async () => {
    const c = viewers.at(-1)!;
    c.close();
    const left = performance.now();
    const idleAt = await until(async () => (await row(server, 'od')).state === 'idle', CLOSE_AFTER_MS + 3000, 'state idle');
    const goneAt = await until(() => childProcesses(OD_PROCESS).length === 0, 5000, 'the ffmpeg process to exit');
    process.stdout.write(
      `on-demand stop: idle ${(idleAt - left).toFixed(0)} ms, ffmpeg gone ${(goneAt - left).toFixed(0)} ms after the last viewer left (close delay ${CLOSE_AFTER_MS} ms)\n`,
    );
    expect(idleAt - left).toBeGreaterThanOrEqual(CLOSE_AFTER_MS - 50);
    expect(idleAt - left).toBeLessThan(CLOSE_AFTER_MS + 1500);
    expect(await row(server, 'od')).toMatchObject({ state: 'idle', viewers: 0, restarts: 0 });
  });

  it('starts a new run for the next viewer', async () => {
    const joined = performance.now();
    const d = viewer();
    await d.untilFrames(10, 10_000);
    process.stdout.write(`on-demand second start: first frame ${(d.frames[0]!.receivedAt - joined).toFixed(0)} ms after the viewer connected\n`);
    expect(statuses(d)[0]).toMatchObject({ state: 'starting' });
    expect(childProcesses(OD_PROCESS)).toHaveLength(1);
    d.close();
  });

  it('reports whether a publish stream has a publisher', async () => {
    expect(await row(server, 'pub')).toMatchObject({ state: 'waiting', source: 'publish', onDemand: false, publisher: false, restarts: 0 });
    const p = new WsPublisher(publishWsUrl(server.url, 'pub', KEY));
    await p.opened;
    await until(async () => (await row(server, 'pub')).publisher === true, 3000, 'publisher: true');
    p.close();
    await p.closed;
    await until(async () => (await row(server, 'pub')).publisher === false, 3000, 'publisher: false');
    expect((await row(server, 'od')).publisher).toBeUndefined();
  });
});

describe('source restarts on /api/streams', () => {
  const origin = new LiveTsOrigin();
  let port = 0;
  let server: RunningServer;

  beforeAll(async () => {
    port = await origin.start();
    const url = `http://127.0.0.1:${port}/live.ts`;
    server = await startServer(
      {
        host: '127.0.0.1',
        port: 0,
        streams: { pull: url, pullod: { source: url, onDemand: true } },
        sourceRestartInitialMs: 250,
        sourceRestartMaxMs: 500,
        onDemandCloseAfterMs: 1000,
      },
      { logger: testLogger },
    );
  });
  afterAll(async () => {
    await server?.close();
    await origin.stop();
  });

  it('counts each time ffmpeg is started again after the remote dropped, always-on and on demand', async () => {
    const joined = performance.now();
    const v = new Viewer(liveUrl(server.url, 'pullod'));
    await v.untilFrames(10, 12_000);
    process.stdout.write(`on-demand pulled http:// MPEG-TS (ffprobe + ffmpeg, copy): first frame ${(v.frames[0]!.receivedAt - joined).toFixed(0)} ms after the viewer connected\n`);
    await until(async () => (await row(server, 'pull')).state === 'live', 12_000, 'the always-on pull to be live');
    expect(await row(server, 'pull')).toMatchObject({ restarts: 0, source: 'url', onDemand: false });
    expect(await row(server, 'pullod')).toMatchObject({ state: 'live', restarts: 0, onDemand: true });

    await origin.stop();
    await until(async () => {
      const rows = await streamRows(server);
      return rows.every((r) => r.restarts >= 1 && r.state !== 'live');
    }, 8000, 'both streams to restart their ffmpeg');
    const down = await streamRows(server);
    await origin.start(port);
    await until(async () => (await streamRows(server)).every((r) => r.state === 'live'), 15_000, 'both streams live again');
    const up = await streamRows(server);
    for (const r of up) expect(r.restarts, r.name).toBeGreaterThanOrEqual(down.find((d) => d.name === r.name)!.restarts);
    process.stdout.write(`restarts after the remote dropped and came back: ${up.map((r) => `${r.name} ${r.restarts}`).join(', ')}\n`);
    await v.until(() => v.frames.some((f) => f.flags & MediaFlags.DISCONTINUITY), 5000, 'frames of the restarted run');

    // The count stays when the on-demand source goes idle (it is the stream's history, not the run's).
    v.close();
    await until(async () => (await row(server, 'pullod')).state === 'idle', 4000, 'pullod idle');
    expect((await row(server, 'pullod')).restarts).toBe(up.find((r) => r.name === 'pullod')!.restarts);
  }, 60_000);
});
