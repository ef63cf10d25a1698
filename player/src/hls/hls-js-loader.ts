/**
 * Loads hls.js (its light build) when a player falls back to LL-HLS. A dynamic import, so that
 * the library and the pages put hls.js in a chunk of its own that the WebSocket path never
 * downloads. The `<script>` build (one file, no chunks) swaps this module for
 * hls-js-loader.script.ts (vite.config.ts), which imports the same code from its server.
 */
export type HlsModule = typeof import('hls.js/light');

export function loadHlsJs(): Promise<HlsModule> {
  return import('hls.js/light');
}
