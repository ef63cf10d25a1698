/**
 * The `<script>` build's hls.js loader. An IIFE cannot have chunks, and inlining hls.js would
 * make the script 4× larger (485 KB instead of ~120 KB minified) for the few viewers that fall
 * back, so hls.js is an ES module of its own on the server, `framewire-hls.js` next to
 * `framewire-player.js` (built from hls-js-entry.ts). It is imported across origins: module
 * scripts are CORS requests, and the server sends Access-Control-Allow-Origin: * for both files
 * (server/src/http/static-files.ts EMBED_FILES).
 */
import { scriptUrl } from '../element/script-server.js';
import type { HlsModule } from './hls-js-loader.js';

export type { HlsModule };

export function loadHlsJs(): Promise<HlsModule> {
  const url = new URL('framewire-hls.js', scriptUrl ?? document.baseURI).href;
  return import(/* @vite-ignore */ url) as Promise<HlsModule>;
}
