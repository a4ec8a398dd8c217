import type { Page } from '../../../lib/executor/index.js';
import { DomainError } from '../errors.js';
import type { MediaStore } from '../domain/store.js';

/** The page size a listing applies: the default when none is asked for, clamped to the maximum (7.0 §3). */
export function pageLimit(store: MediaStore, limit: number | null | undefined): number {
  if (limit === null || limit === undefined) return store.limits.defaultPageSize;
  if (!Number.isInteger(limit) || limit < 1)
    throw new DomainError('BAD_REQUEST', `limit must be a positive integer, got ${limit}`);
  return Math.min(limit, store.limits.maxPageSize);
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
