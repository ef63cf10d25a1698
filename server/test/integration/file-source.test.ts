import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaFlags, type CodecMessage } from '@framewire/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index.js';
import { testLogger } from '../support/fixtures.js';
import { liveUrl, Viewer } from '../support/viewer.js';

/** 1-second 320x240@30 clips made with ffmpeg at test time, one per container and per kind of video. */
const CLIPS: Record<string, { file: string; args: string[]; copied: boolean }> = {
  mp4: { file: 'clip.mp4', args: ['-c:v', 'libx264', '-profile:v', 'high', '-bf', '0', '-pix_fmt', 'yuv420p'], copied: true },
  mkv: { file: 'clip.mkv', args: ['-c:v', 'libx264', '-profile:v', 'high', '-bf', '0', '-pix_fmt', 'yuv420p'], copied: true },
  mov: { file: 'clip.mov', args: ['-c:v', 'libx264', '-profile:v', 'high', '-bf', '0', '-pix_fmt', 'yuv420p'], copied: true },
  ts: { file: 'clip.ts', args: ['-c:v', 'libx264', '-profile:v', 'high', '-bf', '0', '-pix_fmt', 'yuv420p'], copied: true },
  raw: { file: 'clip.h264', args: ['-c:v', 'libx264', '-profile:v', 'high', '-bf', '0', '-pix_fmt', 'yuv420p', '-f', 'h264'], copied: true },
  bframes: { file: 'bframes.mp4', args: ['-c:v', 'libx264', '-profile:v', 'high', '-bf', '2', '-pix_fmt', 'yuv420p'], copied: true },
  mpeg4: { file: 'mpeg4.mkv', args: ['-c:v', 'mpeg4'], copied: false },
  high10: { file: 'high10.mp4', args: ['-c:v', 'libx264', '-pix_fmt', 'yuv420p10le'], copied: false },
  interlaced: { file: 'interlaced.ts', args: ['-c:v', 'libx264', '-flags', '+ildct+ilme', '-x264opts', 'interlaced=1', '-pix_fmt', 'yuv420p'], copied: false },
};

describe('file: sources (every container, copy or encode, loop or once)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-files-'));
  let server: RunningServer;
  const viewers = new Map<string, Viewer>();

  beforeAll(async () => {
    for (const clip of Object.values(CLIPS)) {
      execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-t', '1',
        '-g', '15', ...clip.args, join(dir, clip.file)]);
    }
    const streams: Record<string, string> = {};
    for (const [name, clip] of Object.entries(CLIPS)) streams[name] = `file:${join(dir, clip.file)}`;
    streams.once = `file:${join(dir, CLIPS.mp4!.file)}?loop=0`;
    streams.rawonce = `file:${join(dir, CLIPS.raw!.file)}?loop=0`;
    server = await startServer({ host: '127.0.0.1', port: 0, streams }, { logger: testLogger });
    for (const name of Object.keys(CLIPS)) viewers.set(name, new Viewer(liveUrl(server.url, name)));
  });
  afterAll(async () => {
    for (const v of viewers.values()) v.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, clip] of Object.entries(CLIPS)) {
    it(`${name}: goes live at 320x240, ${clip.copied ? 'copied' : 'encoded'}, looped in real time`, async () => {
      const v = viewers.get(name)!;
      // 45 frames of a 30-frame clip: it looped.
      await v.untilFrames(45, 12_000);
      const codec = v.controls.find((m) => m.type === 'codec') as CodecMessage;
      expect(codec).toMatchObject({ width: 320, height: 240 });
      // The clips are High profile (avc1.64…, or High 10 …6e… / MPEG-4): the live encoder makes Constrained Baseline (avc1.42…).
      expect(codec.codec.startsWith(clip.copied ? 'avc1.64' : 'avc1.42')).toBe(true);
      const frames = v.frames;
      expect(frames[0]!.flags & MediaFlags.KEY).toBeTruthy();
      for (let i = 1; i < frames.length; i++) {
        expect(frames[i]!.dts).toBeGreaterThan(frames[i - 1]!.dts);
        expect(frames[i]!.flags & MediaFlags.DISCONTINUITY).toBeFalsy();
      }
      if (name === 'bframes') expect(frames.some((f) => f.pts > f.dts)).toBe(true);
      else expect(frames.every((f) => f.pts === f.dts)).toBe(true);
      // Paced: after the joining burst, 30 frames take about a second.
      const live = frames.slice(-31);
      expect(live.at(-1)!.receivedAt - live[0]!.receivedAt).toBeGreaterThan(800);
    });
  }

  it('loop=0 plays the file once, then the stream is ended (ffmpeg and raw .h264)', async () => {
    for (const name of ['once', 'rawonce']) {
      const stream = server.streams.get(name)!;
      const deadline = Date.now() + 8000;
      while (stream.state !== 'ended' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(stream.state, name).toBe('ended');
      expect(stream.snapshot().framesIn, name).toBe(30);
    }
  });
});
