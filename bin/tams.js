#!/usr/bin/env node
// The `tams` command: runs the compiled CLI (`npm install` builds it through the prepare script).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/tams.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('tams: the build output (dist/) is missing; run `npm run build` (npm install runs it too)');
  process.exit(1);
}
await import(entry.href);
