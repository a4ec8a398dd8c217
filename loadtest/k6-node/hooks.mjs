// Resolve hook of the k6 compatibility layer (registered by run.ts with module.register): the k6 modules
// a script imports are this folder's implementations. Plain JavaScript: hooks run on a loader thread.
const MODULES = {
  k6: 'k6.ts',
  'k6/http': 'http.ts',
  'k6/metrics': 'metrics.ts',
  'k6/websockets': 'websockets.ts',
  'k6/execution': 'execution.ts',
  'k6/timers': 'timers.ts',
};

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'k6' || specifier.startsWith('k6/')) {
    const file = MODULES[specifier];
    if (!file)
      throw new Error(
        `${specifier} is not in the k6 compatibility layer (loadtest/k6-node/): add it there, or keep the script to ${Object.keys(MODULES).join(', ')}`,
      );
    // On through the next resolver (tsx's), which marks the file as TypeScript for its loader.
    return nextResolve(new URL(file, import.meta.url).href, context);
  }
  return nextResolve(specifier, context);
}
