import { z } from 'zod';
import { isOriginPattern } from '../security/origin-policy.js';

/**
 * The one definition of the server's configuration. Everything else is derived from it: the
 * defaults, the validation (resolve.ts), the environment variable and flag of every key (env.ts,
 * cli.ts), the JSON Schema for editors (json-schema.ts, server/framewire.schema.json) and
 * `framewire --help`. Adding a key is one entry below: a comment naming the module that reads it,
 * the zod type with its bounds and default, and a one-line description for users.
 *
 * Error texts: every check of a key carries the same phrase, so a bad value reads
 * `config: KEY (from ORIGIN): must be PHRASE, got VALUE` whatever check failed (resolve.ts).
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Stream names appear in URLs (/watch/NAME, /live/NAME): keep them URL- and file-safe. */
export const STREAM_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Publish keys travel in URLs and headers: printable ASCII without spaces, bounded. */
export const PUBLISH_KEY_PATTERN = /^[\x21-\x7e]{1,256}$/;

/** An integer in [min, max]; one phrase for the type check and both bounds. */
function int(expected: string, min: number, max?: number) {
  const error = { error: expected };
  const schema = z.int(error).min(min, error);
  return max === undefined ? schema : schema.max(max, error);
}
const positiveInt = (unit: string) => int(`a positive integer (${unit})`, 1);
const path = (expected = 'a path') => z.string({ error: expected }).min(1, { error: expected });

const PUBLISH_KEY_PHRASE = '1–256 printable ASCII characters without spaces';

/** security/origin-policy.ts: `*`, `null`, or origins exactly as browsers send them. */
const ORIGIN_PHRASE = 'a list of origins as browsers send them ("https://example.com", "http://localhost:3000"; scheme://host[:port], no path), "*" (any page) or "null"';
const originList = () =>
  z.array(z.string({ error: ORIGIN_PHRASE }).refine(isOriginPattern, { error: ORIGIN_PHRASE }), { error: ORIGIN_PHRASE });

/** RFC 7518 3.2: an HS256 key must be at least as long as the hash output, 256 bits. */
const TOKEN_SECRET_PHRASE = 'a secret of at least 32 characters (e.g. `openssl rand -base64 48`), or null';

/**
 * One stream in the object form. `key` is the publish key of a `publish` stream (WS/PUT/POST
 * /publish/NAME); without one, app.ts generates a random key at start and prints it. `onDemand`:
 * the source runs only while the stream has viewers (sources/on-demand-source.ts).
 */
export const streamObjectSchema = z.strictObject({
  source: z.string({ error: 'a SOURCE string' }).describe('SOURCE: demo, file:PATH, camera[:DEVICE], rtsp://…, ffmpeg:ARGS, stdin, publish (see framewire --help)'),
  // writeOnly (JSON Schema 2020-12 §9.4): `framewire config` prints it redacted (print.ts).
  key: z
    .string({ error: PUBLISH_KEY_PHRASE })
    .regex(PUBLISH_KEY_PATTERN, { error: PUBLISH_KEY_PHRASE })
    .meta({ writeOnly: true })
    .optional()
    .describe('publish key of a publish stream; none: a random key is generated at each start'),
  onDemand: z
    .boolean({ error: 'true or false' })
    .optional()
    .describe('start the source when the first viewer comes, stop it onDemandCloseAfterMs after the last one left'),
  /** security/viewer-access.ts: this stream's own setting, over the global requireViewerToken. */
  requireViewerToken: z
    .boolean({ error: 'true or false' })
    .optional()
    .describe('viewers of this stream need a signed token (viewerTokenSecret); default: the global requireViewerToken'),
  /** transport/ws-server.ts: this stream's own viewer limit, over maxViewersPerStream. */
  maxViewers: int('an integer (0 = no limit of its own)', 0)
    .optional()
    .describe('most WebSocket viewers of this stream (0: only maxViewers applies); default: maxViewersPerStream'),
});

/** A stream entry as written: "SOURCE" or {source, key?, onDemand?}. */
const streamEntrySchema = z.union([z.string(), streamObjectSchema], {
  error: 'a SOURCE string or an object {source: SOURCE, key: KEY, onDemand: true|false, requireViewerToken: true|false, maxViewers: N}',
});

export const configSchema = z.strictObject({
  /** http/http-server.ts listen(): all interfaces, so other machines on the LAN can watch. */
  host: z.string({ error: 'a non-empty host name or address' }).min(1, { error: 'a non-empty host name or address' }).default('0.0.0.0')
    .describe('listen address (0.0.0.0: every interface)'),
  /** http/http-server.ts listen(); 0 picks a free port. */
  port: int('an integer 0..65535 (0 = any free port)', 0, 65535).default(8080)
    .describe('listen port (0: any free port)'),
  /** app.ts creates one Stream + Source per entry; with none given we serve the bundled demo. */
  streams: z.record(z.string().regex(STREAM_NAME_PATTERN), streamEntrySchema, { error: 'an object {NAME: SOURCE or {source, key, onDemand}}' })
    .default({ demo: 'demo' })
    .describe('NAME → SOURCE, or NAME → {source, key, onDemand}; names match [A-Za-z0-9_-]{1,64}'),
  /** logger.ts: the pino level. */
  logLevel: z.enum(LOG_LEVELS, { error: `one of ${LOG_LEVELS.join(', ')}` }).default('info')
    .describe('log level'),
  /**
   * logger.ts: `json` = one pino JSON object per line (for log collectors), `pretty` = one
   * readable line per entry. Both go to stderr (stdout carries only the "ready" lines).
   */
  logFormat: z.enum(LOG_FORMATS, { error: `one of ${LOG_FORMATS.join(', ')}` }).default('json')
    .describe('log lines on stderr: json (JSON lines) or pretty (human-readable)'),
  /**
   * metrics/metrics-http.ts: GET /metrics answers only requests from this machine (loopback, and
   * not forwarded by a proxy) unless true: stream names and load are nobody else's business.
   */
  metricsAllowRemote: z.boolean({ error: 'true or false' }).default(false)
    .describe('serve GET /metrics to other machines too (default: loopback only)'),
  /**
   * http/http-server.ts: GET /api/streams for other machines too. Loopback only by default, like
   * /metrics (issue 7: "the API and metrics bind to localhost unless configured"): stream names,
   * states and viewer counts are an inventory of the site. The index and grid pages of a remote
   * browser then say how to open a stream by name (/watch/NAME) or to set this key.
   */
  apiAllowRemote: z.boolean({ error: 'true or false' }).default(false)
    .describe('serve GET /api/streams to other machines too (default: loopback only; the index page then lists nothing remotely)'),
  /**
   * security/origin-policy.ts, for WS /live/NAME and GET /hls/NAME/…: the pages that may play
   * streams from this server in a browser. Any by default, so embeds on other sites work; the
   * server's own pages and clients that send no Origin (not browsers) are always allowed.
   */
  allowedOrigins: originList().default(['*'])
    .describe('origins of web pages allowed to play (WS /live, /hls); "*" = any; own pages always'),
  /**
   * security/origin-policy.ts, for WS and PUT/POST /publish/NAME: none listed = only the
   * server's own publish page (and programs, which send no Origin). A key is needed anyway.
   */
  publishAllowedOrigins: originList().default([])
    .describe('origins of other web pages allowed to publish (default none: own publish page only)'),
  /**
   * security/tokens.ts: the HMAC-SHA-256 key of viewer tokens (JWT): `framewire token NAME`
   * mints them with it, and streams with requireViewerToken accept only tokens it signed.
   * writeOnly: printed as *** (print.ts) and never echoed in errors.
   */
  viewerTokenSecret: z.string({ error: TOKEN_SECRET_PHRASE }).min(32, { error: TOKEN_SECRET_PHRASE }).nullable().default(null)
    .meta({ writeOnly: true })
    .describe('secret that signs viewer tokens (at least 32 characters; env FRAMEWIRE_VIEWER_TOKEN_SECRET)'),
  /** security/viewer-access.ts: every stream needs a viewer token unless its entry says requireViewerToken: false. */
  requireViewerToken: z.boolean({ error: 'true or false' }).default(false)
    .describe('viewers of every stream need a signed, expiring token (framewire token NAME); per stream: streams.NAME.requireViewerToken'),
  /** transport/ws-server.ts: WebSocket viewers of all streams together; more → close 1013 (try again later). */
  maxViewers: int('an integer (0 = no limit)', 0).default(1000)
    .describe('most WebSocket viewers in total (0: no limit); more are closed with 1013'),
  /** transport/ws-server.ts: WebSocket viewers of one stream, unless its entry sets maxViewers. */
  maxViewersPerStream: int('an integer (0 = no limit of its own)', 0).default(0)
    .describe('most WebSocket viewers of one stream (0: only maxViewers applies)'),
  /**
   * security/connection-limits.ts: open TCP connections from one address (viewers, page loads,
   * HLS, publishers); more → 429. Behind a reverse proxy every client shares the proxy's address:
   * set 0 there and limit in the proxy.
   */
  maxConnectionsPerIp: int('an integer (0 = no limit)', 0).default(100)
    .describe('most open connections from one IP address (0: no limit; 0 behind a reverse proxy)'),
  /**
   * security/handshake-timeout.ts: the TLS handshake, the request headers and the WebSocket
   * upgrade must each complete within this (slowloris); Node's own default is 60 s for headers.
   */
  handshakeTimeoutMs: int('an integer number of ms, 500–120000', 500, 120_000).default(10_000)
    .describe('a connection that has not sent its request headers (or finished TLS / WebSocket handshakes) in this long is closed'),
  /** app.ts → http/http-server.ts: with tlsKey, serve https:// and wss:// (node:https) instead of http://. */
  tlsCert: path('a file path (PEM certificate chain) or null').nullable().default(null)
    .describe('PEM certificate (chain) file: serve HTTPS and WSS (needs tlsKey)'),
  /** app.ts: the private key of tlsCert (PEM). */
  tlsKey: path('a file path (PEM private key) or null').nullable().default(null)
    .describe('PEM private key file of tlsCert'),
  /** transport/ws-session.ts: above this many bytes queued on a viewer socket, drop until the next IDR. */
  maxViewerBufferedBytes: positiveInt('bytes').default(4 * 1024 * 1024)
    .describe('a viewer holding more unsent bytes than this stops receiving until the next key frame'),
  /** transport/ws-server.ts WebSocketServer maxPayload: viewers only ever send small control text. */
  viewerMaxPayloadBytes: positiveInt('bytes').default(64 * 1024)
    .describe('largest WebSocket message a viewer may send'),
  /** transport/ws-server.ts: ping period; a viewer that has not answered the previous ping is terminated. */
  heartbeatIntervalMs: positiveInt('ms').default(10_000)
    .describe('WebSocket ping period (viewers and publishers)'),
  /** pipeline/annexb-ingest.ts: flush the pending access unit when no bytes arrived for this long (LOW-LATENCY.md). 0 disables. */
  idleFlushMs: z.number({ error: 'a number of ms, 0–1000 (0 disables)' }).min(0, { error: 'a number of ms, 0–1000 (0 disables)' })
    .max(1000, { error: 'a number of ms, 0–1000 (0 disables)' }).default(2)
    .describe('stdin and publishers: a pause this long ends a picture (0 disables)'),
  /** pipeline/annexb-ingest.ts → AnnexBSplitter maxNalBytes: bounds memory on garbage input. */
  maxNalBytes: positiveInt('bytes').default(8 * 1024 * 1024)
    .describe('largest NAL unit accepted from Annex-B input'),
  /** sources/flv-demuxer.ts: a larger FLV tag means a corrupt stream; bounds memory. */
  maxFlvTagBytes: positiveInt('bytes').default(16 * 1024 * 1024)
    .describe('largest FLV tag accepted from ffmpeg'),
  /** pipeline/gop-cache.ts: stop caching (until the next IDR) past this many access units… */
  gopCacheMaxFrames: positiveInt('frames').default(600)
    .describe('most frames kept since the last key frame for joining viewers'),
  /** pipeline/gop-cache.ts: …or this many encoded bytes. */
  gopCacheMaxBytes: positiveInt('bytes').default(32 * 1024 * 1024)
    .describe('most bytes kept since the last key frame for joining viewers'),
  /** pipeline/stream.ts: sliding window for the bitrate and fps shown in /api/streams and /metrics. */
  statsWindowMs: positiveInt('ms').default(2_000)
    .describe('window of the fps and bitrate in /api/streams and /metrics'),
  /** http/http-server.ts: directory of the built player pages; null = <repo>/player/dist. */
  playerDir: z.string({ error: 'a directory path or null' }).nullable().default(null)
    .describe('directory of the built player pages (null: player/dist of this repository)'),
  /** sources/ffmpeg-source.ts: the ffmpeg executable. */
  ffmpegPath: path().default('ffmpeg')
    .describe('the ffmpeg executable'),
  /** sources/ffmpeg-source.ts: ffprobe, used by file: to decide between -c:v copy and re-encoding. */
  ffprobePath: path().default('ffprobe')
    .describe('the ffprobe executable'),
  /** sources/ffmpeg-source.ts stop(): SIGTERM, then SIGKILL after this long. */
  sourceStopTimeoutMs: positiveInt('ms').default(2_000)
    .describe('ffmpeg gets this long to exit after SIGTERM before SIGKILL'),
  /** sources/source-factory.ts → FfmpegSource restart, pulled URL sources only: first respawn delay… */
  sourceRestartInitialMs: positiveInt('ms').default(1_000)
    .describe('first delay before ffmpeg is started again after it exited'),
  /** …doubling up to this; a run longer than this resets the delay. */
  sourceRestartMaxMs: positiveInt('ms').default(30_000)
    .describe('longest restart delay (the delay doubles up to this)'),
  /**
   * publish/ws-publisher-server.ts WebSocketServer maxPayload: the largest single message a
   * publisher may send (one Annex-B chunk; a 1080p key frame is a few hundred KiB). Larger → close 1009.
   */
  publishMaxPayloadBytes: positiveInt('bytes').default(8 * 1024 * 1024)
    .describe('largest WebSocket message a publisher may send'),
  /**
   * publish/publish-source.ts: a publisher that sends no bytes for this long is disconnected, so a
   * vanished one (dead TCP, frozen tab) does not hold the stream and block its reconnection.
   */
  publishIdleTimeoutMs: positiveInt('ms').default(10_000)
    .describe('a publisher silent this long is disconnected'),
  /**
   * sources/on-demand-source.ts: an on-demand source keeps running this long after its last viewer
   * left, so a page reload or a viewer switching streams and back does not pay a new start-up.
   */
  onDemandCloseAfterMs: int('an integer number of ms (0 = stop as soon as the last viewer leaves)', 0).default(10_000)
    .describe('an on-demand source keeps running this long after its last viewer left'),
  /**
   * sources/on-demand-source.ts: an on-demand source with no picture this long after it was started
   * puts its stream in `error` (a camera or URL that hangs), and keeps trying. 0 = never.
   */
  onDemandStartTimeoutMs: int('an integer number of ms (0 = no limit)', 0).default(10_000)
    .describe('an on-demand source without a picture this long after its start is an error (0: no limit)'),
  /** hls/hls-packager.ts: nominal LL-HLS part duration, rounded to whole frames (PART-TARGET). */
  hlsPartTargetMs: int('an integer number of ms, 50–5000', 50, 5_000).default(200)
    .describe('LL-HLS part duration'),
  /**
   * hls/hls-packager.ts: a segment ends at the first key frame after this long (a longer GOP makes
   * longer segments). 2 s holds a whole number of the usual 1 s and 2 s GOPs, so TARGETDURATION
   * is 2 from the first playlist on and does not have to grow.
   */
  hlsSegmentTargetMs: int('an integer number of ms, 200–30000', 200, 30_000).default(2_000)
    .describe('LL-HLS segment duration (a segment ends at the first key frame after it)'),
  /** hls/part-store.ts: segments listed in a playlist (more if needed to list 3 × TARGETDURATION). */
  hlsWindowSegments: int('an integer, 3–100', 3, 100).default(6)
    .describe('segments listed in an LL-HLS playlist'),
  /** hls/hls-routes.ts: a blocking playlist or hinted part request answers 503 after this long; 0 = 3 × TARGETDURATION. */
  hlsBlockTimeoutMs: int('an integer number of ms (0 = 3 × the target duration)', 0).default(0)
    .describe('a blocking LL-HLS request answers 503 after this long (0: 3 × target duration)'),
  /** hls/hls-service.ts: a stream's packager (and its viewer demand) is dropped after this long without an HLS request. */
  hlsIdleTimeoutMs: positiveInt('ms').default(30_000)
    .describe("a stream's HLS packager is dropped after this long without an HLS request"),
});

/** The effective configuration: every key present, validated. */
export type ServerConfig = z.output<typeof configSchema>;
/** A stream entry as written: "SOURCE" or {source, key?, onDemand?}. */
export type StreamEntry = ServerConfig['streams'][string];
export type StreamConfig = z.output<typeof streamObjectSchema>;
export type ConfigKey = keyof ServerConfig;

/** Every config key, in definition order (help, schema and `framewire config` list them so). */
export const CONFIG_KEYS = Object.keys(configSchema.shape) as ConfigKey[];

/** Every default, each documented with the module that reads it in configSchema above. */
export const defaultServerConfig: Readonly<ServerConfig> = Object.freeze(configSchema.parse({}));
