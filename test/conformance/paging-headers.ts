/**
 * Paging headers (DIGEST §3; ADR0010): `Link` in RFC 8288 syntax, and the consistency between `Link`,
 * `X-Paging-*` and the page actually returned. The per-header value grammar (integer, boolean,
 * timerange) comes from the spec's declared header schemas and is checked elsewhere; this file checks
 * what those schemas cannot.
 */

export interface LinkValue {
  readonly target: string;
  /** Parameter names lower-cased; quoted values unquoted. */
  readonly params: ReadonlyMap<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/** Parses an RFC 8288 `Link` field value; throws with the position of the first syntax error. */
export function parseLinkHeader(value: string): LinkValue[] {
  const links: LinkValue[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`expected ${what} at offset ${i} of Link: ${JSON.stringify(value)}`);
  };
  const ows = () => {
    while (value[i] === ' ' || value[i] === '\t') i++;
  };
  const token = (): string => {
    const start = i;
    while (i < value.length && TOKEN.test(value[i]!)) i++;
    if (i === start) fail('a token');
    return value.slice(start, i);
  };
  const quoted = (): string => {
    i++; // opening quote
    let out = '';
    while (i < value.length && value[i] !== '"') {
      if (value[i] === '\\') i++;
      if (i >= value.length) break;
      out += value[i];
      i++;
    }
    if (value[i] !== '"') fail('a closing quote');
    i++;
    return out;
  };
  for (;;) {
    // `#rule` lists allow empty elements: skip whitespace and stray commas.
    while (value[i] === ' ' || value[i] === '\t' || value[i] === ',') i++;
    if (i >= value.length) break;
    if (value[i] !== '<') fail('"<" opening a link target');
    const end = value.indexOf('>', i);
    if (end < 0) fail('">" closing the link target');
    const target = value.slice(i + 1, end);
    if (/[\s<"]/.test(target)) fail('a URI reference without spaces, quotes or "<"');
    i = end + 1;
    const params = new Map<string, string>();
    for (;;) {
      ows();
      if (value[i] !== ';') break;
      i++;
      ows();
      const name = token().toLowerCase();
      ows();
      let paramValue = '';
      if (value[i] === '=') {
        i++;
        ows();
        paramValue = value[i] === '"' ? quoted() : token();
      }
      // RFC 8288 §3: occurrences after the first of rel (and others) are ignored.
      if (!params.has(name)) params.set(name, paramValue);
    }
    ows();
    if (i < value.length && value[i] !== ',') fail('";" or "," after a link');
    links.push({ target, params });
  }
  return links;
}

/** The links whose relation types (space separated, case-insensitive) include `next`. */
export function nextLinks(links: readonly LinkValue[]): LinkValue[] {
  return links.filter((l) => (l.params.get('rel') ?? '').toLowerCase().split(/\s+/).includes('next'));
}

export const PAGING_HEADERS = [
  'link',
  'x-paging-limit',
  'x-paging-nextkey',
  'x-paging-count',
  'x-paging-reverse-order',
  'x-paging-timerange',
] as const;

export interface PagingInput {
  readonly requestUrl: URL;
  readonly headers: Headers;
  /** Lower-case names of the headers this response declares. */
  readonly declared: ReadonlySet<string>;
  /** The page's items when the body is known (GET), for count and limit checks. */
  readonly items: readonly unknown[] | undefined;
}

/** Messages for every paging inconsistency; empty when the headers are consistent (or absent). */
export function checkPaging({ requestUrl, headers, declared, items }: PagingInput): string[] {
  const problems: string[] = [];
  const paged = declared.has('x-paging-limit') || declared.has('x-paging-nextkey');
  const present = PAGING_HEADERS.filter((h) => headers.has(h));

  let next: LinkValue | undefined;
  const link = headers.get('link');
  if (link !== null) {
    try {
      const nexts = nextLinks(parseLinkHeader(link));
      if (nexts.length > 1)
        problems.push(`Link has ${nexts.length} rel="next" links; at most one is allowed`);
      next = nexts[0];
    } catch (error) {
      problems.push(`Link is not RFC 8288 syntax: ${(error as Error).message}`);
    }
  }

  if (!paged) {
    const stray = present.filter((h) => h !== 'link');
    if (stray.length > 0 || next)
      problems.push(
        `this response is not paged in 7.0 (DIGEST §3) but carries ${[...stray, ...(next ? ['Link rel="next"'] : [])].join(', ')}`,
      );
    return problems;
  }

  const nextKey = headers.get('x-paging-nextkey');
  if (nextKey !== null && nextKey === '')
    problems.push('X-Paging-NextKey is empty; omit it on the last page');
  if ((nextKey !== null) !== (next !== undefined))
    problems.push(
      next
        ? 'Link rel="next" is present without X-Paging-NextKey (DIGEST §3: both, or neither on the last page)'
        : 'X-Paging-NextKey is present without a Link rel="next" (DIGEST §3: both, or neither on the last page)',
    );

  if (next) {
    let target: URL | undefined;
    try {
      target = new URL(next.target, requestUrl);
    } catch {
      problems.push(`Link rel="next" target ${JSON.stringify(next.target)} is not a URL reference`);
    }
    if (target) {
      if (target.pathname !== requestUrl.pathname)
        problems.push(
          `Link rel="next" goes to ${target.pathname}, not to the listing requested (${requestUrl.pathname})`,
        );
      const page = target.searchParams.get('page');
      if (!page) problems.push('Link rel="next" has no page query parameter');
      else if (nextKey !== null && page !== nextKey)
        problems.push(
          `Link rel="next" page=${JSON.stringify(page)} differs from X-Paging-NextKey ${JSON.stringify(nextKey)}`,
        );
      // DIGEST §3 Rec: keep every original query parameter (filters, limit, access_token); replace page.
      for (const name of new Set(requestUrl.searchParams.keys())) {
        if (name === 'page') continue;
        const want = requestUrl.searchParams.getAll(name);
        const got = target.searchParams.getAll(name);
        if (want.join('\u0000') !== got.join('\u0000'))
          problems.push(
            `Link rel="next" drops or changes query parameter ${name} (${JSON.stringify(want)} → ${JSON.stringify(got)})`,
          );
      }
    }
  }

  const limitHeader = headers.get('x-paging-limit');
  if (limitHeader !== null && /^\d+$/.test(limitHeader)) {
    const limit = Number(limitHeader);
    if (limit < 1) problems.push(`X-Paging-Limit ${limit} must be at least 1`);
    const requested = requestUrl.searchParams.get('limit');
    if (requested !== null && /^[1-9]\d*$/.test(requested) && limit > Number(requested))
      problems.push(`X-Paging-Limit ${limit} exceeds the limit requested (${requested})`);
    if (items && items.length > limit)
      problems.push(`the page has ${items.length} items, more than X-Paging-Limit ${limit}`);
  }

  const count = headers.get('x-paging-count');
  if (count !== null && items && /^\d+$/.test(count) && Number(count) !== items.length)
    problems.push(`X-Paging-Count ${count} but the page has ${items.length} items`);

  const reverse = headers.get('x-paging-reverse-order');
  const askedReverse = requestUrl.searchParams.get('reverse_order') ?? 'false';
  // A value that is not a boolean at all is the header schema's to report, not a second problem here.
  const booleans = ['true', 'false'];
  if (
    reverse !== null &&
    booleans.includes(reverse) &&
    booleans.includes(askedReverse) &&
    reverse !== askedReverse
  )
    problems.push(`X-Paging-Reverse-Order is ${reverse} but reverse_order=${askedReverse} was requested`);

  return problems;
}
