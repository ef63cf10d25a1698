/// <reference types="node" />
/**
 * WS media frames for a real x264 clip with B-frames. A raw .h264 fixture carries no timestamps,
 * and B-frames need them (pts ≠ dts), so the clip is encoded at test time into an mp4 (90 kHz
 * track timescale) and read back the way the server's `file:` ingest sees it: packets in decode
 * order with their pts/dts/key flag (ffprobe -show_packets), NAL units from the same packets
 * (Annex-B via h264_mp4toannexb, grouped by the shared access-unit code as in fixture-frames.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMediaFrame, encodeMediaFrame, type MediaFrame } from '@framewire/shared';
import { accessUnits, splitAnnexB } from './fixture-frames.js';

export interface BFrameClipOptions {
  frames?: number;
  /** x264 -bf. */
  bframes?: number;
  /** Added to every timestamp: x264's first dts is negative (decode starts before pts 0). */
  startDts?: number;
}

export function bframeClipFrames(o: BFrameClipOptions = {}): MediaFrame[] {
  const dir = mkdtempSync(join(tmpdir(), 'fw-bframes-'));
  try {
    const mp4 = join(dir, 'clip.mp4');
    const h264 = join(dir, 'clip.h264');
    const quiet = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];
    execFileSync('ffmpeg', [...quiet, '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=30`, '-frames:v', String(o.frames ?? 60),
      '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-bf', String(o.bframes ?? 2), '-g', '30',
      '-pix_fmt', 'yuv420p', '-video_track_timescale', '90000', mp4]);
    execFileSync('ffmpeg', [...quiet, '-i', mp4, '-c:v', 'copy', '-bsf:v', 'h264_mp4toannexb', '-f', 'h264', h264]);
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries',
      'packet=pts,dts,flags', '-of', 'json', mp4], { encoding: 'utf8' })) as { packets: { pts: number; dts: number; flags: string }[] };
    const aus = accessUnits(splitAnnexB(new Uint8Array(readFileSync(h264))));
    if (aus.length !== probe.packets.length) throw new Error(`${aus.length} access units, ${probe.packets.length} packets`);
    const start = o.startDts ?? 900_000;
    return aus.map((nalus, i) => {
      const p = probe.packets[i]!;
      const next = probe.packets[i + 1];
      const duration = next ? next.dts - p.dts : 3000;
      const encoded = encodeMediaFrame(
        { nalus, key: p.flags.startsWith('K'), dts: start + p.dts, pts: start + p.pts, duration, captureTimeMs: 1_700_000_000_000 + i * 33.3 },
        { sequence: i },
      );
      return decodeMediaFrame(encoded);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
