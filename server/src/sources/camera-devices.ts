import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One camera as `framewire devices` shows it. */
export interface CameraDevice {
  /** What goes after `camera:` (e.g. /dev/video0, 0, Integrated Camera). */
  device: string;
  name: string;
  /** Capture formats the device offers, when the platform can tell (Linux): e.g. "h264 1920x1080". */
  formats: string[];
}

export interface ListCamerasOptions {
  platform?: NodeJS.Platform;
  ffmpegPath?: string;
  /** Linux: where V4L2 devices are described (tests point it at a fake tree). */
  sysfsDir?: string;
  devDir?: string;
}

/** Lists local cameras through the platform's own mechanism; never throws for "none there". */
export async function listCameras(options: ListCamerasOptions = {}): Promise<CameraDevice[]> {
  const platform = options.platform ?? process.platform;
  const ffmpeg = options.ffmpegPath ?? 'ffmpeg';
  if (platform === 'darwin') return parseAvfoundationDevices(await ffmpegStderr(ffmpeg, ['-f', 'avfoundation', '-list_devices', 'true', '-i', '']));
  if (platform === 'win32') return parseDshowDevices(await ffmpegStderr(ffmpeg, ['-f', 'dshow', '-list_devices', 'true', '-i', 'dummy']));
  return listV4l2Cameras(ffmpeg, options.sysfsDir ?? '/sys/class/video4linux', options.devDir ?? '/dev');
}

async function listV4l2Cameras(ffmpeg: string, sysfsDir: string, devDir: string): Promise<CameraDevice[]> {
  let entries: string[];
  try {
    entries = (await readdir(sysfsDir)).filter((e) => /^video\d+$/.test(e));
  } catch {
    return []; // no V4L2 at all (container, no driver loaded)
  }
  entries.sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  const cameras: CameraDevice[] = [];
  for (const entry of entries) {
    const name = (await readFile(join(sysfsDir, entry, 'name'), 'utf8').catch(() => entry)).trim();
    const device = join(devDir, entry);
    const formats = parseV4l2Formats(await ffmpegStderr(ffmpeg, ['-f', 'v4l2', '-list_formats', 'all', '-i', device]));
    // UVC cameras expose a second node (index 1) for metadata only: it lists no video formats. A
    // capture node (index 0) without formats is still listed: it may just be busy.
    const index = (await readFile(join(sysfsDir, entry, 'index'), 'utf8').catch(() => '0')).trim();
    if (formats.length === 0 && index !== '0') continue;
    cameras.push({ device, name, formats });
  }
  return cameras;
}

/** `ffmpeg -f v4l2 -list_formats all` lines: "[video4linux2,v4l2 @ 0x…] Compressed:  h264 : H.264 : 1920x1080 1280x720". */
export function parseV4l2Formats(stderr: string): string[] {
  const formats: string[] = [];
  for (const line of stderr.split('\n')) {
    // The description may hold colons ("YUYV 4:2:2"); the sizes follow the last " : ".
    const m = /\]\s*(Raw|Compressed)\s*:\s*(\S+)\s*:.*\s:\s(.*)$/.exec(line);
    if (m) formats.push(`${m[2]} ${m[3]!.trim()}`.trim());
  }
  return formats;
}

/** `ffmpeg -f avfoundation -list_devices true -i ""`: "[AVFoundation indev @ 0x…] [0] FaceTime HD Camera", video section only. */
export function parseAvfoundationDevices(stderr: string): CameraDevice[] {
  const cameras: CameraDevice[] = [];
  let inVideo = false;
  for (const line of stderr.split('\n')) {
    if (/AVFoundation video devices/.test(line)) inVideo = true;
    else if (/AVFoundation audio devices/.test(line)) inVideo = false;
    else if (inVideo) {
      const m = /\]\s*\[(\d+)\]\s*(.+)$/.exec(line);
      if (m) cameras.push({ device: m[1]!, name: m[2]!.trim(), formats: [] });
    }
  }
  return cameras;
}

/**
 * `ffmpeg -f dshow -list_devices true -i dummy`: ffmpeg ≥ 5 prints `[dshow @ 0x…] "Name" (video)`;
 * older versions print a "DirectShow video devices" header followed by `"Name"` lines.
 */
export function parseDshowDevices(stderr: string): CameraDevice[] {
  const cameras: CameraDevice[] = [];
  let section: 'video' | 'audio' | null = null;
  for (const line of stderr.split('\n')) {
    if (/DirectShow video devices/.test(line)) section = 'video';
    else if (/DirectShow audio devices/.test(line)) section = 'audio';
    const m = /\]\s*"([^"]+)"\s*(\((video|audio|none)\))?/.exec(line);
    if (!m || /Alternative name/.test(line)) continue;
    const kind = m[3] ?? section;
    if (kind === 'video') cameras.push({ device: m[1]!, name: m[1]!, formats: [] });
  }
  return cameras;
}

/** ffmpeg's stderr; the listing commands always "fail" (there is no output), so the exit code is ignored. */
function ffmpegStderr(ffmpeg: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(ffmpeg, ['-hide_banner', ...args], { timeout: 10_000 }, (err, _stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error(`ffmpeg not found ("${ffmpeg}"): install it, e.g. \`apt-get install ffmpeg\``));
        return;
      }
      resolve(String(stderr));
    });
  });
}

/** The text `framewire devices` prints. */
export function formatCameraList(cameras: CameraDevice[], platform: NodeJS.Platform = process.platform): string {
  if (cameras.length === 0) {
    const where = platform === 'darwin' ? 'AVFoundation' : platform === 'win32' ? 'DirectShow' : 'V4L2 (/dev/video*)';
    return `no cameras found (looked in ${where})`;
  }
  const lines = ['Cameras (use as --stream NAME=camera:DEVICE):'];
  for (const cam of cameras) {
    lines.push(`  ${cam.device}  ${cam.name === cam.device ? '' : cam.name}`.trimEnd());
    for (const format of cam.formats) lines.push(`      ${format}`);
    if (cam.formats.length === 0 && cam.device.startsWith('/')) lines.push('      (ffmpeg listed no formats: the device may be busy)');
    if (cam.formats.some((f) => f.startsWith('h264'))) {
      lines.push(`      → outputs H.264: camera:${cam.device}?format=h264 copies it without encoding`);
    }
  }
  return lines.join('\n');
}
