import { defineConfig } from 'vitest/config';

// Workspace packages export TypeScript through the "source" condition. Vitest runs tests in
// Vite's SSR environment, whose resolver reads `ssr.resolve.conditions`, not `resolve.conditions`;
// and node_modules/@framewire/* symlinks must be inlined (not externalized to Node) to get it.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 20_000, server: { deps: { inline: [/@framewire\//] } } },
});
