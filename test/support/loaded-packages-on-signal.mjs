// Preloaded into a process under test (`node --import <this> ...`): on SIGUSR2 it writes one line to
// stderr, `loaded-packages: <json array>`, naming every npm package whose CommonJS modules it has loaded.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
process.on('SIGUSR2', () => {
  const names = new Set();
  for (const path of Object.keys(require.cache)) {
    const match = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(path);
    if (match) names.add(match[1].replace('\\', '/'));
  }
  process.stderr.write(`loaded-packages: ${JSON.stringify([...names].sort())}\n`);
});
