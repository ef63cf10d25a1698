/**
 * Entry of the single-file `<script>` build (`/framewire-player.js`, an IIFE: vite.config.ts):
 * registers `<framewire-player>`, whose stream names play from the script's own server, and puts
 * the library's API on `window.Framewire` (`new Framewire.FramewirePlayer()`, …).
 */
import './script-server.js';
import './define.js';

export * from '../index.js';
