/**
 * Statuses the 7.0 YAML never declares but DIGEST §10/§11 recommends. A response with one of these is
 * not a violation (when it carries the header the recommendation names); it is recorded apart from the
 * declared ones and listed in the coverage report, so nobody mistakes it for spec behaviour.
 */
export interface UndeclaredStatus {
  readonly status: number;
  /** Operation keys it may answer, or 'any'. */
  readonly appliesTo: 'any' | readonly string[];
  /** A header that must accompany it (lower case). */
  readonly requiredHeader?: string;
  readonly reason: string;
}

export const RECOMMENDED_UNDECLARED_STATUSES: readonly UndeclaredStatus[] = [
  {
    status: 401,
    appliesTo: 'any',
    requiredHeader: 'www-authenticate',
    reason: 'DIGEST §10: missing or invalid credentials (7.0 defines no 401 anywhere)',
  },
  {
    status: 403,
    appliesTo: ['DELETE /flows/{flowId}/label'],
    reason: 'DIGEST §4.2/§12.7: read-only Flows refuse a label DELETE too (8.0 declares it)',
  },
  { status: 413, appliesTo: 'any', reason: 'request body above the store limit (DIGEST §11 lists no 413)' },
  { status: 500, appliesTo: 'any', reason: 'DIGEST §11: server fault' },
  { status: 503, appliesTo: 'any', reason: 'DIGEST §11: server unavailable or starting' },
];

/**
 * DIGEST §5/§11: a method a path lacks (PUT /sources/{sourceId}) gets 405 with `Allow`. It applies only
 * where the spec has the path but not the method, so it is not in the list above.
 */
export const METHOD_NOT_ALLOWED: UndeclaredStatus = {
  status: 405,
  appliesTo: 'any',
  requiredHeader: 'allow',
  reason: 'DIGEST §11: the path exists in 7.0 without this method',
};

export function undeclaredAllowance(operationKey: string, status: number): UndeclaredStatus | undefined {
  return RECOMMENDED_UNDECLARED_STATUSES.find(
    (u) => u.status === status && (u.appliesTo === 'any' || u.appliesTo.includes(operationKey)),
  );
}
