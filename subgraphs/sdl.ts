import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { DocumentNode } from 'graphql';

/**
 * A subgraph's SDL from `schema/`. Looked up from this module's location upwards, so it is found both
 * from the sources and from the build (dist/), where the SDL is not copied.
 */
export function loadSdl(name: 'media' | 'analytics' | 'supergraph'): {
  text: string;
  document: DocumentNode;
} {
  let dir = new URL('./', import.meta.url);
  for (let depth = 0; depth < 5; depth++) {
    const file = new URL(`schema/${name}.graphql`, dir);
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      return { text, document: parse(text) };
    }
    dir = new URL('../', dir);
  }
  throw new Error(`schema/${name}.graphql was not found above ${import.meta.url}`);
}
