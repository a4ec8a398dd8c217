/**
 * A response that breaks the 7.0 spec (or a DIGEST recommendation the suite enforces), with enough
 * context to fix the server without re-running: the operation, the status, which rule, and the ajv
 * errors when a schema was involved.
 */
export interface Violation {
  /** The operation key (`GET /flows/{flowId}`), or `METHOD /raw/path` when no operation matched. */
  readonly operation: string;
  /** The request as sent, e.g. `GET /flows/6f…?limit=2`. */
  readonly request: string;
  readonly status: number;
  readonly rule: ViolationRule;
  readonly message: string;
  /** One line per ajv error, when a schema check failed. */
  readonly details: readonly string[];
}

export type ViolationRule =
  | 'status'
  | 'body-schema'
  | 'error-body'
  | 'content-type'
  | 'unexpected-body'
  | 'header-schema'
  | 'required-header'
  | 'paging'
  | 'head-body'
  | 'head-mismatch'
  | 'spec-text'
  | 'unknown-operation';

export function formatViolation(v: Violation): string {
  const head = `[${v.rule}] ${v.operation} → ${v.status} (${v.request}): ${v.message}`;
  return [head, ...v.details.map((d) => `    ${d}`)].join('\n');
}

export class ConformanceViolationError extends Error {
  override name = 'ConformanceViolationError';

  constructor(readonly violations: readonly Violation[]) {
    super(
      `${violations.length} TAMS 7.0 conformance violation${violations.length === 1 ? '' : 's'}:\n` +
        violations.map(formatViolation).join('\n'),
    );
  }
}
