import type { MediaRepository } from './domain/repository.js';
import type { MediaLoaders } from './loaders.js';
import { createLoaders } from './loaders.js';

/** What every media resolver gets: the domain's repository, this request's loaders and who is asking. */
export interface MediaContext {
  readonly repository: MediaRepository;
  readonly loaders: MediaLoaders;
  /** The authenticated principal, recorded as created_by / updated_by; null until authentication exists. */
  readonly principal: string | null;
  /** Called after a mutation created a delete request or released objects, so background work starts now. */
  readonly backgroundWork: () => void;
}

export function createMediaContext(
  repository: MediaRepository,
  options: { principal?: string | null; backgroundWork?: () => void } = {},
): MediaContext {
  return {
    repository,
    loaders: createLoaders(repository.executor),
    principal: options.principal ?? null,
    backgroundWork: options.backgroundWork ?? (() => undefined),
  };
}
