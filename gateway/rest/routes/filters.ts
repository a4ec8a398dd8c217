import { FORMAT_URN } from '../../../subgraphs/media/domain/content-format.js';
import { HttpError } from '../../http/errors.js';
import type { QueryParams } from '../query.js';

const BY_URN = new Map(Object.entries(FORMAT_URN).map(([k, v]) => [v, k]));

/** `format=<URN>` as the GraphQL enum; an unknown URN is a 400 (a bad enum value, DIGEST §5). */
export function formatFilter(q: QueryParams): string | undefined {
  const urn = q.string('format');
  if (urn === undefined) return undefined;
  const format = BY_URN.get(urn);
  if (!format)
    throw new HttpError(
      400,
      'BAD_REQUEST',
      `query parameter format: expected one of ${[...BY_URN.keys()].join(', ')}`,
    );
  return format;
}
