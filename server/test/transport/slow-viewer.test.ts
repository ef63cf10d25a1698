import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaFlags, toAnnexB } from '@framewire/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index.js';
import { fixtureAccessUnits, NOAUD_FIXTURE, sleep, testLogger } from '../support/fixtures.js';
import { liveUrl, Viewer } from '../support/viewer.js';

const FILLER_BYTES = 150 * 1024;
const LIMIT = 1024 * 1024;

/**
 * A high-bitrate raw H.264 file: each access unit of the 320x240 fixture plus a 150 KiB filler
 * NAL unit (nal_unit_type 12, H.264 7.3.2.7: decoders discard it). 30 fps × 150 KiB ≈ 4.5 MB/s,
 * so a paused viewer fills the kernel socket buffers within seconds.
 */
function writeBigFile(dir: string): string {
  const filler = new Uint8Array(FILLER_BYTES).fill(0xff);
  filler[0] = 0x0c;
  filler[FILLER_BYTES - 1] = 0x80; // rbsp_trailing_bits
  const bytes = fixtureAccessUnits(NOAUD_FIXTURE).map((au) => toAnnexB([...au.nalus, filler]));
  const path = join(dir, 'big.h264');
  writeFileSync(path, Buffer.concat(bytes));
  return path;
}

describe('slow viewer backpressure', () => {
  let server: RunningServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-slow-'));
    server = await startServer(
      { host: '127.0.0.1', port: 0, streams: { big: `file:${writeBigFile(dir)}` }, maxViewerBufferedBytes: LIMIT },
      { logger: testLogger },
    );
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('drops until the next IDR for a paused viewer while another keeps every frame on time', async () => {
    const fast = new Viewer(liveUrl(server.url, 'big'));
    const slow = new Viewer(liveUrl(server.url, 'big'));
    await Promise.all([fast.opened, slow.opened]);
    // Stop reading on the client: the server's socket buffers fill up.
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();

    const stream = server.streams.get('big')!;
    const sessions = () => [...server.ws.allSessions];
    await fast.until(() => sessions().some((s) => s.droppedFrames > 30), 15_000, 'slow viewer drops');
    const slowSession = sessions().find((s) => s.droppedFrames > 0)!;
    const fastSession = sessions().find((s) => s !== slowSession)!;
    expect(fastSession.droppedFrames).toBe(0);
    // Bounded: never more than the limit plus one frame queued in the server for the slow viewer.
    expect(slowSession.maxBufferedSeen).toBeLessThanOrEqual(LIMIT + FILLER_BYTES + 4096);
    expect(stream.snapshot().droppedFrames).toBe(slowSession.droppedFrames);

    // The fast viewer got every frame, in order, on time.
    const frames = fast.frames;
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.sequence).toBe(frames[i - 1]!.sequence + 1);
    const live = frames.filter((f) => f.receivedAt - frames[0]!.receivedAt > 100);
    const gaps = live.slice(1).map((f, i) => f.receivedAt - live[i]!.receivedAt).sort((a, b) => a - b);
    expect(gaps[Math.floor(gaps.length * 0.95)]!).toBeLessThan(50);
    expect(gaps.at(-1)!).toBeLessThan(150);

    // Resume reading: the slow viewer is told how much it missed and restarts at a key frame.
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await slow.until(() => slow.controls.some((m) => m.type === 'stats'), 10_000, 'stats message');
    const statsIndex = slow.log.findIndex((r) => r.kind === 'control' && r.message.type === 'stats');
    const stats = slow.log[statsIndex]!;
    expect(stats.kind === 'control' && stats.message).toMatchObject({ type: 'stats' });
    if (stats.kind === 'control' && stats.message.type === 'stats') expect(stats.message.droppedFrames).toBeGreaterThan(0);
    await slow.until(() => slow.log.length > statsIndex + 1, 5000, 'frame after stats');
    const next = slow.log[statsIndex + 1]!;
    expect(next.kind).toBe('media');
    if (next.kind === 'media') expect(next.frame.flags & MediaFlags.KEY).toBeTruthy();

    fast.close();
    slow.close();
    await sleep(50);
  }, 40_000);
});
