import { MediaFlags, type CodecMessage, type StreamState } from '@framewire/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index.js';
import { testLogger } from '../support/fixtures.js';
import { freePort } from '../support/live-ffmpeg.js';
import { RtspTestServer } from '../support/rtsp-test-server.js';
import { liveUrl, Viewer } from '../support/viewer.js';

/**
 * rtsp:// pulled from a real RTSP server on loopback (test/support/rtsp-test-server.ts: RTSP
 * 1.0, RFC 2326, with RTP over the RTSP connection only, §10.12; the H.264 and its RTP come from
 * a real ffmpeg/x264). Framewire runs as in production: ffprobe, then ffmpeg → FLV → viewers.
 */

const SIZE = { width: 416, height: 240 };

/** The NAL units of an AVCC payload (4-byte lengths, ISO 14496-15 §5.3.3). */
function nalUnits(payload: Uint8Array): Uint8Array[] {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const out: Uint8Array[] = [];
  for (let at = 0; at + 4 <= payload.byteLength; ) {
    const length = view.getUint32(at);
    out.push(payload.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return out;
}

function statesOf(v: Viewer): StreamState[] {
  return v.controls.flatMap((m) => (m.type === 'status' ? [m.state] : []));
}

/** When the viewer was first told, after `since`, that the stream is not live. */
function notLiveSince(v: Viewer, since: number): number | undefined {
  for (const r of v.log) {
    if (r.kind === 'control' && r.receivedAt > since && r.message.type === 'status' && r.message.state !== 'live') return r.receivedAt;
  }
  return undefined;
}

async function apiStream(server: RunningServer, name: string): Promise<{ state: StreamState; reason?: string; width: number | null; height: number | null }> {
  const rows = (await (await fetch(new URL('api/streams', server.url))).json()) as { name: string; state: StreamState; reason?: string; width: number | null; height: number | null }[];
  const row = rows.find((r) => r.name === name);
  if (!row) throw new Error(`no /api/streams row for ${name}`);
  return row;
}

describe('rtsp:// pull over TCP from a real RTSP server', () => {
  // A 2 s session timeout (RFC 2326 §12.37) makes ffmpeg's keep-alive (every timeout/2) observable.
  const origin = new RtspTestServer({ size: `${SIZE.width}x${SIZE.height}`, fps: 30, gop: 30, sessionTimeoutS: 2 });
  let server: RunningServer;
  let first: Viewer;
  let startedAt = 0;
  const viewers: Viewer[] = [];

  beforeAll(async () => {
    await origin.start();
    startedAt = performance.now();
    server = await startServer(
      { host: '127.0.0.1', port: 0, streams: { cam: origin.url() }, sourceRestartInitialMs: 250, sourceRestartMaxMs: 1000 },
      { logger: testLogger },
    );
    // Connects as the server starts, so its first frame measures the source's start-up.
    first = new Viewer(liveUrl(server.url, 'cam'));
    viewers.push(first);
  });
  afterAll(async () => {
    for (const v of viewers) v.close();
    await server?.close();
    await origin.stop();
  });

  it("delivers the camera's H.264 to a viewer, copied, at its resolution and frame rate", async () => {
    await first.untilFrames(30, 10_000);
    const ttff = first.frames[0]!.receivedAt - startedAt;
    const connects = origin.requests.filter((r) => r.method === 'OPTIONS').map((r) => (r.at - startedAt).toFixed(0));
    process.stdout.write(
      `rtsp pull: first frame at the viewer ${ttff.toFixed(0)} ms after the server started (RTSP connections at ${connects.join(', ')} ms: ffprobe, ffmpeg)\n`,
    );
    expect(ttff).toBeLessThan(8000);

    const codec = first.controls.find((m) => m.type === 'codec') as CodecMessage;
    expect(codec).toMatchObject({ ...SIZE, fps: 30 });
    // x264 ultrafast is Constrained Baseline: the SDP's profile-level-id (RFC 6184 §8.1) is the codec string's.
    const profileLevelId = /profile-level-id=([0-9A-Fa-f]{6})/.exec(origin.encoderSdp)?.[1];
    expect(profileLevelId).toBeDefined();
    expect(codec.codec).toBe(`avc1.${profileLevelId!.toLowerCase()}`);

    const frames = first.frames;
    expect(frames[0]!.flags & MediaFlags.KEY).toBeTruthy();
    expect(frames[0]!.flags & MediaFlags.CONFIG).toBeTruthy();
    // Copied, not re-encoded: the SPS the viewer gets is the camera's own (sprop-parameter-sets).
    const sprop = /sprop-parameter-sets=([^,;\s]+),/.exec(origin.encoderSdp)?.[1];
    expect(sprop).toBeDefined();
    const sps = nalUnits(frames[0]!.payload).find((n) => (n[0]! & 0x1f) === 7);
    expect(Buffer.from(sps!).equals(Buffer.from(sprop!, 'base64'))).toBe(true);
    // 90 kHz timestamps one frame (3000 ticks) apart, from the RTP clock through FLV.
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.dts - frames[i - 1]!.dts).toBe(3000);
    expect(server.streams.get('cam')!.state).toBe('live');
    expect(await apiStream(server, 'cam')).toMatchObject({ state: 'live', ...SIZE });
    expect(origin.rtpPacketsRelayed).toBeGreaterThan(0);
  });

  it('asks only for RTP/AVP/TCP interleaved (ffprobe too), plays and keeps the session alive', async () => {
    await first.untilFrames(1, 10_000); // ffprobe has been and gone, ffmpeg is playing
    // Keep-alive every timeout/2 = 1 s, on the connection that is playing (ffmpeg's).
    const probeConnection = origin.requests[0]!.connection;
    const runKeepAlive = () => origin.requests.find((r) => r.method === 'GET_PARAMETER' && r.connection !== probeConnection);
    const deadline = performance.now() + 4000;
    while (!runKeepAlive() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const setups = origin.setupTransports;
    // One for ffprobe, one for ffmpeg; a client that tried UDP first would show a UDP SETUP
    // (answered 461) before its TCP one.
    expect(setups.length).toBeGreaterThanOrEqual(2);
    for (const t of setups) expect(t).toMatch(/^RTP\/AVP\/TCP;unicast;interleaved=0-1$/);

    const byConnection = new Map<number, string[]>();
    for (const r of origin.requests) byConnection.set(r.connection, [...(byConnection.get(r.connection) ?? []), r.method]);
    const [probe, run] = [...byConnection.values()];
    // ffprobe: the sequence of §10 in order; it may send a keep-alive while it reads. Its closing
    // TEARDOWN is sent without waiting for the answer and was missing in one run: not asserted.
    expect(probe!.slice(0, 4)).toEqual(['OPTIONS', 'DESCRIBE', 'SETUP', 'PLAY']);
    for (const m of probe!.slice(4)) expect(['GET_PARAMETER', 'TEARDOWN']).toContain(m);
    expect(run!.slice(0, 4)).toEqual(['OPTIONS', 'DESCRIBE', 'SETUP', 'PLAY']);
    // Nothing refused: no 461 for a UDP SETUP, no 454 for a lost session.
    expect(origin.requests.map((r) => `${r.method} ${r.status}`).filter((x) => !x.endsWith(' 200'))).toEqual([]);
    // GET_PARAMETER (listed in our OPTIONS Public header) with the session: the keep-alive of §10.8.
    const keepAlive = runKeepAlive();
    expect(keepAlive?.connection).toBe([...byConnection.keys()][1]);
    expect(keepAlive?.headers['session']).toMatch(/^fw\d+/);
  });

  it('the remote side drops and comes back: the same viewer gets pictures again, flagged as a discontinuity', async () => {
    const v = new Viewer(liveUrl(server.url, 'cam'));
    viewers.push(v);
    await v.untilFrames(10, 5000);
    const before = v.frames.length;
    const port = origin.port;

    const droppedAt = performance.now();
    await origin.stop();
    await v.until(() => notLiveSince(v, droppedAt) !== undefined, 5000, 'the stream to notice the drop');
    const noticedMs = notLiveSince(v, droppedAt)! - droppedAt;
    // Gone for a while: reconnect attempts fail (connection refused) and are retried with backoff.
    await new Promise((r) => setTimeout(r, 1500));
    const down = await apiStream(server, 'cam');
    expect(down.state).toBe('error');
    expect(down.reason).toMatch(new RegExp(`cannot open rtsp://127\\.0\\.0\\.1:${port}/cam: Connection refused`));
    expect(v.closeCode).toBeNull();

    const backAt = performance.now();
    await origin.start(port);
    await v.until(() => v.frames.slice(before).some((f) => (f.flags & MediaFlags.DISCONTINUITY) !== 0), 10_000, 'frames after the remote came back');
    const resumed = v.frames.slice(before).find((f) => f.flags & MediaFlags.DISCONTINUITY)!;
    // The new run starts at an IDR with its parameter sets, so the player re-anchors and decodes at once.
    expect(resumed.flags & MediaFlags.KEY).toBeTruthy();
    expect(resumed.flags & MediaFlags.CONFIG).toBeTruthy();
    const reconnectMs = resumed.receivedAt - backAt;
    const connects = origin.requests.filter((r) => r.method === 'OPTIONS' && r.at > backAt).map((r) => (r.at - backAt).toFixed(0));
    process.stdout.write(
      `rtsp pull: drop noticed after ${noticedMs.toFixed(0)} ms; first picture ${reconnectMs.toFixed(0)} ms after the RTSP server came back (connections at ${connects.join(', ')} ms)\n`,
    );
    expect(reconnectMs).toBeLessThan(8000);
    await v.untilFrames(v.frames.length + 15, 5000);
    expect(v.closeCode).toBeNull();
    expect(statesOf(v).at(-1)).toBe('live');
    expect(server.streams.get('cam')!.state).toBe('live');
    // The new session was pulled over TCP as well.
    expect(origin.setupTransports.every((t) => /^RTP\/AVP\/TCP;unicast;interleaved=/.test(t))).toBe(true);
  });

  it('a remote that stops sending but keeps the connection open is dropped after the socket timeout and pulled again', async () => {
    const v = new Viewer(liveUrl(server.url, 'cam'));
    viewers.push(v);
    await v.untilFrames(10, 8000);
    const before = v.frames.length;

    const frozenAt = performance.now();
    origin.freeze();
    // -timeout 5 s (RTSP_INPUT_ARGS): ffmpeg gives up after about twice that (measured ~10.2 s).
    await v.until(() => notLiveSince(v, frozenAt) !== undefined, 13_000, 'ffmpeg to give up on the silent connection');
    const stalledMs = notLiveSince(v, frozenAt)! - frozenAt;
    // The viewer is told why (ffmpeg's own last line), not just "finished".
    const status = v.controls.find((m) => m.type === 'status' && m.state !== 'live' && /timed out/i.test(m.reason ?? ''));
    expect(status, JSON.stringify(v.controls)).toBeDefined();
    origin.freeze(false);
    await v.until(() => v.frames.slice(before).some((f) => (f.flags & MediaFlags.DISCONTINUITY) !== 0), 6000, 'frames after the stall');
    const resumed = v.frames.slice(before).find((f) => f.flags & MediaFlags.DISCONTINUITY)!;
    expect(resumed.flags & MediaFlags.KEY).toBeTruthy();
    process.stdout.write(
      `rtsp pull: silent remote dropped after ${stalledMs.toFixed(0)} ms; picture again ${(resumed.receivedAt - frozenAt - stalledMs).toFixed(0)} ms later\n`,
    );
    expect(v.closeCode).toBeNull();
  }, 22_000);
});

describe('rtsp:// that cannot be pulled', () => {
  const origin = new RtspTestServer({ size: '160x120', fps: 15, gop: 15 });
  let server: RunningServer;
  let refusedPort = 0;
  const viewers: Viewer[] = [];

  beforeAll(async () => {
    await origin.start();
    refusedPort = await freePort();
    server = await startServer(
      {
        host: '127.0.0.1',
        port: 0,
        streams: { gone: `rtsp://127.0.0.1:${refusedPort}/cam`, wrongpath: origin.url('/nosuchstream') },
        sourceRestartInitialMs: 250,
        sourceRestartMaxMs: 1000,
      },
      { logger: testLogger },
    );
  });
  afterAll(async () => {
    for (const v of viewers) v.close();
    await server?.close();
    await origin.stop();
  });

  it('is an error with the reason on /api/streams and to viewers; the viewer stays connected', async () => {
    const gone = new Viewer(liveUrl(server.url, 'gone'));
    const wrong = new Viewer(liveUrl(server.url, 'wrongpath'));
    viewers.push(gone, wrong);
    const errorOf = (v: Viewer) => v.controls.find((m) => m.type === 'status' && m.state === 'error');
    await gone.until(() => errorOf(gone) !== undefined, 8000, 'an error status');
    await wrong.until(() => errorOf(wrong) !== undefined, 8000, 'an error status');

    const refused = new RegExp(`cannot open rtsp://127\\.0\\.0\\.1:${refusedPort}/cam: Connection refused`);
    expect(errorOf(gone)).toMatchObject({ reason: expect.stringMatching(refused), code: 'SOURCE_FAILED' });
    expect(await apiStream(server, 'gone')).toMatchObject({ state: 'error', reason: expect.stringMatching(refused), width: null });
    // The server answers, but not for this path: its status line is the reason.
    const notFound = /cannot open rtsp:\/\/127\.0\.0\.1:\d+\/nosuchstream: Server returned 404 Not Found/;
    expect(errorOf(wrong)).toMatchObject({ reason: expect.stringMatching(notFound) });
    expect(await apiStream(server, 'wrongpath')).toMatchObject({ state: 'error', reason: expect.stringMatching(notFound) });
    expect(origin.requests.filter((r) => r.method === 'DESCRIBE').every((r) => r.url.endsWith('/nosuchstream'))).toBe(true);
    // Still retried, and nobody was disconnected.
    await new Promise((r) => setTimeout(r, 1200));
    expect(origin.requests.filter((r) => r.method === 'DESCRIBE').length).toBeGreaterThanOrEqual(2);
    expect(gone.closeCode).toBeNull();
    expect(wrong.closeCode).toBeNull();
  });
});
