import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pagingHeaders } from './paging.js';

const BASE = 'https://tams.example';

/** The next-page URL a Link header points to. */
function linkUrl(link: string | undefined): URL {
  const m = /^<([^>]+)>; rel="next"$/.exec(link ?? '');
  if (!m) throw new Error(`not a next link: ${link}`);
  return new URL(m[1]!);
}

describe('pagingHeaders', () => {
  it('says the limit applied, and nothing else on the last page', () => {
    expect(pagingHeaders(BASE, '/flows', 'limit=5000', 1000, null)).toEqual({ 'x-paging-limit': '1000' });
  });

  it('gives the next key bare and in a Link that keeps the query but the page and the credential', () => {
    const headers = pagingHeaders(
      BASE,
      '/flows',
      'label=a%20b&page=old&access_token=secret&limit=2',
      2,
      'KEY',
    );
    expect(headers['x-paging-limit']).toBe('2');
    expect(headers['x-paging-nextkey']).toBe('KEY');
    const next = linkUrl(headers.link);
    expect(next.origin + next.pathname).toBe(`${BASE}/flows`);
    expect([...next.searchParams]).toEqual([
      ['label', 'a b'],
      ['page', 'KEY'],
      ['limit', '2'],
    ]);
  });

  it('keeps every parameter of any query, replaces page, drops access_token (property)', () => {
    const text = fc.string({ unit: 'grapheme' });
    const name = fc.constantFrom('label', 'tag.genre', 'timerange', 'page', 'access_token', 'a b', 'ü');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(name, text), { maxLength: 6 }),
        fc.string({ unit: 'grapheme', minLength: 1 }),
        (pairs, key) => {
          const raw = new URLSearchParams(pairs).toString();
          const next = linkUrl(pagingHeaders(BASE, '/flows/x/segments', raw, 10, key).link).searchParams;
          const kept = pairs.filter(([n]) => n !== 'page' && n !== 'access_token');
          expect([...next].filter(([n]) => n !== 'page')).toEqual(kept);
          expect(next.getAll('page')).toEqual([key]);
          expect(next.has('access_token')).toBe(false);
        },
      ),
    );
  });
});
