/**
 * HTTP the way a CDN and a cross-origin player expect it, for the LL-HLS resources: CORS on every
 * answer, conditional GET (ETag / If-None-Match → 304, RFC 9110 13.1.2), byte ranges on media
 * (206 / 416, RFC 9110 14), HEAD, gzip for playlists (RFC 8216bis 6.2.1 SHOULD).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import rangeParser from 'range-parser';

export const MIME = {
  playlist: 'application/vnd.apple.mpegurl',
  init: 'video/mp4',
  /** CMAF segments and parts (.m4s), as Apple's HLS authoring spec names them. */
  segment: 'video/iso.segment',
} as const;

/** Players on other origins (embeds, CDNs) read the playlists and media, and these headers. */
const CORS: OutgoingHttpHeaders = {
  'access-control-allow-origin': '*',
  // hls.js reads Age (playlist age behind a cache) and the range headers.
  'access-control-expose-headers': 'Age, Content-Length, Content-Range, Accept-Ranges, ETag, Date',
};

/** Media URIs never change content (hls-service.ts runId): a CDN may keep them for good. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

export function sendPreflight(res: ServerResponse): void {
  res.writeHead(204, {
    ...CORS,
    'access-control-allow-methods': 'GET, HEAD, OPTIONS',
    'access-control-allow-headers': 'Range, If-None-Match, If-Range',
    'access-control-max-age': '86400',
    'content-length': '0',
  });
  res.end();
}

/** A short text answer that nothing may cache (errors, not-yet-available). */
export function sendStatus(res: ServerResponse, status: number, text: string, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { ...CORS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(`${text}\n`);
}

/** RFC 9110 13.1.2: If-None-Match uses the weak comparison; `*` matches any current representation. */
export function matchesIfNoneMatch(req: IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

export interface BodyOptions {
  contentType: string;
  etag: string;
  cacheControl: string;
}

/** Media bytes: 200, 206 for one satisfiable range, 416 for an unsatisfiable one, 304, HEAD. */
export function sendBytes(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array, options: BodyOptions): void {
  const headers: OutgoingHttpHeaders = {
    ...CORS,
    'content-type': options.contentType,
    'cache-control': options.cacheControl,
    etag: options.etag,
    'accept-ranges': 'bytes',
  };
  if (matchesIfNoneMatch(req, options.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const size = bytes.byteLength;
  const range = req.headers.range;
  // If-Range (RFC 9110 13.1.5): the range applies only to this exact representation.
  const ifRange = req.headers['if-range'];
  if (range !== undefined && req.method === 'GET' && (ifRange === undefined || ifRange === options.etag)) {
    const ranges = rangeParser(size, range, { combine: true });
    if (ranges === -1) {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${size}`, 'content-length': '0' });
      res.end();
      return;
    }
    // -2 (malformed) or several ranges: RFC 9110 14.2 lets a server ignore Range and send it all
    // (multipart/byteranges would cost more than the whole part or segment).
    if (ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1) {
      const { start, end } = ranges[0]!;
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': String(end - start + 1) });
      res.end(bytes.subarray(start, end + 1));
      return;
    }
  }
  res.writeHead(200, { ...headers, 'content-length': String(size) });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** A playlist: ETag of its content, 304 when unchanged, gzip when the client takes it. */
export function sendPlaylist(req: IncomingMessage, res: ServerResponse, body: string, cacheControl: string): void {
  const raw = Buffer.from(body, 'utf8');
  const hash = createHash('sha1').update(raw).digest('base64url').slice(0, 22);
  const gzip = acceptsGzip(req.headers['accept-encoding']);
  // One entity tag per representation: the gzip bytes are another representation (RFC 9110 8.8.3).
  const etag = `"${hash}${gzip ? '-gz' : ''}"`;
  const headers: OutgoingHttpHeaders = {
    ...CORS,
    'content-type': MIME.playlist,
    'cache-control': cacheControl,
    etag,
    vary: 'Accept-Encoding',
  };
  if (matchesIfNoneMatch(req, etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const out = gzip ? gzipSync(raw) : raw;
  if (gzip) headers['content-encoding'] = 'gzip';
  res.writeHead(200, { ...headers, 'content-length': String(out.byteLength) });
  res.end(req.method === 'HEAD' ? undefined : out);
}

function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((entry) => {
    const [coding, ...params] = entry.trim().split(';');
    if (coding?.trim().toLowerCase() !== 'gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
