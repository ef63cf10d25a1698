import { parseArgs } from 'node:util';
import { configFromEnv, ENV_CONFIG_FILE, flagName, valueFromText, type ConfigLayer } from './config/env.js';
import { mergeLayers, readConfigFile } from './config/load.js';
import { configKeysHelp } from './config/print.js';
import { CONFIG_KEYS, type ConfigKey } from './config/schema.js';
import { resolveServerConfig, streamConfig, type ConfigOrigins, type ServerConfig, type StreamEntry } from './config.js';
import { STREAM_NAME_PATTERN } from './config/schema.js';
import { createError, ServerErrorCode } from './errors.js';
import { parseDuration } from './security/tokens.js';
import { formatCameraList, listCameras, type ListCamerasOptions } from './sources/camera-devices.js';

const USAGE = `Usage: framewire serve [options]     serve the streams (the default command)
       framewire config [options]    print the effective configuration (YAML, secrets as ***) and exit
       framewire token NAME [--ttl 1h] [options]
                                     print a signed viewer token for stream NAME (or "*": every stream),
                                     valid for --ttl (s, m, h, d; default 1h); needs viewerTokenSecret
       framewire devices             list local cameras (for camera:DEVICE)
       framewire schema              print the JSON Schema of the config file

Serve low-latency H.264 live streams to browsers (WebSocket + MSE).

Options:
  --config FILE        YAML (or JSON) config file with any of the keys below (env FRAMEWIRE_CONFIG);
                       editors check it against server/framewire.schema.json:
                       # yaml-language-server: $schema=PATH/TO/framewire.schema.json
  --host H             listen address (default 0.0.0.0: every interface)
  --port P             listen port (default 8080; 0 = any free port)
  --stream NAME=SOURCE add a stream (repeatable); default: demo=demo. Added to the streams of the file and of
                       FRAMEWIRE_STREAMS (YAML/JSON: FRAMEWIRE_STREAMS='{cam: "rtsp://…"}'), replacing same-named ones
  --key NAME=KEY       publish key of the publish stream NAME (repeatable; config: "NAME": {"source": "publish", "key": KEY});
                       a publish stream without a key gets a random one at start, printed with its URL
  --on-demand NAME     start stream NAME's source when its first viewer connects and stop it when the last one
                       has been gone for onDemandCloseAfterMs (10 s) (repeatable; config: "NAME": {"source": …,
                       "onDemand": true}); for file:, ffmpeg:, camera and pulled URLs; other streams are always on
  --log-level L        fatal|error|warn|info|debug|trace|silent (default info)
  --log-format F       json (JSON lines, default) | pretty (one readable line per entry); logs go to stderr
  --set KEY=VALUE      set any config key (repeatable), e.g. --set hlsPartTargetMs=300
  --KEY-IN-KEBAB-CASE VALUE   the same, one flag per key, e.g. --hls-part-target-ms 300
  -h, --help           show this help

`;

const SOURCES_HELP = `SOURCE:
  demo                 bundled clip, looped, paced in real time
  file:PATH[?loop=0]   any file ffmpeg reads (mp4 mkv mov ts …; raw .h264 read directly), paced in real
                       time, looped; loop=0 plays it once, then the stream ends. 8-bit 4:2:0 progressive
                       H.264 is copied (with B-frames too: adds their reorder delay); anything else
                       (other codecs, High 10, 4:2:2, interlaced) is encoded with x264 ultrafast/zerolatency
  camera[:DEVICE][?size=WxH&fps=N&gop=N&format=F]
                       local camera through ffmpeg: Linux V4L2 (default /dev/video0), macOS AVFoundation
                       (index, default 0), Windows DirectShow (name, required); see \`framewire devices\`.
                       Encoded with x264 ultrafast, zerolatency, no B-frames, a key frame every gop frames
                       (default fps, else 30); format=h264 copies the camera's own H.264 (no encode),
                       other formats (mjpeg, yuyv422) pick the capture format
  rtsp://… rtmp://… srt://… http(s)://…   pulled through ffmpeg (RTSP over TCP), re-opened with
                       backoff when the remote side drops
  srt://0.0.0.0:PORT?mode=listener&passphrase=KEY   OBS/ffmpeg push over SRT; only a publisher with
                       the passphrase (10-79 characters) can connect
  rtmp://0.0.0.0:PORT/live/KEY?listen=1   OBS/ffmpeg push over RTMP (server rtmp://HOST:PORT/live,
                       stream key KEY); a publisher with another key is disconnected
  ffmpeg:ARGS          any ffmpeg input arguments, e.g. "ffmpeg:-re -f lavfi -i testsrc2=size=640x360:rate=30"
  stdin                Annex-B H.264 on standard input
  publish              waits for a publisher: WS /publish/NAME (Annex-B chunks; the page GET /publish/NAME
                       publishes a browser webcam), or PUT/POST /publish/NAME with a chunked Annex-B body:
                       ffmpeg … -c:v libx264 -tune zerolatency -bf 0 -f h264 -method PUT "http://HOST:PORT/publish/NAME?key=KEY"
                       key: ?key=KEY or "Authorization: Bearer KEY"; 401 no key, 403 wrong key, 404 unknown stream,
                       405 not a publish stream, 409 already publishing (WS close codes 4401 4403 4404 4405 4409)

`;

const FOOTER = `Viewer:   http://HOST:PORT/watch/NAME   (embed: /embed/NAME, WebSocket: /live/NAME)
API:      /api/streams   /healthz   /metrics (Prometheus; from this machine only unless metricsAllowRemote)
SIGTERM/SIGINT: viewers are closed with 1001, sources stopped, exit within 5 s.`;

/** `framewire --help`: the fixed text, then every config key from the schema. */
export const HELP = `${USAGE}${SOURCES_HELP}${FOOTER}\n\n${configKeysHelp()}`;

/** What the command line asks for. */
export type Command =
  | { command: 'help' }
  | { command: 'serve' | 'config'; config: ServerConfig; origins: ConfigOrigins }
  | { command: 'token'; config: ServerConfig; origins: ConfigOrigins; stream: string; ttlSeconds: number };

/** `framewire token` without --ttl. */
const DEFAULT_TOKEN_TTL = '1h';

/** Flags that are not config keys of their own. */
const SPECIAL_OPTIONS = {
  config: { type: 'string' },
  stream: { type: 'string', multiple: true },
  key: { type: 'string', multiple: true },
  'on-demand': { type: 'string', multiple: true },
  set: { type: 'string', multiple: true },
  ttl: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** One string flag per config key (--port, --log-level, --hls-part-target-ms, …); streams has --stream. */
const KEY_FLAGS = new Map<string, ConfigKey>(CONFIG_KEYS.filter((k) => k !== 'streams').map((k) => [flagName(k), k]));

/**
 * argv + environment → the command and its effective config. Precedence, each key on its own:
 * flags > environment (FRAMEWIRE_*) > the config file (--config, else FRAMEWIRE_CONFIG) > defaults.
 * Throws ServerError (SRV_ERR_CONFIG_INVALID / SRV_ERR_CONFIG_FILE, naming the key and its origin)
 * or node:util's ERR_PARSE_ARGS_* for unknown flags.
 */
export async function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<Command> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = { ...SPECIAL_OPTIONS };
  for (const flag of KEY_FLAGS.keys()) options[flag] = { type: 'string' };
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  if (values.help === true || positionals[0] === 'help') return { command: 'help' };
  const command = positionals[0] ?? 'serve';
  if (command === 'token' ? positionals.length !== 2 : positionals.length > 1 || (command !== 'serve' && command !== 'config')) {
    const expected = command === 'token' ? 'framewire token NAME [--ttl 1h] (NAME: a stream name or "*")' : 'serve, config, token, devices or schema';
    throw createError(ServerErrorCode.CONFIG_INVALID, `unknown command "${positionals.join(' ')}" (expected: ${expected})`, { key: 'command' });
  }
  if (values.ttl !== undefined && command !== 'token') throw createError(ServerErrorCode.CONFIG_INVALID, '--ttl is an option of `framewire token`', { key: 'ttl' });

  const file = (values.config as string | undefined) ?? env[ENV_CONFIG_FILE];
  const fileLayer = file !== undefined && file !== '' ? await readConfigFile(file) : { values: {}, origins: new Map() };
  const merged = mergeLayers([fileLayer, configFromEnv(env), flagLayer(values)]);
  applyStreamFlags(merged, values);
  const config = resolveServerConfig(merged.values, merged.origins);
  if (command === 'token') return tokenCommand(config, merged.origins, positionals[1] ?? '', (values.ttl as string | undefined) ?? DEFAULT_TOKEN_TTL);
  return { command: command === 'config' ? 'config' : 'serve', config, origins: merged.origins };
}

/** `framewire token NAME --ttl T`: checked here, minted by main.ts (security/tokens.ts). */
function tokenCommand(config: ServerConfig, origins: ConfigOrigins, stream: string, ttl: string): Command {
  if (stream !== '*' && !STREAM_NAME_PATTERN.test(stream)) {
    throw createError(ServerErrorCode.STREAM_NAME_INVALID, `framewire token: NAME must be a stream name (${STREAM_NAME_PATTERN.source}) or "*", got "${stream}"`, { key: 'command' });
  }
  const ttlSeconds = parseDuration(ttl);
  if (ttlSeconds === null) throw createError(ServerErrorCode.CONFIG_INVALID, `--ttl must be a duration such as 90s, 30m, 1h or 2d, got "${ttl}"`, { key: 'ttl' });
  if (config.viewerTokenSecret === null) {
    throw createError(ServerErrorCode.CONFIG_INVALID, 'config: viewerTokenSecret: must be set to mint tokens (FRAMEWIRE_VIEWER_TOKEN_SECRET, or viewerTokenSecret in the --config file)', { key: 'viewerTokenSecret' });
  }
  return { command: 'token', config, origins, stream, ttlSeconds };
}

/** Compatibility with callers from before `framewire config`: the serve config, or 'help'. */
export async function configFromArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<ServerConfig | 'help'> {
  const parsed = await parseCommandLine(argv, env);
  if (parsed.command === 'help') return 'help';
  if (parsed.command !== 'serve') throw createError(ServerErrorCode.CONFIG_INVALID, `unknown command "${parsed.command}" (expected: serve)`, { key: 'command' });
  return parsed.config;
}

type ParsedValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** --set KEY=VALUE, then the per-key flags, then --stream NAME=SOURCE. */
function flagLayer(values: ParsedValues): ConfigLayer {
  const layer: ConfigLayer = { values: {}, origins: new Map() };
  for (const entry of strings(values.set)) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw createError(ServerErrorCode.CONFIG_INVALID, `--set expects KEY=VALUE, got "${entry}"`, { key: 'set' });
    const key = entry.slice(0, eq);
    const origin = `--set ${key}`;
    // An unknown key is passed on as text: validation refuses it, naming it (and a near miss).
    layer.values[key] = isConfigKey(key) ? valueFromText(key, entry.slice(eq + 1), origin) : entry.slice(eq + 1);
    layer.origins.set(key, origin);
  }
  for (const [flag, key] of KEY_FLAGS) {
    const text = values[flag];
    if (typeof text !== 'string') continue;
    layer.values[key] = valueFromText(key, text, `--${flag}`);
    layer.origins.set(key, `--${flag}`);
  }
  const streamFlags = strings(values.stream);
  if (streamFlags.length > 0) {
    const streams: Record<string, StreamEntry> = {};
    for (const entry of streamFlags) {
      const eq = entry.indexOf('=');
      if (eq <= 0) throw createError(ServerErrorCode.CONFIG_INVALID, `--stream expects NAME=SOURCE, got "${entry}"`, { key: 'streams' });
      const name = entry.slice(0, eq);
      streams[name] = entry.slice(eq + 1);
      layer.origins.set(`streams.${name}`, '--stream');
    }
    layer.values.streams = streams;
  }
  return layer;
}

/** --key NAME=KEY and --on-demand NAME change streams given by any layer (file, env, --stream). */
function applyStreamFlags(merged: ConfigLayer, values: ParsedValues): void {
  const current = merged.values.streams;
  const streams: Record<string, StreamEntry> = typeof current === 'object' && current !== null ? { ...(current as Record<string, StreamEntry>) } : {};
  const keys = strings(values.key);
  const onDemand = strings(values['on-demand']);
  if (keys.length === 0 && onDemand.length === 0) return;
  for (const entry of keys) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, Math.max(eq, 0));
    const stream = streams[name];
    if (eq <= 0 || stream === undefined) {
      throw createError(ServerErrorCode.CONFIG_INVALID, `--key expects NAME=KEY for a stream given with --stream or in the config, ${eq <= 0 ? `got "${entry}"` : `got "${name}=…": no such stream`}`, { key: 'streams' });
    }
    // resolveServerConfig refuses a key on a stream whose source is not publish.
    streams[name] = { ...streamConfig(stream), key: entry.slice(eq + 1) };
    merged.origins.set(`streams.${name}`, '--key');
  }
  for (const name of onDemand) {
    const stream = streams[name];
    if (stream === undefined) {
      throw createError(ServerErrorCode.CONFIG_INVALID, `--on-demand expects the NAME of a stream given with --stream or in the config, got "${name}"`, { key: 'streams' });
    }
    // resolveServerConfig refuses it for sources that cannot start on demand (publish, stdin, demo).
    streams[name] = { ...streamConfig(stream), onDemand: true };
    merged.origins.set(`streams.${name}`, '--on-demand');
  }
  merged.values.streams = streams;
}

function strings(value: ParsedValues[string]): string[] {
  return (Array.isArray(value) ? value : []).filter((v): v is string => typeof v === 'string');
}

function isConfigKey(key: string): key is ConfigKey {
  return (CONFIG_KEYS as string[]).includes(key);
}

/** Is this `framewire schema` (prints the JSON Schema; no flags)? */
export function isSchemaCommand(argv: readonly string[]): boolean {
  return argv.length === 1 && argv[0] === 'schema';
}

/** Is this `framewire devices` (checked before configFromArgs, which only knows serve)? */
export function isDevicesCommand(argv: readonly string[]): boolean {
  return argv.length === 1 && argv[0] === 'devices';
}

/** `framewire devices`: the cameras camera:DEVICE can open, or "no cameras found". */
export async function devicesReport(options: ListCamerasOptions = {}): Promise<string> {
  return formatCameraList(await listCameras(options), options.platform);
}
