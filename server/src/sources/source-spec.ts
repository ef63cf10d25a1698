import { createError, ServerErrorCode } from '../errors.js';

/**
 * A parsed SOURCE string from the command line or config file (ARCHITECTURE.md "External
 * contract"). Parsing is pure so config validation can reject a bad SOURCE before anything starts.
 */
export type SourceSpec =
  | { kind: 'demo' }
  | { kind: 'stdin' }
  /** file:PATH. Raw .h264/.264 files are read directly and paced by the SPS frame rate. */
  | { kind: 'file'; path: string }
  /** ffmpeg:ARGS, ARGS split on spaces. */
  | { kind: 'ffmpeg'; args: string[] }
  /** rtsp:// rtmp:// srt:// http(s):// pulled through ffmpeg. */
  | { kind: 'url'; url: string };

const PULL_PROTOCOLS = ['rtsp:', 'rtsps:', 'rtmp:', 'rtmps:', 'srt:', 'http:', 'https:'];

export function parseSourceSpec(source: string, streamName = ''): SourceSpec {
  const text = source.trim();
  if (text === 'demo') return { kind: 'demo' };
  if (text === 'stdin') return { kind: 'stdin' };
  if (text.startsWith('file:')) {
    const path = text.slice('file:'.length);
    if (path.length === 0) throw invalid(source, streamName, 'file: needs a path, e.g. file:/videos/clip.mp4');
    return { kind: 'file', path };
  }
  if (text.startsWith('ffmpeg:')) {
    const args = text.slice('ffmpeg:'.length).split(' ').filter((a) => a.length > 0);
    if (!args.includes('-i')) throw invalid(source, streamName, 'ffmpeg: arguments must contain an input (-i …)');
    return { kind: 'ffmpeg', args };
  }
  const colon = text.indexOf('://');
  if (colon > 0 && PULL_PROTOCOLS.includes(text.slice(0, colon + 1).toLowerCase())) {
    return { kind: 'url', url: text };
  }
  throw invalid(
    source,
    streamName,
    'expected demo, stdin, file:PATH, ffmpeg:ARGS, or an rtsp:// rtmp:// srt:// http(s):// URL',
  );
}

function invalid(source: string, streamName: string, hint: string) {
  return createError(ServerErrorCode.SOURCE_INVALID, `stream "${streamName}": unknown source "${source}": ${hint}`, {
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
