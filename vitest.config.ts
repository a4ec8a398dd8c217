import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';
import LongFilesFirst from './test/support/long-files-first.js';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS and ESM builds; Vite would load the ESM one for our code while the
    // CommonJS Apollo packages require() the CJS one, and graphql-js rejects types from "another realm".
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', '.scratch/**', '.cache/**'],
    // Guards against hangs, not performance bounds: on a busy 2-core machine (two suites at once, other
    // work) an end-to-end test that spawns the CLI or starts services can take several times its usual
    // time. Waits inside tests give up earlier (lib/test-support/eventually.ts, 60 s) with a message
    // naming what they waited for. Timing claims belong in the benches, not here.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Without the official TAMS spec its tests skip; this ends the run with one line saying how to run them.
    // The dashboard's assets are build output (dist/dashboard); the browser tests need them, so a
    // clean clone's `npm test` builds them first.
    globalSetup: ['test/tams-spec/global-setup.ts', 'test/support/build-dashboard.ts'],
    env: {
      // Node 20 is a tested line until its users have moved; the SDK's notice that its 2027 releases will
      // need Node 22 says nothing about the code under test. Production still prints it (docs/decisions.md).
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    // Integration suites own their databases; running files in parallel on 2 cores is fine,
    // but keep the pool small so PostgreSQL connection counts stay bounded.
    maxWorkers: 2,
    sequence: { sequencer: LongFilesFirst },
  },
});
