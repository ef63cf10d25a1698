/**
 * Vite config for the player (root = player/).
 *
 * `vite build` (npm run build -w player): the four pages (publish.html: browser webcam publisher) (multi-page build) plus the remux
 * worker as an ES module worker into player/dist (the server serves it; assets at absolute
 * /assets/…), then the library entry player/src/index.ts into player/dist/lib/framewire-player.js
 * (the "default" export of player/package.json), built by a second pass from `closeBundle`.
 * `vite` (dev): serves the pages and proxies /live (WebSocket) and /api to a server on
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

/** Second pass: the publishable ES library (worker emitted next to it, resolved via import.meta.url). */
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
          lib: { entry: resolve(root, 'src/index.ts'), formats: ['es'], fileName: () => 'framewire-player.js' },
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
      },
    },
  },
  server: {
    proxy: {
      '/live': { target: server, ws: true },
      '/publish': { target: server, ws: true, bypass: (req) => (req.method === 'GET' && req.headers.upgrade === undefined ? '/publish.html' : undefined) },
      '/api': { target: server },
    },
  },
});
