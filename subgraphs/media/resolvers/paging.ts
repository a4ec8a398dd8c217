import type { Page } from '../../../lib/executor/index.js';
import { DomainError } from '../errors.js';
import type { MediaRepository } from '../domain/repository.js';

/** The page size a listing applies: the default when none is asked for, clamped to the maximum (7.0 §3). */
export function pageLimit(repository: MediaRepository, limit: number | null | undefined): number {
  if (limit === null || limit === undefined) return repository.limits.defaultPageSize;
  if (!Number.isInteger(limit) || limit < 1)
    throw new DomainError('BAD_REQUEST', `limit must be a positive integer, got ${limit}`);
  return Math.min(limit, repository.limits.maxPageSize);
}

export function connection<N, R = N>(
  page: Page<R>,
  limit: number,
  map: (row: R) => N = (r) => r as unknown as N,
) {
  return {
    nodes: page.rows.map(map),
    pageInfo: { endCursor: page.nextPageKey, hasNextPage: page.nextPageKey !== null, limit },
  };
}
