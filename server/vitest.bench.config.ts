import { defineConfig } from 'vitest/config';

// Benches (bench/*.bench.ts) are long vitest tests that print figures: the load ramp and the
// 30-minute server soak. Run one at a time (they measure the machine) with output shown as it
// comes. Not part of `npm test`; the 2-minute soak is (test/soak/).
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['bench/**/*.bench.ts'],
    fileParallelism: false,
    testTimeout: 60 * 60_000,
    hookTimeout: 60_000,
  },
});
