/**
 * Vite config for the player (root = player/).
 *
 * `vite build` (npm run build -w player): the four pages (publish.html: browser webcam publisher) (multi-page build) plus the remux
 * worker as an ES module worker into player/dist (the server serves it; assets at absolute
 * /assets/…), then the library entry player/src/index.ts into player/dist/lib/framewire-player.js
 * (the "default" export of player/package.json), built by a second pass from `closeBundle`.
 * `vite` (dev): serves the pages and proxies /live (WebSocket), /publish, /api and /hls to a server on
 * 127.0.0.1:8080 (override with FRAMEWIRE_SERVER).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, defineConfig, type InlineConfig, type Plugin } from 'vite';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), 'player');
const server = process.env.FRAMEWIRE_SERVER ?? 'http://127.0.0.1:8080';

const shared: InlineConfig = {
  root,
  base: '/',
  // Workspace packages export TypeScript through the "source" condition (shared/package.json).
  resolve: { conditions: ['source'] },
  worker: { format: 'es' },
  // mux.js is CommonJS only: pre-bundle the deep modules the remuxer imports (dev server).
  optimizeDeps: { include: ['mux.js/lib/mp4/mp4-generator.js', 'mux.js/lib/mp4/frame-utils.js'] },
};

/**
 * Modules the `<script>` build replaces: the remux worker factory by the inlined worker (a Worker
 * from another origin's URL is refused, a Blob URL made by the page is not:
 * remux-worker-factory.inline.ts), and the hls.js loader by one that imports framewire-hls.js
 * from the script's server (an IIFE has no chunks: hls-js-loader.script.ts).
 */
function scriptBuildModules(): Plugin {
  const swaps: [RegExp, string][] = [
    [/[\\/]remux-worker-factory\.(js|ts)$/, 'src/remux/remux-worker-factory.inline.ts'],
    [/[\\/]hls-js-loader\.(js|ts)$/, 'src/hls/hls-js-loader.script.ts'],
  ];
  return {
    name: 'framewire-script-build-modules',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer || importer.endsWith('.script.ts')) return null; // the script loader imports the type of the original
      const swap = swaps.find(([pattern]) => pattern.test(source));
      return swap ? resolve(root, swap[1]) : null;
    },
  };
}

/**
 * Second pass: the publishable ES library (worker emitted next to it, resolved via
 * import.meta.url), entries `framewire-player.js` (the API, no side effects) and `define.js`
 * (registers <framewire-player>); the declarations come from `tsc -p tsconfig.types.json`.
 * Third pass: the single-file `<script>` build, player/dist/framewire-player.js (served by the
 * server at /framewire-player.js): an IIFE with the worker inlined, exposing `window.Framewire`;
 * fourth: player/dist/framewire-hls.js, the hls.js it imports from its server on fallback.
 */
function libraryBuild(): Plugin {
  let ran = false;
  return {
    name: 'framewire-library-build',
    apply: 'build',
    async closeBundle() {
      if (ran || process.env.FRAMEWIRE_SKIP_LIB) return;
      ran = true;
      await build({
        ...shared,
        configFile: false,
        logLevel: 'warn',
        base: './',
        build: {
          outDir: resolve(root, 'dist/lib'),
          emptyOutDir: true,
          target: 'es2022',
          sourcemap: true,
          lib: {
            entry: { 'framewire-player': resolve(root, 'src/index.ts'), define: resolve(root, 'src/element/define.ts') },
            formats: ['es'],
            fileName: (_format, name) => `${name}.js`,
          },
        },
      });
      await build({
        ...shared,
        configFile: false,
        logLevel: 'warn',
        plugins: [scriptBuildModules()],
        // A classic worker: the inlined worker must be one self-contained file, and classic workers
        // run where module workers do not (Firefox before 114, Safari before 15).
        worker: { format: 'iife', plugins: () => [] },
        build: {
          outDir: resolve(root, 'dist'),
          emptyOutDir: false, // the pages are there
          copyPublicDir: false,
          target: 'es2020',
          sourcemap: true,
          lib: { entry: resolve(root, 'src/element/script-entry.ts'), formats: ['iife'], name: 'Framewire', fileName: () => 'framewire-player.js' },
        },
      });
      // Fourth pass: hls.js for the `<script>` build, one ES module at a stable URL (/framewire-hls.js).
      await build({
        ...shared,
        configFile: false,
        logLevel: 'warn',
        build: {
          outDir: resolve(root, 'dist'),
          emptyOutDir: false,
          copyPublicDir: false,
          target: 'es2020',
          sourcemap: false,
          // Not library mode, whose ES output keeps whitespace: an app build minifies fully (364 KB, not 460).
          rollupOptions: {
            input: { 'framewire-hls': resolve(root, 'src/hls/hls-js-entry.ts') },
            preserveEntrySignatures: 'strict',
            output: { format: 'es', entryFileNames: '[name].js' },
          },
        },
      });
    },
  };
}

export default defineConfig({
  ...shared,
  plugins: [libraryBuild()],
  build: {
    outDir: resolve(root, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      input: {
        index: resolve(root, 'index.html'),
        watch: resolve(root, 'watch.html'),
        embed: resolve(root, 'embed.html'),
        publish: resolve(root, 'publish.html'),
        grid: resolve(root, 'grid.html'), // /grid?streams=a,b,c: many players on one page
      },
    },
  },
  server: {
    proxy: {
      '/live': { target: server, ws: true },
      '/publish': { target: server, ws: true, bypass: (req) => (req.method === 'GET' && req.headers.upgrade === undefined ? '/publish.html' : undefined) },
      '/api': { target: server },
      '/hls': { target: server },
    },
  },
});
