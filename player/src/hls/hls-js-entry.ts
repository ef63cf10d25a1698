/** `framewire-hls.js`: hls.js (light) as one ES module, loaded on demand by the `<script>` build (hls-js-loader.script.ts). */
export { default } from 'hls.js/light';
export * from 'hls.js/light';
