/**
 * GET/HEAD/OPTIONS /hls/NAME/… : the playlist (with Blocking Playlist Reload), init segments,
 * segments and parts (with blocking for the preload-hinted part). RFC 8216bis numbers below are
 * the draft's sections.
 *
 *   /hls/NAME/index.m3u8              playlist; ?_HLS_msn=M[&_HLS_part=P] blocks (6.2.5.2)
 *   /hls/NAME/init-RUN-ID.mp4         init segment (EXT-X-MAP)
 *   /hls/NAME/seg-RUN-MSN.m4s         complete segment
 *   /hls/NAME/part-RUN-N.m4s          part N of the stream; the hinted next one blocks (6.2.6)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STREAM_NAME_PATTERN } from '../config.js';
import { reloadState, type ReloadRequest } from './blocking-reload.js';
import { IMMUTABLE, MIME, sendBytes, sendPlaylist, sendPreflight, sendStatus } from './hls-http.js';
import type { HlsEntry, HlsService } from './hls-service.js';
import { renderPlaylist } from './playlist.js';

const MEDIA_FILE = /^(init|seg|part)-([0-9a-f]{1,16})-(\d{1,15})\.(mp4|m4s)$/;
/** What a resource not there yet tells a client to do (RFC 9110 10.2.3). */
const RETRY_AFTER = { 'retry-after': '1' };

type WaitResult = 'ok' | 'timeout' | 'aborted';

export async function handleHlsRequest(req: IncomingMessage, res: ServerResponse, pathname: string, service: HlsService): Promise<void> {
  if (req.method === 'OPTIONS') return sendPreflight(res);
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendStatus(res, 405, 'method not allowed', { allow: 'GET, HEAD, OPTIONS' });

  const path = parsePath(pathname);
  if (path === 'bad') return sendStatus(res, 400, 'bad path');
  if (path === null || !service.hasStream(path.name)) return sendStatus(res, 404, 'no such stream or file');
  const { name, file } = path;

  if (file === 'index.m3u8') return playlist(req, res, name, service);
  const media = MEDIA_FILE.exec(file);
  if (!media || media[2] !== service.runId || (media[1] === 'init') !== (media[4] === 'mp4')) {
    // Also names from an earlier server run: their numbers mean nothing now.
    return sendStatus(res, 404, 'not found');
  }
  const entry = service.entry(name);
  if (!entry) return sendStatus(res, 404, 'not found');
  const kind = media[1]!;
  const number = Number(media[3]);
  const { store } = entry;
  const etag = `"${service.runId}-${kind}-${number}"`;
  if (kind === 'init') {
    const bytes = store.init(number);
    return bytes ? sendBytes(req, res, bytes, { contentType: MIME.init, etag, cacheControl: IMMUTABLE }) : sendStatus(res, 404, 'not found');
  }
  if (kind === 'seg') {
    const segment = store.segment(number);
    if (!segment?.bytes) return sendStatus(res, 404, 'not found');
    return sendBytes(req, res, segment.bytes, { contentType: MIME.segment, etag, cacheControl: IMMUTABLE });
  }
  let part = store.part(number);
  // 6.2.6: the part named by EXT-X-PRELOAD-HINT is answered as soon as it exists (no bytes are
  // sent before the whole part is there). Any other missing part is Not Found.
  if (!part && number === store.nextPartNumber && !store.ended) {
    const result = await service.using(entry, () => waitFor(entry, res, () => store.part(number) !== null, service.blockTimeoutMs(store)));
    part = store.part(number);
    if (!part) return sendStatus(res, 503, result === 'aborted' ? 'server closing' : 'part not available in time', RETRY_AFTER);
  }
  if (!part) return sendStatus(res, 404, 'not found');
  return sendBytes(req, res, part.bytes, { contentType: MIME.segment, etag, cacheControl: IMMUTABLE });
}

async function playlist(req: IncomingMessage, res: ServerResponse, name: string, service: HlsService): Promise<void> {
  const directives = parseDirectives(req.url ?? '');
  if (directives === 'bad') return sendStatus(res, 400, '_HLS_part needs _HLS_msn; both are decimal integers (RFC 8216bis 6.2.5.2)');
  // Counted as a viewer, under the same limits as WebSocket viewers (hls-clients.ts).
  const full = service.admit(req, name);
  if (full) return sendStatus(res, 503, full.message, { 'retry-after': '5' });
  const entry = service.entry(name);
  if (!entry) return sendStatus(res, 404, 'no such stream');
  const { store } = entry;
  await service.using(entry, async () => {
    // hls.js and ffmpeg start only from a playlist with a complete segment: a live stream has
    // one (packaging is always on); a stream just started (on demand, or restarted after being
    // idle) has one a GOP after its first picture, and the request waits for it that long.
    const listable = () => store.lastCompleteMsn() >= 0;
    if (!listable()) {
      const result = await waitFor(entry, res, () => listable() || store.ended, service.blockTimeoutMs(store));
      if (!listable()) return sendStatus(res, 503, result === 'ok' ? 'stream has ended' : 'no media yet, retry', RETRY_AFTER);
    }
    if (directives !== null) {
      const state = reloadState(store, directives);
      if (state === 'too-far') return sendStatus(res, 400, 'requested segment or part is too far ahead (RFC 8216bis 6.2.5.2)');
      if (state === 'wait') {
        const result = await waitFor(entry, res, () => reloadState(store, directives) !== 'wait', service.blockTimeoutMs(store));
        // 6.2.5.2: a server that cannot answer after blocking SHOULD return 503.
        if (result !== 'ok') return sendStatus(res, 503, 'requested part not available in time', RETRY_AFTER);
      }
    }
    // A plain playlist changes with every part: a cache must revalidate it every time. A blocking
    // request names the part it waits for, so its answer stays right for that URL: a CDN may keep
    // it briefly (and collapse the clients' identical requests into one).
    const cacheControl = directives !== null ? `public, max-age=${store.targetDuration}` : 'no-cache';
    sendPlaylist(req, res, renderPlaylist(store, service.runId, tokenSuffix(req.url ?? '')), cacheControl);
  });
}

/**
 * Resolves when `ready()` holds after a store change, or after `timeoutMs`, or when the client
 * leaves or the service closes. The timer bounds an HTTP request, never holds media back.
 */
function waitFor(entry: HlsEntry, res: ServerResponse, ready: () => boolean, timeoutMs: number): Promise<WaitResult> {
  if (ready()) return Promise.resolve('ok');
  if (entry.signal.aborted) return Promise.resolve('aborted');
  return new Promise((resolve) => {
    const finish = (result: WaitResult) => {
      clearTimeout(timer);
      off();
      res.off('close', onClose);
      entry.signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const onClose = () => finish('aborted');
    const onAbort = () => finish('aborted');
    const off = entry.store.onChange(() => {
      if (ready()) finish('ok');
    });
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    res.once('close', onClose);
    entry.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `/hls/NAME/FILE` → parts; 'bad' for traversal or an invalid name; null for other shapes. */
function parsePath(pathname: string): { name: string; file: string } | 'bad' | null {
  const rest = pathname.slice('/hls/'.length).split('/');
  let decoded: string[];
  try {
    decoded = rest.map((p) => decodeURIComponent(p));
  } catch {
    return 'bad';
  }
  if (decoded.some((p) => p === '.' || p === '..' || p.includes('/') || p.includes('\\') || p.includes('\0'))) return 'bad';
  if (decoded.length !== 2) return null;
  const [name, file] = decoded as [string, string];
  if (!STREAM_NAME_PATTERN.test(name)) return 'bad';
  return { name, file };
}

/** _HLS_msn / _HLS_part (6.2.5.2); 'bad' for _HLS_part without _HLS_msn or non-integers. */
function parseDirectives(url: string): ReloadRequest | null | 'bad' {
  const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  const msn = query.get('_HLS_msn');
  const part = query.get('_HLS_part');
  if (msn === null) return part === null ? null : 'bad';
  const integer = /^\d{1,15}$/;
  if (!integer.test(msn) || (part !== null && !integer.test(part))) return 'bad';
  return { msn: Number(msn), part: part === null ? null : Number(part) };
}

/** `?token=…` for the media URIs when the playlist was asked for with a query token (playlist.ts). */
function tokenSuffix(url: string): string {
  const q = url.indexOf('?');
  const token = q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get('token');
  return token ? `?token=${encodeURIComponent(token)}` : '';
}
