/**
 * The bench's 1280x720@30 ~2 Mbit/s clip, encoded once and kept in the temp directory. Serving a
 * pre-encoded raw .h264 (`file:PATH.h264`: read into memory, paced at the SPS rate by the server
 * itself, no ffmpeg at run time) keeps an encoder off the two cores the server and the viewers
 * share: a live 720p x264 would take a good part of one core.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ClipSpec {
  width: number;
  height: number;
  fps: number;
  /** Target bitrate, bits/s (x264 ABR with a 0.5 s VBV: frames stay near the mean, key frames ~2.5×). */
  bitrate: number;
  /** Key frame interval, frames. */
  gop: number;
  seconds: number;
}

export const LOAD_CLIP: ClipSpec = { width: 1280, height: 720, fps: 30, bitrate: 2_000_000, gop: 30, seconds: 10 };

/** The path of the clip, encoding it first if this machine has not yet (~5 s). */
export function ensureClip(spec: ClipSpec = LOAD_CLIP): string {
  const name = `framewire-bench-${spec.width}x${spec.height}-${spec.fps}-${spec.bitrate}-g${spec.gop}-${spec.seconds}s.h264`;
  const path = join(tmpdir(), name);
  if (existsSync(path)) return path;
  const partial = `${path}.${process.pid}.part`;
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${spec.width}x${spec.height}:rate=${spec.fps}`, '-t', String(spec.seconds),
    // What a live encoder sends: no B-frames (pts = dts), fixed GOP, SPS/PPS before each IDR.
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'main', '-pix_fmt', 'yuv420p',
    '-bf', '0', '-g', String(spec.gop), '-keyint_min', String(spec.gop),
    '-b:v', String(spec.bitrate), '-maxrate', String(spec.bitrate), '-bufsize', String(spec.bitrate / 2),
    '-an', '-f', 'h264', partial,
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  renameSync(partial, path);
  return path;
}

/**
 * The same clip in MPEG-TS, for an ffmpeg publisher that loops it with `-stream_loop -1 -c copy`:
 * ffmpeg 5.1 cannot seek back in a raw .h264 (no loop), and a looped MP4/MKV needs
 * h264_mp4toannexb, which fails after the first loop; TS carries Annex-B as is.
 */
export function ensureClipTs(spec: ClipSpec): string {
  const raw = ensureClip(spec);
  const path = raw.replace(/\.h264$/, '.ts');
  if (existsSync(path)) return path;
  const partial = `${path}.${process.pid}.part`;
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-framerate', String(spec.fps), '-f', 'h264', '-i', raw, '-c', 'copy', '-f', 'mpegts', partial], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  renameSync(partial, path);
  return path;
}
