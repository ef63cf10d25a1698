import { splitSpecOptions, unknownOption } from './spec-options.js';

/**
 * `camera[:DEVICE][?size=WxH&fps=N&gop=N&format=F]`: a local camera captured by ffmpeg.
 *
 * - DEVICE: Linux /dev/videoN (default /dev/video0); macOS an AVFoundation index or name
 *   (default 0); Windows the DirectShow name (`Integrated Camera` or `video=Integrated Camera`;
 *   required). `framewire devices` lists them.
 * - size, fps: asked of the device (its default when absent; AVFoundation needs a rate: 30).
 * - gop: key frame interval in frames of the x264 encode (default: fps, else 30, i.e. about one
 *   second: a viewer that fell behind and had frames dropped recovers at the next key frame).
 * - format: the device's capture format (v4l2 -input_format, e.g. mjpeg, yuyv422). `format=h264`
 *   takes the camera's own H.264 and copies it (no encode, no added latency); the camera then
 *   decides the key frame interval. We do not guess: many cameras offer H.264 with long GOPs or
 *   B-frames, and the user can see the formats in `framewire devices`.
 */
export interface CameraOptions {
  size?: string;
  fps?: number;
  gop: number;
  format?: string;
}

export interface CameraSpec {
  /** null: the platform's default device. */
  device: string | null;
  options: CameraOptions;
}

export const CAMERA_OPTION_KEYS = ['size', 'fps', 'gop', 'format'] as const;
const DEFAULT_GOP_FRAMES = 30;

/** Parses what follows `camera` (`''` or `:DEVICE?…`); throws an Error with a hint on bad input. */
export function parseCameraSpec(rest: string, platform: NodeJS.Platform = process.platform): CameraSpec {
  if (rest !== '' && !rest.startsWith(':') && !rest.startsWith('?')) throw new Error('expected camera or camera:DEVICE');
  const { base, options } = splitSpecOptions(rest.startsWith(':') ? rest.slice(1) : rest);
  const unknown = unknownOption(options, CAMERA_OPTION_KEYS);
  if (unknown !== undefined) throw new Error(`unknown camera option "${unknown}" (known: ${CAMERA_OPTION_KEYS.join(', ')})`);
  const size = options.get('size');
  if (size !== undefined && !/^\d{2,5}x\d{2,5}$/.test(size)) throw new Error(`camera size must be WIDTHxHEIGHT, e.g. 1280x720, got "${size}"`);
  const fps = numberOption(options, 'fps', (n) => n > 0 && n <= 240, 'a frame rate 1–240');
  const gop = numberOption(options, 'gop', (n) => Number.isInteger(n) && n >= 1 && n <= 3600, 'a whole number of frames 1–3600');
  const format = options.get('format');
  if (format !== undefined && !/^[a-z0-9_]+$/i.test(format)) throw new Error(`camera format must be a format name such as h264, mjpeg or yuyv422, got "${format}"`);
  const device = base.length > 0 ? base : null;
  if (device === null && platform === 'win32') {
    throw new Error('on Windows the camera needs its DirectShow name, e.g. camera:Integrated Camera (see `framewire devices`)');
  }
  const result: CameraOptions = { gop: gop ?? Math.round(fps ?? DEFAULT_GOP_FRAMES) };
  if (size !== undefined) result.size = size;
  if (fps !== undefined) result.fps = fps;
  if (format !== undefined) result.format = format.toLowerCase();
  return { device, options: result };
}

function numberOption(options: Map<string, string>, key: string, valid: (n: number) => boolean, expected: string): number | undefined {
  const text = options.get(key);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text === '' || !Number.isFinite(n) || !valid(n)) throw new Error(`camera ${key} must be ${expected}, got "${text}"`);
  return n;
}

/** Does the camera hand us H.264 to copy as it is? */
export function isPassThrough(options: CameraOptions): boolean {
  return options.format === 'h264';
}

/**
 * The ffmpeg input arguments that open the camera (everything up to and including -i). Tests
 * substitute this function with a lavfi input; the encode side (cameraCodecArgs) stays the same.
 */
export type CameraInputArgs = (device: string | null, options: CameraOptions) => string[];

export function cameraInputArgs(platform: NodeJS.Platform): CameraInputArgs {
  return (device, o) => {
    const fps = o.fps !== undefined ? ['-framerate', String(o.fps)] : [];
    const size = o.size !== undefined ? ['-video_size', o.size] : [];
    switch (platform) {
      case 'darwin': {
        // AVFoundation refuses its own 29.97 default on most cameras: ask for 30 unless told.
        const pixel = o.format !== undefined && !isPassThrough(o) ? ['-pixel_format', o.format] : [];
        const name = device ?? '0';
        // "VIDEO:AUDIO"; ":none" keeps audio devices out (audio is not carried).
        return ['-f', 'avfoundation', '-framerate', String(o.fps ?? 30), ...size, ...pixel, '-i', name.includes(':') ? name : `${name}:none`];
      }
      case 'win32': {
        const format = o.format === undefined ? [] : isPassThrough(o) ? ['-vcodec', 'h264'] : o.format === 'mjpeg' ? ['-vcodec', 'mjpeg'] : ['-pixel_format', o.format];
        const name = device ?? '';
        return ['-f', 'dshow', ...fps, ...size, ...format, '-i', name.startsWith('video=') ? name : `video=${name}`];
      }
      default: {
        const format = o.format !== undefined ? ['-input_format', o.format] : [];
        return ['-f', 'v4l2', ...format, ...fps, ...size, '-i', device ?? '/dev/video0'];
      }
    }
  };
}

/**
 * The encode side: copy the camera's H.264, or x264 for live — ultrafast, zerolatency (no
 * lookahead, no frame threads holding frames back), no B-frames, a fixed key frame interval.
 */
export function cameraCodecArgs(options: CameraOptions): string[] {
  if (isPassThrough(options)) return ['-c:v', 'copy'];
  return liveX264Args(options.gop);
}

/** x264 for a live source with the given key frame interval (frames). */
export function liveX264Args(gop: number): string[] {
  return ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-bf', '0', '-g', String(gop), '-pix_fmt', 'yuv420p'];
}

/** For logs and /api: the device as the user would name it. */
export function describeCamera(spec: CameraSpec, platform: NodeJS.Platform): string {
  const device = spec.device ?? (platform === 'darwin' ? '0' : '/dev/video0');
  return `camera ${device}${isPassThrough(spec.options) ? ' (H.264 pass-through)' : ` (x264, key frame every ${spec.options.gop} frames)`}`;
}
