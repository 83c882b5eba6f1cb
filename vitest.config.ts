import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/build-once.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites start real brokers and peers on fixed-range ports; running files one by one on a
    // 2-core machine keeps them from starving each other.
    fileParallelism: false,
    pool: 'forks',
  },
});
