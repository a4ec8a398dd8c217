import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS and ESM builds; Vite would load the ESM one for our code while the
    // CommonJS Apollo packages require() the CJS one, and graphql-js rejects types from "another realm".
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', '.scratch/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites own their databases; running files in parallel on 2 cores is fine,
    // but keep the pool small so PostgreSQL connection counts stay bounded.
    maxWorkers: 2,
  },
});
