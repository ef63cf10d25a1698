/**
 * "Another site": runs examples/embed-site.mjs (the example a user runs, README "Embedding") on
 * 127.0.0.1, port 0, and waits for the URL it prints. It serves examples/embed.html and the ES
 * module build (player/dist/lib) on an origin other than the Framewire server's.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const EMBED_SITE_SCRIPT = fileURLToPath(new URL('../../examples/embed-site.mjs', import.meta.url));

export interface EmbedSite {
  /** Origin of the site, e.g. http://127.0.0.1:40123 (no trailing slash). */
  origin: string;
  /** The example page for a Framewire server at `serverUrl` (with a trailing slash). */
  pageUrl(serverUrl: string, stream?: string): string;
  stop(): Promise<void>;
}

export async function startEmbedSite(): Promise<EmbedSite> {
  const proc = spawn(process.execPath, [EMBED_SITE_SCRIPT, '--port', '0', '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`embed site not ready after 10 s:\n${output}`));
    }, 10_000);
    const onData = (d: Buffer): void => {
      output += d.toString();
      const m = /Embed example: (http:\/\/[^/\s]+)\//.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`embed site exited with ${code}:\n${output}`));
    });
  });
  return {
    origin,
    pageUrl: (serverUrl, stream = 'demo') => `${origin}/?server=${encodeURIComponent(serverUrl)}&stream=${encodeURIComponent(stream)}`,
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
