import { defineConfig } from 'vitest/config';

// '@framewire/shared' is consumed as TypeScript source in tests (its "source" export condition),
// so tests never run against a stale shared/dist. Vitest runs Node tests in Vite's SSR
// environment, which reads ssr.resolve.conditions, not resolve.conditions.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // The integration tests assert real-time behaviour (frame pacing, ms-level latency) on real
    // sockets and real ffmpeg; running files in parallel on a 2-core machine measures the
    // machine, not the server. test/soak/ adds 2 minutes (a server soak).
    fileParallelism: false,
  },
});
