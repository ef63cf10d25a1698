/**
 * The `<script>` build's first module: the server is where the script came from. Read while the
 * script runs (`document.currentScript` is null afterwards, and always in modules), before
 * define.ts upgrades the elements already in the page.
 */
import { serverFromScriptUrl } from './element-attributes.js';
import { FramewirePlayerElement } from './framewire-player-element.js';

const script = typeof document !== 'undefined' ? document.currentScript : null;

/** URL of this script (null when it was not loaded by a <script src>): hls.js is loaded from next to it. */
export const scriptUrl: string | null = script instanceof HTMLScriptElement && script.src ? script.src : null;

if (scriptUrl) FramewirePlayerElement.defaultServer = serverFromScriptUrl(scriptUrl);
