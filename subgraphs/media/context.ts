import type { MediaRepository } from './domain/repository.js';
import type { EntityReader } from './entity-cache.js';
import type { MediaLoaders } from './loaders.js';
import { createLoaders } from './loaders.js';

/** What every media resolver gets: the domain's repository, this request's loaders and who is asking. */
export interface MediaContext {
  readonly repository: MediaRepository;
  readonly loaders: MediaLoaders;
  /** The authenticated principal, recorded as created_by / updated_by; null until authentication exists. */
  readonly principal: string | null;
  /**
   * The caller's scopes (`read`, `write`, `delete`, `admin`) as the gateway checked them for the root
   * field; resolvers consult them only where one field's answer depends on more (store events).
   */
  readonly scopes: ReadonlySet<string>;
  /** Called after a mutation created a delete request or released objects, so background work starts now. */
  readonly backgroundWork: () => void;
}

export function createMediaContext(
  repository: MediaRepository,
  options: {
    principal?: string | null;
    scopes?: ReadonlySet<string>;
    backgroundWork?: () => void;
    entities?: EntityReader;
  } = {},
): MediaContext {
  return {
    repository,
    loaders: createLoaders(repository.executor, options.entities),
    principal: options.principal ?? null,
    scopes: options.scopes ?? new Set(),
    backgroundWork: options.backgroundWork ?? (() => undefined),
  };
}
