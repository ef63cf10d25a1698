/**
 * ffprobe and ffmpeg as independent readers of an mp4 file written by our remuxer: their own
 * demuxer and decoder, none of our parsing. Every helper returns what the tool wrote on stderr
 * (with `-v error`, anything there is a problem) next to its result, so a test can assert both.
 */
import { spawn } from 'node:child_process';
import { decodeYuvFrame } from './barcode.js';

export interface ToolRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.stdout.on('data', (d: Buffer) => out.push(d));
    proc.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 20_000) stderr += d.toString();
    });
    proc.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr });
    });
  });
}

/** One decoded picture as ffprobe -show_frames reports it, in display order. */
export interface ProbedFrame {
  key: boolean;
  /** In the stream time base (1/90000 for our files). */
  pts: number;
  pktDts: number | null;
  /** Bytes of the sample the picture was decoded from. */
  pktSize: number;
  width: number;
  height: number;
  pictType: string;
}

/** One sample as ffprobe -show_packets reports it from the container, in decode order. */
export interface ProbedPacket {
  pts: number;
  dts: number;
  size: number;
  /** 'K' in ffprobe's flags: set by the trun sync flag or by ffmpeg's H.264 parser on an IDR. */
  key: boolean;
}

export interface ProbedStream {
  codecName: string;
  profile: string;
  width: number;
  height: number;
  codedWidth: number;
  codedHeight: number;
  timeBase: string;
  /** Frames ffprobe decoded while counting (-count_frames). */
  readFrames: number;
}

export interface ProbeResult {
  code: number | null;
  stderr: string;
  stream: ProbedStream | undefined;
  frames: ProbedFrame[];
  packets: ProbedPacket[];
}

/** `ffprobe -v error -count_frames -show_streams -show_packets -show_frames -of json` on the first video stream. */
export async function probeFile(file: string): Promise<ProbeResult> {
  const r = await run('ffprobe', [
    '-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_streams', '-show_packets', '-show_frames',
    '-show_entries',
    'stream=codec_name,profile,width,height,coded_width,coded_height,time_base,nb_read_frames:packet=pts,dts,size,flags:frame=key_frame,pts,pkt_dts,pkt_size,width,height,pict_type',
    '-of', 'json', file,
  ]);
  // With both -show_packets and -show_frames, ffprobe writes one interleaved list, each entry
  // tagged with its "type".
  let json: { streams?: Record<string, unknown>[]; packets_and_frames?: Record<string, unknown>[] } = {};
  try {
    json = JSON.parse(r.stdout.toString('utf8')) as typeof json;
  } catch {
    // Left empty: the assertions on `stream` and `frames` report it.
  }
  const s = json.streams?.[0];
  const entries = json.packets_and_frames ?? [];
  const num = (v: unknown): number => Number(v);
  return {
    code: r.code,
    stderr: r.stderr,
    stream: s && {
      codecName: String(s['codec_name']),
      profile: String(s['profile']),
      width: num(s['width']),
      height: num(s['height']),
      codedWidth: num(s['coded_width']),
      codedHeight: num(s['coded_height']),
      timeBase: String(s['time_base']),
      readFrames: num(s['nb_read_frames']),
    },
    frames: entries.filter((e) => e['type'] === 'frame').map((f) => ({
      key: num(f['key_frame']) === 1,
      pts: num(f['pts']),
      pktDts: f['pkt_dts'] === undefined ? null : num(f['pkt_dts']),
      pktSize: num(f['pkt_size']),
      width: num(f['width']),
      height: num(f['height']),
      pictType: String(f['pict_type']),
    })),
    packets: entries.filter((e) => e['type'] === 'packet').map((p) => ({
      pts: num(p['pts']),
      dts: num(p['dts']),
      size: num(p['size']),
      key: String(p['flags'] ?? '').startsWith('K'),
    })),
  };
}

/** Decodes the whole file to nothing: `ffmpeg -v error -i FILE -f null -`. */
export function decodeToNull(file: string): Promise<ToolRun> {
  return run('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-f', 'null', '-']);
}

/**
 * Decodes the file to yuv420p in display order and reads the frame counter burned into each
 * picture (counter-source.ts); a picture whose barcode does not read gives NaN. Passthrough: the
 * rawvideo muxer would otherwise duplicate or drop pictures to hold a constant frame rate.
 */
export async function readCounters(file: string, width: number, height: number): Promise<{ counters: number[]; stderr: string; code: number | null }> {
  const r = await run('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1']);
  const frameBytes = (width * height * 3) / 2;
  const counters: number[] = [];
  for (let o = 0; o + frameBytes <= r.stdout.byteLength; o += frameBytes) {
    const value = decodeYuvFrame(r.stdout.subarray(o, o + frameBytes), width, height);
    counters.push(value >= 0 ? value : NaN);
  }
  return { counters, stderr: r.stderr, code: r.code };
}
