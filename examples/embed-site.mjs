#!/usr/bin/env node
// A stand-in for "your own site": serves examples/embed.html and the ES module build
// (player/dist/lib, as your bundler would ship it) on another origin than the Framewire server,
// so that the three embed forms are seen working across origins.
//
//   npm start                                  # the Framewire server, http://localhost:8080/
//   node examples/embed-site.mjs [--port 8081] [--host 127.0.0.1] [--server http://localhost:8080/]
//   open the printed URL
//
// Plain Node, no dependencies. The e2e test (e2e/tests/embed.spec.ts) runs this file on port 0
// and reads the URL it prints.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = fileURLToPath(new URL('.', import.meta.url));
const LIB_DIR = resolve(here, '../player/dist/lib');
const PAGE = join(here, 'embed.html');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json; charset=utf-8' };

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8081' },
    host: { type: 'string', default: '127.0.0.1' },
    server: { type: 'string', default: 'http://localhost:8080/' },
  },
});

/** /lib/… → a file under player/dist/lib, or null when the path tries to leave it. */
function libFile(pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname.slice('/lib/'.length));
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.split('/').some((s) => s === '..')) return null;
  const file = resolve(LIB_DIR, decoded);
  return file.startsWith(LIB_DIR + sep) ? file : null;
}

async function send(res, file) {
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end(file.startsWith(LIB_DIR) ? 'not found (run `npm run build` at the repository root)\n' : 'not found\n');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
  createReadStream(file).pipe(res);
}

const server = createServer((req, res) => {
  const { pathname } = new URL(req.url ?? '/', 'http://x');
  if (pathname === '/' || pathname === '/embed.html') void send(res, PAGE);
  else if (pathname.startsWith('/lib/')) {
    const file = libFile(pathname);
    if (file) void send(res, file);
    else res.writeHead(400).end();
  } else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
});

server.listen(Number(values.port), values.host, () => {
  const { port } = server.address();
  const host = values.host.includes(':') ? `[${values.host}]` : values.host;
  console.log(`Embed example: http://${host}:${port}/?server=${encodeURIComponent(values.server)}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
