import { startServer, type RunningServer } from './app.js';
import { configFromArgs, devicesReport, HELP, isDevicesCommand } from './cli.js';
import type { ServerConfig } from './config.js';
import { describeError, ServerError } from './errors.js';

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
  let config: ServerConfig | 'help';
  try {
    config = await configFromArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`framewire: ${err instanceof Error ? err.message : String(err)}\nRun \`framewire --help\` for usage.\n`);
    process.exitCode = 2;
    return;
  }
  if (config === 'help') {
    process.stdout.write(`${HELP}\n`);
    return;
  }

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
      process.exit(130); // second Ctrl-C: stop waiting
    }
    stopping = true;
    server.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    server.close().then(
      () => process.exit(0),
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
