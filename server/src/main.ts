import { startServer, type RunningServer } from './app.js';
import { devicesReport, HELP, isDevicesCommand, isSchemaCommand, parseCommandLine, type Command } from './cli.js';
import { buildJsonSchema } from './config/json-schema.js';
import { formatEffectiveConfig } from './config/print.js';
import { describeError, ServerError } from './errors.js';
import { mintViewerToken } from './security/tokens.js';
import { killChildren } from './utils/child-processes.js';

/**
 * SIGTERM/SIGINT: the process is gone within 5 s whatever happens. Clean shutdown normally takes
 * well under a second (viewers closed, ffmpeg answers SIGTERM); this deadline covers a stuck
 * close handshake or an ffmpeg that ignores SIGTERM, with margin for the exit itself.
 */
const SHUTDOWN_DEADLINE_MS = 4_500;

/** The `framewire` command (server/bin/framewire.js imports the compiled file). */
async function main(): Promise<void> {
  if (isDevicesCommand(process.argv.slice(2))) {
    try {
      process.stdout.write(`${await devicesReport()}\n`);
    } catch (err) {
      process.stderr.write(`framewire: ${describeError(err)}\n`);
      process.exitCode = 1;
    }
    return;
  }
  if (isSchemaCommand(process.argv.slice(2))) {
    process.stdout.write(`${JSON.stringify(buildJsonSchema(), null, 2)}\n`);
    return;
  }
  let command: Command;
  try {
    command = await parseCommandLine(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`framewire: ${err instanceof Error ? err.message : String(err)}\nRun \`framewire --help\` for usage.\n`);
    process.exitCode = 2;
    return;
  }
  if (command.command === 'help') {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (command.command === 'config') {
    process.stdout.write(formatEffectiveConfig(command.config, command.origins));
    return;
  }
  if (command.command === 'token') {
    // stdout: the token alone (for scripts: TOKEN=$(framewire token cam --ttl 10m)); stderr: when it expires.
    const token = await mintViewerToken(command.config.viewerTokenSecret!, command.stream, { ttlSeconds: command.ttlSeconds });
    process.stdout.write(`${token}\n`);
    process.stderr.write(`viewer token for ${command.stream === '*' ? 'every stream' : `stream "${command.stream}"`}, valid until ${new Date(Date.now() + command.ttlSeconds * 1000).toISOString()}\n`);
    return;
  }
  const { config } = command;

  let server: RunningServer;
  try {
    server = await startServer(config);
  } catch (err) {
    process.stderr.write(`framewire: ${describeError(err)}\n`);
    process.exitCode = 1;
    return;
  }
  const lines = [`Framewire ready: ${server.url}`];
  for (const name of server.streams.keys()) {
    lines.push(`  ${name} → ${server.url}watch/${name}`);
    const point = server.publish.get(name);
    // The key is printed only when this run generated it (a configured key is the user's own).
    if (point) lines.push(`  ${name} ← publish at ${server.url}publish/${name}${point.keyGenerated ? `?key=${encodeURIComponent(point.key)}   (generated key, new each start: set one with --key ${name}=KEY)` : '?key=KEY'}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  // The media path must never take the process down; log and keep serving other streams.
  process.on('uncaughtException', (err) => server.logger.error({ err: describeError(err), stack: err.stack }, 'uncaught exception'));
  process.on('unhandledRejection', (err) => server.logger.error({ err: describeError(err) }, 'unhandled rejection'));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      killChildren();
      process.exit(130); // second Ctrl-C: stop waiting
    }
    stopping = true;
    const started = performance.now();
    server.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      const killed = killChildren();
      server.logger.error({ killed }, `shutdown not done after ${SHUTDOWN_DEADLINE_MS} ms: killed ${killed} ffmpeg process(es), exiting`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    force.unref();
    server.close().then(
      () => {
        server.logger.info({ ms: Math.round(performance.now() - started) }, 'shut down');
        process.exit(0);
      },
      (err: unknown) => {
        server.logger.error({ err: describeError(err) }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

void main().catch((err: unknown) => {
  process.stderr.write(`framewire: ${err instanceof ServerError ? `${err.code}: ${err.message}` : describeError(err)}\n`);
  process.exitCode = 1;
});
