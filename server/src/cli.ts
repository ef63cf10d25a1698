import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { resolveServerConfig, streamConfig, type ServerConfig, type StreamEntry } from './config.js';
import { createError, describeError, ServerErrorCode } from './errors.js';
import { formatCameraList, listCameras, type ListCamerasOptions } from './sources/camera-devices.js';

export const HELP = `Usage: framewire serve [options]
       framewire devices    list local cameras (for camera:DEVICE)

Serve low-latency H.264 live streams to browsers (WebSocket + MSE).

Options:
  --config FILE        JSON config file: {"host", "port", "streams": {"NAME": "SOURCE"}, …}
  --host H             listen address (default 0.0.0.0: every interface)
  --port P             listen port (default 8080; 0 = any free port)
  --stream NAME=SOURCE add a stream (repeatable); default: demo=demo
  --key NAME=KEY       publish key of the publish stream NAME (repeatable; config: "NAME": {"source": "publish", "key": KEY});
                       a publish stream without a key gets a random one at start, printed with its URL
  --on-demand NAME     start stream NAME's source when its first viewer connects and stop it when the last one
                       has been gone for onDemandCloseAfterMs (10 s) (repeatable; config: "NAME": {"source": …,
                       "onDemand": true}); for file:, ffmpeg:, camera and pulled URLs; other streams are always on
  --log-level L        fatal|error|warn|info|debug|trace|silent (default info; env FRAMEWIRE_LOG_LEVEL)
  -h, --help           show this help

SOURCE:
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

Viewer:   http://HOST:PORT/watch/NAME   (embed: /embed/NAME, WebSocket: /live/NAME)
API:      /api/streams   /healthz
Logs are JSON lines on stderr.`;

/** Turns argv into a config (file < flags); throws ServerError on bad input. */
export async function configFromArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<ServerConfig | 'help'> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      stream: { type: 'string', multiple: true },
      key: { type: 'string', multiple: true },
      'on-demand': { type: 'string', multiple: true },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] === 'help') return 'help';
  if (positionals.length > 1 || (positionals.length === 1 && positionals[0] !== 'serve')) {
    throw createError(ServerErrorCode.CONFIG_INVALID, `unknown command "${positionals.join(' ')}" (expected: serve or devices)`, { key: 'command' });
  }

  let partial: Partial<ServerConfig> = {};
  if (values.config !== undefined) partial = await readConfigFile(values.config);
  if (values.host !== undefined) partial.host = values.host;
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!/^\d+$/.test(values.port)) {
      throw createError(ServerErrorCode.CONFIG_INVALID, `--port must be a number, got "${values.port}"`, { key: 'port' });
    }
    partial.port = port;
  }
  if (values.stream !== undefined) {
    // Command-line streams are added to (and override same-named) streams of the config file.
    const streams: Record<string, StreamEntry> = { ...(values.config !== undefined ? partial.streams : {}) };
    for (const entry of values.stream) {
      const eq = entry.indexOf('=');
      if (eq <= 0) {
        throw createError(ServerErrorCode.CONFIG_INVALID, `--stream expects NAME=SOURCE, got "${entry}"`, { key: 'streams' });
      }
      streams[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    partial.streams = streams;
  }
  if (values.key !== undefined) {
    const streams: Record<string, StreamEntry> = { ...partial.streams };
    for (const entry of values.key) {
      const eq = entry.indexOf('=');
      const name = entry.slice(0, Math.max(eq, 0));
      const current = streams[name];
      if (eq <= 0 || current === undefined) {
        throw createError(ServerErrorCode.CONFIG_INVALID, `--key expects NAME=KEY for a stream given with --stream or in the config, got "${entry}"`, { key: 'streams' });
      }
      // resolveServerConfig refuses a key on a stream whose source is not publish.
      streams[name] = { ...streamConfig(current), key: entry.slice(eq + 1) };
    }
    partial.streams = streams;
  }
  if (values['on-demand'] !== undefined) {
    const streams: Record<string, StreamEntry> = { ...partial.streams };
    for (const name of values['on-demand']) {
      const current = streams[name];
      if (current === undefined) {
        throw createError(ServerErrorCode.CONFIG_INVALID, `--on-demand expects the NAME of a stream given with --stream or in the config, got "${name}"`, { key: 'streams' });
      }
      // resolveServerConfig refuses it for sources that cannot start on demand (publish, stdin, demo).
      streams[name] = { ...streamConfig(current), onDemand: true };
    }
    partial.streams = streams;
  }
  const level = values['log-level'] ?? env.FRAMEWIRE_LOG_LEVEL;
  if (level !== undefined) partial.logLevel = level as ServerConfig['logLevel'];
  return resolveServerConfig(partial);
}

async function readConfigFile(file: string): Promise<Partial<ServerConfig>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw createError(ServerErrorCode.CONFIG_FILE, `cannot read config file ${file}: ${describeError(err)}`, { key: 'config', cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // YAML support is a later issue; JSON only for now.
    throw createError(ServerErrorCode.CONFIG_FILE, `config file ${file} is not valid JSON: ${describeError(err)}`, { key: 'config', cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw createError(ServerErrorCode.CONFIG_FILE, `config file ${file} must hold a JSON object`, { key: 'config' });
  }
  return value as Partial<ServerConfig>;
}

/** Is this `framewire devices` (checked before configFromArgs, which only knows serve)? */
export function isDevicesCommand(argv: readonly string[]): boolean {
  return argv.length === 1 && argv[0] === 'devices';
}

/** `framewire devices`: the cameras camera:DEVICE can open, or "no cameras found". */
export async function devicesReport(options: ListCamerasOptions = {}): Promise<string> {
  return formatCameraList(await listCameras(options), options.platform);
}
