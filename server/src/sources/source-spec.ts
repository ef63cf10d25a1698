import { createError, ServerErrorCode } from '../errors.js';
import { parseCameraSpec, type CameraSpec } from './camera.js';
import { redactSecrets } from './redact.js';
import { splitSpecOptions, unknownOption } from './spec-options.js';

/**
 * A parsed SOURCE string from the command line or config file (ARCHITECTURE.md "External
 * contract"). Parsing is pure so config validation can reject a bad SOURCE before anything starts.
 */
export type SourceSpec =
  | { kind: 'demo' }
  | { kind: 'stdin' }
  /** publish: waits for a publisher on WS/PUT/POST /publish/NAME (server/src/publish/). */
  | { kind: 'publish' }
  /**
   * file:PATH[?loop=0]. Raw .h264/.264 files are read directly and paced by the SPS frame rate.
   * Looped by default; loop=0 plays it once, then the stream is 'ended'.
   */
  | { kind: 'file'; path: string; loop: boolean }
  /** camera[:DEVICE][?size=WxH&fps=N&gop=N&format=F] (see camera.ts). */
  | ({ kind: 'camera' } & CameraSpec)
  /** ffmpeg:ARGS, ARGS split on spaces. */
  | { kind: 'ffmpeg'; args: string[] }
  /** rtsp:// rtmp:// srt:// http(s):// pulled through ffmpeg. */
  | { kind: 'url'; url: string };

const PULL_PROTOCOLS = ['rtsp:', 'rtsps:', 'rtmp:', 'rtmps:', 'srt:', 'http:', 'https:'];

export function parseSourceSpec(source: string, streamName = ''): SourceSpec {
  const text = source.trim();
  if (text === 'demo') return { kind: 'demo' };
  if (text === 'stdin') return { kind: 'stdin' };
  if (text === 'publish') return { kind: 'publish' };
  if (text.startsWith('file:')) {
    const { base: path, options } = splitSpecOptions(text.slice('file:'.length));
    if (path.length === 0) throw invalid(source, streamName, 'file: needs a path, e.g. file:/videos/clip.mp4');
    const unknown = unknownOption(options, ['loop']);
    if (unknown !== undefined) throw invalid(source, streamName, `unknown file option "${unknown}" (known: loop=0|1)`);
    const loop = options.get('loop') ?? '1';
    if (loop !== '0' && loop !== '1') throw invalid(source, streamName, `loop must be 0 (play once) or 1 (loop), got "${loop}"`);
    return { kind: 'file', path, loop: loop === '1' };
  }
  if (text === 'camera' || text.startsWith('camera:') || text.startsWith('camera?')) {
    try {
      return { kind: 'camera', ...parseCameraSpec(text.slice('camera'.length)) };
    } catch (err) {
      throw invalid(source, streamName, err instanceof Error ? err.message : String(err));
    }
  }
  if (text.startsWith('ffmpeg:')) {
    const args = text.slice('ffmpeg:'.length).split(' ').filter((a) => a.length > 0);
    if (!args.includes('-i')) throw invalid(source, streamName, 'ffmpeg: arguments must contain an input (-i …)');
    return { kind: 'ffmpeg', args };
  }
  const colon = text.indexOf('://');
  if (colon > 0 && PULL_PROTOCOLS.includes(text.slice(0, colon + 1).toLowerCase())) {
    // libsrt refuses other lengths only when ffmpeg opens the socket, on every retry: say it now.
    const passphrase = /^srt:.*[?&]passphrase=([^&]*)/i.exec(text)?.[1];
    if (passphrase !== undefined && (passphrase.length < 10 || passphrase.length > 79)) {
      throw invalid(source, streamName, 'an SRT passphrase must be 10 to 79 characters');
    }
    return { kind: 'url', url: text };
  }
  throw invalid(
    source,
    streamName,
    'expected demo, stdin, publish, camera[:DEVICE], file:PATH, ffmpeg:ARGS, or an rtsp:// rtmp:// srt:// http(s):// URL',
  );
}

function invalid(source: string, streamName: string, hint: string) {
  return createError(ServerErrorCode.SOURCE_INVALID, `stream "${streamName}": cannot use source "${redactSecrets(source)}": ${hint}`, {
    key: streamName,
  });
}

/**
 * A URL on which ffmpeg waits for a peer to push (OBS to `srt://…?mode=listener`,
 * `rtmp://…?listen=1`). Such an input accepts one connection: it must not be probed first, or the
 * probe takes the peer's connection and ffmpeg never gets one.
 */
export function isListenerUrl(url: string): boolean {
  return /[?&](mode=listener|listen(=1)?)(&|$)/i.test(url);
}
