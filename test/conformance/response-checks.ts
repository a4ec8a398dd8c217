import { checkPaging, PAGING_HEADERS } from './paging-headers.js';
import type { PathMatch, PathMatcher } from './path-matching.js';
import type { HeaderSpec, HttpMethod, Operation, Spec } from './spec.js';
import { formatAjvErrors } from './spec.js';
import { rulesFor } from './spec-text-rules.js';
import type { UndeclaredStatus } from './undeclared-statuses.js';
import {
  METHOD_NOT_ALLOWED,
  RECOMMENDED_UNDECLARED_STATUSES,
  undeclaredAllowance,
} from './undeclared-statuses.js';
import type { Violation, ViolationRule } from './violations.js';

/**
 * Judges one HTTP exchange against the spec: status, body, headers, paging and the spec-text rules.
 * Pure (no I/O), so the self-tests can feed it crafted responses.
 */

export interface Exchange {
  readonly method: HttpMethod;
  /** The full URL requested. */
  readonly url: URL;
  /** The request path relative to the store's base path, raw (still percent-encoded); undefined if outside it. */
  readonly specPath: string | undefined;
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export interface Verdict {
  readonly operation: Operation | undefined;
  readonly match: PathMatch | undefined;
  /** The status is one the operation declares. */
  readonly declared: boolean;
  /** Set when the status is an undeclared one the DIGEST recommends. */
  readonly undeclared: UndeclaredStatus | undefined;
  /** The parsed JSON body, when there is one. */
  readonly body: unknown;
  readonly violations: readonly Violation[];
}

const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;

export function judgeExchange(spec: Spec, matcher: PathMatcher, exchange: Exchange): Verdict {
  const { method, url, specPath, status, headers, text } = exchange;
  const match = specPath === undefined ? undefined : matcher.match(specPath);
  const operation = match ? spec.operation(method, match.template) : undefined;
  const label = operation?.key ?? `${method} ${match?.template ?? specPath ?? url.pathname}`;
  const violations: Violation[] = [];
  const add = (rule: ViolationRule, message: string, details: readonly string[] = []) =>
    violations.push({
      operation: label,
      request: `${method} ${url.pathname}${url.search}`,
      status,
      rule,
      message,
      details,
    });

  // Body: parsed once, judged below.
  const contentType = headers.get('content-type') ?? '';
  let body: unknown;
  let parseError: string | undefined;
  if (text !== '' && JSON_MEDIA_TYPE.test(contentType)) {
    try {
      body = JSON.parse(text);
    } catch (error) {
      parseError = (error as Error).message;
    }
  }

  // Status.
  let declared = false;
  let undeclared: UndeclaredStatus | undefined;
  const requireHeader = (allowance: UndeclaredStatus) => {
    if (allowance.requiredHeader && !headers.has(allowance.requiredHeader))
      add('required-header', `${status} must carry ${allowance.requiredHeader} (${allowance.reason})`);
  };
  const anywhere = (s: number) =>
    RECOMMENDED_UNDECLARED_STATUSES.find((u) => u.status === s && u.appliesTo === 'any');
  if (operation) {
    declared = operation.responses.has(status);
    if (!declared) {
      undeclared = undeclaredAllowance(operation.key, status);
      if (undeclared) requireHeader(undeclared);
      else
        add(
          'status',
          `status ${status} is not declared for ${operation.key} (declared: ${[...operation.responses.keys()].join(', ')}; ` +
            `recommended extras: ${recommendedFor(operation.key)})`,
        );
    }
  } else if (match) {
    const methods = spec.paths.get(match.template) ?? [];
    undeclared = status === 405 ? METHOD_NOT_ALLOWED : anywhere(status);
    if (!undeclared)
      add(
        'unknown-operation',
        `7.0 has no ${method} on ${match.template}; answer 405 with Allow: ${methods.join(', ')} (DIGEST §11)`,
      );
    else {
      requireHeader(undeclared);
      const allow = headers.get('allow');
      if (status === 405 && allow !== null) {
        const allowed = new Set(allow.split(',').map((m) => m.trim().toUpperCase()));
        const missing = methods.filter((m) => !allowed.has(m));
        if (missing.length > 0 || allowed.has(method))
          add(
            'required-header',
            `Allow: ${allow} must list the methods 7.0 declares on ${match.template} (${methods.join(', ')}) and not ${method}`,
          );
      }
    }
  } else {
    undeclared = status === 404 ? undefined : anywhere(status);
    if (status !== 404 && !undeclared)
      add('unknown-operation', `no 7.0 path matches ${specPath ?? url.pathname}; a store answers 404 there`);
    if (undeclared) requireHeader(undeclared);
  }

  // Body.
  const response = declared ? operation?.responses.get(status) : undefined;
  if (method === 'HEAD') {
    if (text !== '') add('head-body', `a HEAD response must have no body (got ${text.length} characters)`);
  } else if (response?.validateBody && status < 400) {
    if (!JSON_MEDIA_TYPE.test(contentType))
      add('content-type', `expected Content-Type application/json, got ${JSON.stringify(contentType)}`);
    else if (parseError !== undefined || text === '')
      add('body-schema', `the body is not JSON: ${parseError ?? 'empty body'}`);
    else if (!response.validateBody(body))
      add(
        'body-schema',
        'the body does not match the schema the spec declares',
        formatAjvErrors(response.validateBody.errors),
      );
  } else if (status >= 400) {
    // DIGEST §11: no 4xx in the YAML declares a body; every 4xx/5xx should carry S:error.json.
    const validate = response?.validateBody ?? spec.schemaFile('error.json');
    if (!JSON_MEDIA_TYPE.test(contentType) || text === '')
      add(
        'error-body',
        `an error response needs a JSON error body (Content-Type ${JSON.stringify(contentType)}, ${text.length} characters)`,
      );
    else if (parseError !== undefined) add('error-body', `the error body is not JSON: ${parseError}`);
    else if (!validate(body))
      add(
        'error-body',
        'the error body is not a TAMS error (S:error.json: type, summary, time)',
        formatAjvErrors(validate.errors),
      );
  } else if (response && text !== '') {
    add(
      'unexpected-body',
      `the spec defines no body for ${operation!.key} ${status}, but one was sent (${contentType})`,
    );
  }

  // Declared headers: their values against the declared schemas; paging consistency.
  const declaredHeaders = response?.headers ?? new Map<string, HeaderSpec>();
  for (const [name, header] of declaredHeaders) {
    const value = headers.get(name);
    if (value === null) continue;
    const coerced = coerceHeader(value, header.schema.type);
    if (coerced === undefined || !header.validate(coerced))
      add(
        'header-schema',
        `${header.name}: ${JSON.stringify(value)} does not match its declared schema`,
        coerced === undefined
          ? [`not a valid ${String(header.schema.type)}`]
          : formatAjvErrors(header.validate.errors),
      );
  }
  if (operation && (declared || PAGING_HEADERS.some((h) => headers.has(h)))) {
    const pageItems = items(operation, body);
    for (const problem of checkPaging({
      requestUrl: url,
      headers,
      declared: new Set(declaredHeaders.keys()),
      items: method === 'HEAD' ? undefined : pageItems,
    }))
      add('paging', problem);
  }

  // Spec-text rules.
  if (operation && declared && method !== 'HEAD' && violations.every((v) => v.rule !== 'body-schema'))
    for (const rule of rulesFor(operation.key, status, ['body', 'exchange'])) {
      const problem = rule.check({ body, params: match?.params ?? {}, headers, requestUrl: url });
      if (problem) add('spec-text', `${problem} [${rule.id}: ${rule.source}]`);
    }

  return { operation, match, declared, undeclared, body, violations };
}

/** The items of a paged listing: the array itself, or an object's `referenced_by_flows` (DIGEST §3). */
function items(operation: Operation, body: unknown): readonly unknown[] | undefined {
  if (Array.isArray(body)) return body as unknown[];
  if (operation.path === '/objects/{objectId}' && typeof body === 'object' && body !== null) {
    const refs = (body as { referenced_by_flows?: unknown }).referenced_by_flows;
    return Array.isArray(refs) ? (refs as unknown[]) : undefined;
  }
  return undefined;
}

/** Header values are strings; the declared schema's `type` says how to read them. */
function coerceHeader(value: string, type: unknown): unknown {
  if (type === 'integer') return /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : undefined;
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : undefined;
  return value;
}

function recommendedFor(operationKey: string): string {
  return (
    RECOMMENDED_UNDECLARED_STATUSES.filter((u) => u.appliesTo === 'any' || u.appliesTo.includes(operationKey))
      .map((u) => u.status)
      .join(', ') || 'none'
  );
}
