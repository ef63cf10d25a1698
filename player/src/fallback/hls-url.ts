/**
 * The LL-HLS playlist of a stream, derived from its WebSocket URL: the server serves both,
 * `WS /live/NAME` and `GET /hls/NAME/index.m3u8` (shared/design/ARCHITECTURE.md, "External contract").
 * Pure, so the mapping is a unit test.
 */

/**
 * `ws(s)://HOST/PREFIX/live/NAME?Q` → `http(s)://HOST/PREFIX/hls/NAME/index.m3u8?Q`. A path prefix
 * (a reverse proxy mounting Framewire under `/video/`) and the query (an access token) are kept.
 * `override` (config `hlsUrl`), when not empty, wins and is resolved against `base` (the page).
 */
export function hlsPlaylistUrl(wsUrl: string, override = '', base?: string): string {
  if (override) return new URL(override, base).href;
  const u = new URL(wsUrl);
  u.protocol = u.protocol === 'wss:' || u.protocol === 'https:' ? 'https:' : 'http:';
  const parts = u.pathname.split('/');
  const name = parts.pop() ?? '';
  if (parts[parts.length - 1] === 'live') parts.pop();
  u.pathname = [...parts, 'hls', name, 'index.m3u8'].join('/');
  return u.href;
}
