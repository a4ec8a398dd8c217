import type { MediaStore } from './domain/store.js';
import type { MediaLoaders } from './loaders.js';
import { createLoaders } from './loaders.js';

/** What every media resolver gets: the store, this request's loaders and who is asking. */
export interface MediaContext {
  readonly store: MediaStore;
  readonly loaders: MediaLoaders;
  /** The authenticated principal, recorded as created_by / updated_by; null until authentication exists. */
  readonly principal: string | null;
  /** Called after a mutation created a delete request or released objects, so background work starts now. */
  readonly backgroundWork: () => void;
}

export function createMediaContext(
  store: MediaStore,
  options: { principal?: string | null; backgroundWork?: () => void } = {},
): MediaContext {
  return {
    store,
    loaders: createLoaders(store.executor),
    principal: options.principal ?? null,
    backgroundWork: options.backgroundWork ?? (() => undefined),
  };
}
