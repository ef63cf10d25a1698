import { createError, ServerErrorCode } from './errors.js';
import { redactSecrets } from './sources/redact.js';
import { isListenerUrl, parseSourceSpec, type SourceSpec } from './sources/source-spec.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Stream names appear in URLs (/watch/NAME, /live/NAME): keep them URL- and file-safe. */
export const STREAM_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * One stream in the config file: the object form. `key` is the publish key of a `publish`
 * stream (WS/PUT/POST /publish/NAME); without one, app.ts generates a random key at start and
 * prints it. `onDemand`: the source runs only while the stream has viewers
 * (sources/on-demand-source.ts); the default is always on.
 */
export interface StreamConfig {
  source: string;
  key?: string;
  onDemand?: boolean;
}

/** A stream entry as written: "SOURCE" or {"source": "SOURCE", "key": "…", "onDemand": true}. */
export type StreamEntry = string | StreamConfig;

/** The keys a stream object may have (anything else is refused, naming the key). */
const STREAM_CONFIG_KEYS: readonly string[] = ['source', 'key', 'onDemand'];

/**
 * Sources that can start on demand: an ffmpeg run or a file that can begin whenever a viewer
 * comes. Not `publish`, `stdin` or listener URLs (their publisher must find them open at any
 * time), nor `demo` (nothing to save: it is a file read in memory, and the first page a new user
 * opens should play at once).
 */
export function canStartOnDemand(spec: SourceSpec): boolean {
  if (spec.kind === 'url') return !isListenerUrl(spec.url);
  return spec.kind === 'file' || spec.kind === 'ffmpeg' || spec.kind === 'camera';
}

/** Publish keys travel in URLs and headers: printable ASCII without spaces, bounded. */
export const PUBLISH_KEY_PATTERN = /^[\x21-\x7e]{1,256}$/;

export interface ServerConfig {
  host: string;
  port: number;
  /** name → SOURCE or StreamConfig (see sources/source-spec.ts); read entries with streamConfig(). */
  streams: Record<string, StreamEntry>;
  logLevel: LogLevel;
  maxViewerBufferedBytes: number;
  viewerMaxPayloadBytes: number;
  heartbeatIntervalMs: number;
  idleFlushMs: number;
  maxNalBytes: number;
  maxFlvTagBytes: number;
  gopCacheMaxFrames: number;
  gopCacheMaxBytes: number;
  statsWindowMs: number;
  playerDir: string | null;
  ffmpegPath: string;
  ffprobePath: string;
  sourceStopTimeoutMs: number;
  sourceRestartInitialMs: number;
  sourceRestartMaxMs: number;
  publishMaxPayloadBytes: number;
  publishIdleTimeoutMs: number;
  onDemandCloseAfterMs: number;
  onDemandStartTimeoutMs: number;
  hlsPartTargetMs: number;
  hlsSegmentTargetMs: number;
  hlsWindowSegments: number;
  hlsBlockTimeoutMs: number;
  hlsIdleTimeoutMs: number;
}

/** Every default, each with the module that reads it. */
export const defaultServerConfig: Readonly<ServerConfig> = Object.freeze({
  /** http/http-server.ts listen(): all interfaces, so other machines on the LAN can watch. */
  host: '0.0.0.0',
  /** http/http-server.ts listen(); 0 picks a free port. */
  port: 8080,
  /** app.ts creates one Stream + Source per entry; with none given we serve the bundled demo. */
  streams: { demo: 'demo' },
  /** logger.ts; FRAMEWIRE_LOG_LEVEL overrides it in main.ts. */
  logLevel: 'info' as LogLevel,
  /** transport/ws-session.ts: above this many bytes queued on a viewer socket, drop until the next IDR. */
  maxViewerBufferedBytes: 4 * 1024 * 1024,
  /** transport/ws-server.ts WebSocketServer maxPayload: viewers only ever send small control text. */
  viewerMaxPayloadBytes: 64 * 1024,
  /** transport/ws-server.ts: ping period; a viewer that has not answered the previous ping is terminated. */
  heartbeatIntervalMs: 10_000,
  /** pipeline/annexb-ingest.ts: flush the pending access unit when no bytes arrived for this long (LOW-LATENCY.md). 0 disables. */
  idleFlushMs: 2,
  /** pipeline/annexb-ingest.ts → AnnexBSplitter maxNalBytes: bounds memory on garbage input. */
  maxNalBytes: 8 * 1024 * 1024,
  /** sources/flv-demuxer.ts: a larger FLV tag means a corrupt stream; bounds memory. */
  maxFlvTagBytes: 16 * 1024 * 1024,
  /** pipeline/gop-cache.ts: stop caching (until the next IDR) past this many access units… */
  gopCacheMaxFrames: 600,
  /** pipeline/gop-cache.ts: …or this many encoded bytes. */
  gopCacheMaxBytes: 32 * 1024 * 1024,
  /** pipeline/stream.ts: sliding window for the bitrate and fps shown in /api/streams. */
  statsWindowMs: 2_000,
  /** http/http-server.ts: directory of the built player pages; null = <repo>/player/dist. */
  playerDir: null as string | null,
  /** sources/ffmpeg-source.ts: the ffmpeg executable. */
  ffmpegPath: 'ffmpeg',
  /** sources/ffmpeg-source.ts: ffprobe, used by file: to decide between -c:v copy and re-encoding. */
  ffprobePath: 'ffprobe',
  /** sources/ffmpeg-source.ts stop(): SIGTERM, then SIGKILL after this long. */
  sourceStopTimeoutMs: 2_000,
  /** sources/source-factory.ts → FfmpegSource restart, pulled URL sources only: first respawn delay… */
  sourceRestartInitialMs: 1_000,
  /** …doubling up to this; a run longer than this resets the delay. */
  sourceRestartMaxMs: 30_000,
  /**
   * publish/ws-publisher-server.ts WebSocketServer maxPayload: the largest single message a
   * publisher may send (one Annex-B chunk; a 1080p key frame is a few hundred KiB). Larger → close 1009.
   */
  publishMaxPayloadBytes: 8 * 1024 * 1024,
  /**
   * publish/publish-source.ts: a publisher that sends no bytes for this long is disconnected, so a
   * vanished one (dead TCP, frozen tab) does not hold the stream and block its reconnection.
   */
  publishIdleTimeoutMs: 10_000,
  /**
   * sources/on-demand-source.ts: an on-demand source keeps running this long after its last viewer
   * left, so a page reload or a viewer switching streams and back does not pay a new start-up.
   */
  onDemandCloseAfterMs: 10_000,
  /**
   * sources/on-demand-source.ts: an on-demand source with no picture this long after it was started
   * puts its stream in `error` (a camera or URL that hangs), and keeps trying. 0 = never.
   */
  onDemandStartTimeoutMs: 10_000,
  /** hls/hls-packager.ts: nominal LL-HLS part duration, rounded to whole frames (PART-TARGET). */
  hlsPartTargetMs: 200,
  /** hls/hls-packager.ts: a segment ends at the first key frame after this long (a longer GOP makes longer segments). */
  hlsSegmentTargetMs: 1_000,
  /** hls/part-store.ts: segments listed in a playlist (more if needed to list 3 × TARGETDURATION). */
  hlsWindowSegments: 6,
  /** hls/hls-routes.ts: a blocking playlist or hinted part request answers 503 after this long; 0 = 3 × TARGETDURATION. */
  hlsBlockTimeoutMs: 0,
  /** hls/hls-service.ts: a stream's packager (and its viewer demand) is dropped after this long without an HLS request. */
  hlsIdleTimeoutMs: 30_000,
});

type Validator = (value: unknown) => boolean;
const isNonNegInt: Validator = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isPosInt: Validator = (v) => isNonNegInt(v) && (v as number) > 0;
const isString: Validator = (v) => typeof v === 'string';

const validators: Record<keyof ServerConfig, [Validator, string]> = {
  host: [(v) => isString(v) && (v as string).length > 0, 'a non-empty host name or address'],
  port: [(v) => isNonNegInt(v) && (v as number) <= 65535, 'an integer port 0–65535 (0 = any free port)'],
  streams: [(v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'an object {name: source or {source, key, onDemand}}'],
  logLevel: [(v) => isString(v) && LOG_LEVELS.includes(v as string), `one of ${LOG_LEVELS.join(', ')}`],
  maxViewerBufferedBytes: [isPosInt, 'a positive integer (bytes)'],
  viewerMaxPayloadBytes: [isPosInt, 'a positive integer (bytes)'],
  heartbeatIntervalMs: [isPosInt, 'a positive integer (ms)'],
  idleFlushMs: [(v) => typeof v === 'number' && v >= 0 && v <= 1000, 'a number of ms, 0–1000 (0 disables)'],
  maxNalBytes: [isPosInt, 'a positive integer (bytes)'],
  maxFlvTagBytes: [isPosInt, 'a positive integer (bytes)'],
  gopCacheMaxFrames: [isPosInt, 'a positive integer'],
  gopCacheMaxBytes: [isPosInt, 'a positive integer (bytes)'],
  statsWindowMs: [isPosInt, 'a positive integer (ms)'],
  playerDir: [(v) => v === null || isString(v), 'a directory path or null'],
  ffmpegPath: [isString, 'a path'],
  ffprobePath: [isString, 'a path'],
  sourceStopTimeoutMs: [isPosInt, 'a positive integer (ms)'],
  sourceRestartInitialMs: [isPosInt, 'a positive integer (ms)'],
  sourceRestartMaxMs: [isPosInt, 'a positive integer (ms)'],
  publishMaxPayloadBytes: [isPosInt, 'a positive integer (bytes)'],
  publishIdleTimeoutMs: [isPosInt, 'a positive integer (ms)'],
  onDemandCloseAfterMs: [isNonNegInt, 'an integer number of ms (0 = stop as soon as the last viewer leaves)'],
  onDemandStartTimeoutMs: [isNonNegInt, 'an integer number of ms (0 = no limit)'],
  hlsPartTargetMs: [(v) => isPosInt(v) && (v as number) >= 50 && (v as number) <= 5_000, 'an integer number of ms, 50–5000'],
  hlsSegmentTargetMs: [(v) => isPosInt(v) && (v as number) >= 200 && (v as number) <= 30_000, 'an integer number of ms, 200–30000'],
  hlsWindowSegments: [(v) => isPosInt(v) && (v as number) >= 3 && (v as number) <= 100, 'an integer, 3–100'],
  hlsBlockTimeoutMs: [isNonNegInt, 'an integer number of ms (0 = 3 × the target duration)'],
  hlsIdleTimeoutMs: [isPosInt, 'a positive integer (ms)'],
};

/**
 * Merges `partial` over the defaults and validates every key. Throws ServerError
 * SRV_ERR_CONFIG_INVALID (err.key = the offending key) on unknown keys or bad values, and
 * SRV_ERR_STREAM_NAME_INVALID / SRV_ERR_SOURCE_INVALID for bad streams.
 */
export function resolveServerConfig(partial: Partial<ServerConfig> = {}): ServerConfig {
  for (const key of Object.keys(partial)) {
    if (!(key in validators)) {
      throw createError(ServerErrorCode.CONFIG_INVALID, `unknown config key "${key}"`, { key });
    }
  }
  const merged = { ...defaultServerConfig, ...stripUndefined(partial) } as ServerConfig;
  for (const [key, [valid, expected]] of Object.entries(validators)) {
    const value = merged[key as keyof ServerConfig];
    if (!valid(value)) {
      throw createError(
        ServerErrorCode.CONFIG_INVALID,
        `config "${key}" must be ${expected}, got ${JSON.stringify(value)}`,
        { key },
      );
    }
  }
  if (merged.sourceRestartMaxMs < merged.sourceRestartInitialMs) {
    throw createError(
      ServerErrorCode.CONFIG_INVALID,
      `config "sourceRestartMaxMs" (${merged.sourceRestartMaxMs}) must be >= "sourceRestartInitialMs" (${merged.sourceRestartInitialMs})`,
      { key: 'sourceRestartMaxMs' },
    );
  }
  const streams: Record<string, StreamEntry> = {};
  for (const [name, entry] of Object.entries(merged.streams)) {
    if (!STREAM_NAME_PATTERN.test(name)) {
      throw createError(
        ServerErrorCode.STREAM_NAME_INVALID,
        `stream name "${name}" must match ${STREAM_NAME_PATTERN.source}`,
        { key: name },
      );
    }
    streams[name] = resolveStreamEntry(name, entry);
  }
  return { ...merged, streams };
}

/** Validates one stream entry; a string stays a string, an object keeps only its known keys. */
function resolveStreamEntry(name: string, entry: unknown): StreamEntry {
  const bad = (message: string) => createError(ServerErrorCode.CONFIG_INVALID, `stream "${name}": ${message}`, { key: name });
  if (typeof entry === 'string') {
    parseSourceSpec(entry, name);
    return entry;
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw bad('must be a SOURCE string or an object {"source": SOURCE, "key": KEY, "onDemand": true|false}');
  }
  for (const key of Object.keys(entry)) {
    if (!STREAM_CONFIG_KEYS.includes(key)) throw bad(`unknown key "${key}" (expected ${STREAM_CONFIG_KEYS.join(', ')})`);
  }
  const { source, key, onDemand } = entry as { source?: unknown; key?: unknown; onDemand?: unknown };
  if (typeof source !== 'string') throw bad('"source" must be a string');
  const spec = parseSourceSpec(source, name);
  const resolved: StreamConfig = { source };
  if (key !== undefined) {
    if (spec.kind !== 'publish') throw bad(`"key" is only used by publish streams (source is "${redactSecrets(source)}")`);
    if (typeof key !== 'string' || !PUBLISH_KEY_PATTERN.test(key)) {
      throw bad('"key" must be 1–256 printable ASCII characters without spaces');
    }
    resolved.key = key;
  }
  if (onDemand !== undefined) {
    if (typeof onDemand !== 'boolean') throw bad(`"onDemand" must be true or false, got ${JSON.stringify(onDemand)}`);
    if (onDemand && !canStartOnDemand(spec)) {
      throw bad(`"onDemand" needs a source that can start when a viewer comes (file:, ffmpeg:, camera, a pulled URL); "${redactSecrets(source)}" is always on`);
    }
    if (onDemand) resolved.onDemand = true;
  }
  return resolved;
}

/** "SOURCE" or {source, key, onDemand} → {source, key?, onDemand?}. */
export function streamConfig(entry: StreamEntry): StreamConfig {
  return typeof entry === 'string' ? { source: entry } : entry;
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
