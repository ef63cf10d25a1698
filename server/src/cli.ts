import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { resolveServerConfig, type ServerConfig } from './config.js';
import { createError, describeError, ServerErrorCode } from './errors.js';

export const HELP = `Usage: framewire serve [options]

Serve low-latency H.264 live streams to browsers (WebSocket + MSE).

Options:
  --config FILE        JSON config file: {"host", "port", "streams": {"NAME": "SOURCE"}, …}
  --host H             listen address (default 0.0.0.0: every interface)
  --port P             listen port (default 8080; 0 = any free port)
  --stream NAME=SOURCE add a stream (repeatable); default: demo=demo
  --log-level L        fatal|error|warn|info|debug|trace|silent (default info; env FRAMEWIRE_LOG_LEVEL)
  -h, --help           show this help

SOURCE:
  demo                 bundled clip, looped, paced in real time
  file:PATH            any file ffmpeg reads (looped); raw .h264 read directly
  rtsp://… rtmp://… srt://… http(s)://…   pulled through ffmpeg
  ffmpeg:ARGS          any ffmpeg input arguments, e.g. "ffmpeg:-re -f lavfi -i testsrc2=size=640x360:rate=30"
  stdin                Annex-B H.264 on standard input

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
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] === 'help') return 'help';
  if (positionals.length > 1 || (positionals.length === 1 && positionals[0] !== 'serve')) {
    throw createError(ServerErrorCode.CONFIG_INVALID, `unknown command "${positionals.join(' ')}" (expected: serve)`, { key: 'command' });
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
    const streams: Record<string, string> = { ...(values.config !== undefined ? partial.streams : {}) };
    for (const entry of values.stream) {
      const eq = entry.indexOf('=');
      if (eq <= 0) {
        throw createError(ServerErrorCode.CONFIG_INVALID, `--stream expects NAME=SOURCE, got "${entry}"`, { key: 'streams' });
      }
      streams[entry.slice(0, eq)] = entry.slice(eq + 1);
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
