/**
 * hls.js ships no type declarations for its "./light" export (package.json exports map it to
 * dist/hls.light.mjs only). The light build has the same API as the full one minus alternate
 * audio, subtitles, EME, CMCD and content steering, none of which a Framewire stream uses, at
 * about 60% of the size.
 */
declare module 'hls.js/light' {
  export * from 'hls.js';
  export { default } from 'hls.js';
}
