import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** <repo>/player/dist, built by Vite: server/src/http and server/dist/http are both three levels down. */
export const DEFAULT_PLAYER_DIR = fileURLToPath(new URL('../../../player/dist/', import.meta.url));

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/**
 * What other sites load by a stable URL (README "Embedding"): the `<script>` build and the hls.js
 * module it imports when it falls back to LL-HLS. Module scripts and `<script crossorigin>` are
 * CORS requests, so they need Access-Control-Allow-Origin; these are public files.
 */
export const EMBED_FILES: ReadonlySet<string> = new Set(['framewire-player.js', 'framewire-hls.js']);
/** Embedding pages pick up a new build within this many seconds, then revalidate (Last-Modified). */
export const EMBED_MAX_AGE_SECONDS = 300;

export function mimeType(path: string): string {
  return MIME[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Serves files from the player build. `relativePath` is the URL path after decoding checks;
 * anything that could climb out of `root` is refused before touching the file system.
 */
export class StaticFiles {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Maps a raw URL pathname to a file path inside root, or null if it is unsafe (→ 400). */
  safePath(rawPathname: string): string | null {
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawPathname);
    } catch {
      return null;
    }
    // Refuse NUL, backslashes (Windows separators) and any ".." segment, decoded or not.
    if (decoded.includes('\0') || decoded.includes('\\')) return null;
    const segments = decoded.split('/');
    if (segments.some((s) => s === '..' || s === '.')) return null;
    const full = resolve(join(this.root, ...segments.filter((s) => s.length > 0)));
    if (full !== this.root && !full.startsWith(this.root + sep)) return null;
    return full;
  }

  async exists(): Promise<boolean> {
    try {
      return (await stat(this.root)).isDirectory();
    } catch {
      return false;
    }
  }

  /** Streams `file` if it is a regular file; returns false (nothing written) if not found. */
  async serve(req: IncomingMessage, res: ServerResponse, file: string): Promise<boolean> {
    let info;
    try {
      info = await stat(file);
    } catch {
      return false;
    }
    if (!info.isFile()) return false;
    const hashed = file.includes(`${sep}assets${sep}`);
    const embed = EMBED_FILES.has(basename(file)) && dirname(file) === this.root;
    // Validators, so that `no-cache` and an expired max-age cost a 304, not the file (RFC 9110 13.1.3).
    const lastModified = new Date(Math.floor(info.mtimeMs / 1000) * 1000);
    const since = Date.parse(req.headers['if-modified-since'] ?? '');
    if (!Number.isNaN(since) && lastModified.getTime() <= since) {
      res.writeHead(304, { 'last-modified': lastModified.toUTCString(), ...(embed ? embedHeaders() : {}) });
      res.end();
      return true;
    }
    res.writeHead(200, {
      'content-type': mimeType(file),
      'content-length': info.size,
      'last-modified': lastModified.toUTCString(),
      // Vite puts content hashes in /assets/* names; pages must revalidate to pick up new builds.
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...(embed ? embedHeaders() : {}),
      'x-content-type-options': 'nosniff',
      // A page opened as /watch/NAME?token=… must not hand its URL (and the token) to other
      // sites in Referer headers (RFC 6750 5.3, Referrer Policy "no-referrer").
      ...(file.endsWith('.html') ? { 'referrer-policy': 'no-referrer' } : {}),
    });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
    return true;
  }
}

/** The embed files' cache policy and cross-origin headers (COEP pages need CORP to load them). */
function embedHeaders(): Record<string, string> {
  return {
    'cache-control': `public, max-age=${EMBED_MAX_AGE_SECONDS}`,
    'access-control-allow-origin': '*',
    'cross-origin-resource-policy': 'cross-origin',
  };
}
