import type { Exchange } from './send.js';

/**
 * What every answer to a hostile request must look like. Returns the problems found (none: fine):
 * - never a 5xx, never a dropped connection;
 * - a REST 4xx has `content-type: application/json` and the TAMS error body {type, summary, time};
 * - a GraphQL error has a string `extensions.code` and no stack trace, SQL or source path in it;
 * - a request that would change the store is refused (4xx, or GraphQL errors without data).
 */

/** Internals an error must not show: SQL, database names, stack frames, source files. */
const LEAK = /\bselect\b|sqlite|postgres|\bat \/|\.ts:\d|\.js:\d|node_modules|\n\s+at /gi;
/** REST summaries may quote the path they refuse (`nothing is served at /x`), so `at /` is fine there. */
const REST_LEAK = /\bselect\b|sqlite|postgres|\.ts:\d|\.js:\d|node_modules|\n\s+at /gi;

/** What the client sent, decoded, lower case: an error may quote it back (`object id "../x.sqlite3"`). */
function sentText(request: Exchange['request']): string {
  let target = request.target;
  try {
    target = decodeURIComponent(target);
  } catch {
    // A malformed escape: compare with the raw target.
  }
  return `${target} ${request.body?.toString() ?? ''}`.toLowerCase();
}

/** The matches of `leak` in `text` that do not merely quote what the client sent. */
function leaks(text: string, leak: RegExp, request: Exchange['request']): boolean {
  const sent = sentText(request);
  return [...text.matchAll(leak)].some((m) => !sent.includes(m[0].toLowerCase()));
}
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

type Json = Record<string, unknown>;

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The TAMS error body (gateway/http/errors.ts), or what is wrong with it. */
function tamsErrorProblems(body: unknown, leak: RegExp, request: Exchange['request']): string[] {
  if (!isObject(body)) return ['error body is not a JSON object'];
  const problems: string[] = [];
  if (typeof body.type !== 'string' || body.type === '') problems.push('error body has no string type');
  if (typeof body.summary !== 'string' || !/\S/.test(body.summary))
    problems.push('error body has no summary');
  else if (leaks(body.summary, leak, request))
    problems.push(`error summary leaks internals: ${body.summary.slice(0, 200)}`);
  if (typeof body.time !== 'string' || !ISO_TIME.test(body.time) || Number.isNaN(Date.parse(body.time)))
    problems.push('error body has no ISO time');
  if ('traceback' in body) problems.push('error body has a traceback');
  return problems;
}

function restProblems(x: Exchange): string[] {
  const problems: string[] = [];
  if (x.request.mustBeRefused && (x.status < 400 || x.status >= 500)) {
    // The 7.0 bulk form answers 200 listing the failed segments: all of them, or some were stored.
    const answer = parseJson(x.body);
    const sent = x.request.body === undefined ? undefined : parseJson(Buffer.from(x.request.body));
    const reportedAllFailed =
      x.status === 200 &&
      x.request.method === 'POST' &&
      Array.isArray(sent) &&
      isObject(answer) &&
      Array.isArray(answer.failed_segments) &&
      answer.failed_segments.length === sent.length;
    if (!reportedAllFailed) problems.push(`a malformed ${x.request.method} was accepted with ${x.status}`);
  }
  if (x.status < 400) return problems;
  const type = x.headers['content-type'] ?? '';
  if (!/^application\/json\b/.test(type))
    problems.push(`content-type ${JSON.stringify(type)}, not application/json`);
  if (x.request.method !== 'HEAD')
    problems.push(...tamsErrorProblems(parseJson(x.body), REST_LEAK, x.request));
  return problems;
}

function graphqlErrorProblems(errors: unknown[], request: Exchange['request']): string[] {
  const problems: string[] = [];
  for (const error of errors) {
    if (!isObject(error)) {
      problems.push('a GraphQL error is not an object');
      continue;
    }
    const extensions = isObject(error.extensions) ? error.extensions : {};
    if (typeof extensions.code !== 'string' || extensions.code === '')
      problems.push('a GraphQL error has no extensions.code');
    if ('stacktrace' in extensions || 'exception' in extensions)
      problems.push('a GraphQL error carries a stack trace');
    const text = `${typeof error.message === 'string' ? error.message : ''} ${JSON.stringify(extensions)}`;
    if (leaks(text, LEAK, request)) problems.push(`a GraphQL error leaks internals: ${text.slice(0, 300)}`);
  }
  return problems;
}

function graphqlProblems(x: Exchange): string[] {
  const problems: string[] = [];
  if (x.request.method === 'HEAD') {
    if (x.request.mustBeRefused && x.status < 400) problems.push(`HEAD with a mutation answered ${x.status}`);
    return problems;
  }
  const body = parseJson(x.body);
  const type = x.headers['content-type'] ?? '';
  if (body === undefined) {
    // Apollo's landing page: a browser's GET.
    if (x.status === 200 && x.request.method === 'GET' && type.startsWith('text/html')) return problems;
    return [
      `${x.status} answer is not JSON (${type || 'no content-type'}): ${x.body.toString('utf8').slice(0, 200)}`,
    ];
  }
  const errors = isObject(body) && Array.isArray(body.errors) ? body.errors : undefined;
  if (errors) problems.push(...graphqlErrorProblems(errors, x.request));
  else if (x.status >= 400) problems.push(...tamsErrorProblems(body, LEAK, x.request));
  if (x.request.mustBeRefused) {
    const data = isObject(body) ? body.data : undefined;
    const wrote = isObject(data) && Object.values(data).some((v) => v !== null);
    if (wrote || (!errors && x.status < 400)) problems.push('a poisoned mutation was executed');
  }
  return problems;
}

export function judge(x: Exchange): string[] {
  if (x.status === 0) return [`no answer: ${x.error ?? 'unknown'}`];
  const problems = x.status >= 500 ? [`status ${x.status}`] : [];
  return [...problems, ...(x.request.api === 'rest' ? restProblems(x) : graphqlProblems(x))];
}
