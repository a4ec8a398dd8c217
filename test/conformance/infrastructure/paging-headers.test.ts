import { describe, expect, it } from 'vitest';
import { checkPaging, nextLinks, parseLinkHeader } from '../paging-headers.js';

describe('RFC 8288 Link parsing', () => {
  it('reads targets and parameters, quoted or not, across several links', () => {
    const links = parseLinkHeader(
      '<https://s/flows?page=b&limit=2>; rel="next", </docs>;rel=describedby; title="a, b; \\"c\\""',
    );
    expect(links).toHaveLength(2);
    expect(links[0]!.target).toBe('https://s/flows?page=b&limit=2');
    expect(links[0]!.params.get('rel')).toBe('next');
    expect(links[1]!.params.get('title')).toBe('a, b; "c"');
    expect(nextLinks(links).map((l) => l.target)).toEqual(['https://s/flows?page=b&limit=2']);
    expect(nextLinks(parseLinkHeader('<a>; REL="prev NEXT"'))).toHaveLength(1);
  });

  it('rejects values that are not RFC 8288 syntax, saying where', () => {
    expect(() => parseLinkHeader('https://s/flows?page=b; rel="next"')).toThrow(
      /"<" opening a link target at offset 0/,
    );
    expect(() => parseLinkHeader('<https://s/flows; rel=next')).toThrow(/">" closing/);
    expect(() => parseLinkHeader('<a b>; rel=next')).toThrow(/URI reference without spaces/);
    expect(() => parseLinkHeader('<a>; rel="next')).toThrow(/closing quote/);
    expect(() => parseLinkHeader('<a> rel=next')).toThrow(/";" or ","/);
  });
});

describe('paging consistency (DIGEST §3)', () => {
  const declared = new Set(['link', 'x-paging-limit', 'x-paging-nextkey']);
  const segments = new Set([...declared, 'x-paging-count', 'x-paging-reverse-order', 'x-paging-timerange']);
  const request = new URL('http://store/flows?label=a&limit=2');
  const check = (headers: Record<string, string>, items?: unknown[], url = request, names = declared) =>
    checkPaging({ requestUrl: url, headers: new Headers(headers), declared: names, items });

  it('accepts a consistent middle page and a last page', () => {
    expect(
      check(
        {
          link: '<http://store/flows?label=a&limit=2&page=k2>; rel="next"',
          'x-paging-nextkey': 'k2',
          'x-paging-limit': '2',
        },
        [1, 2],
      ),
    ).toEqual([]);
    expect(check({ 'x-paging-limit': '2' }, [1])).toEqual([]);
  });

  it('reports a next link without a key (and the reverse), a mismatched key, and dropped filters', () => {
    expect(check({ link: '<http://store/flows?label=a&limit=2&page=k2>; rel="next"' })).toEqual([
      expect.stringMatching(/without X-Paging-NextKey/),
    ]);
    expect(check({ 'x-paging-nextkey': 'k2' })).toEqual([expect.stringMatching(/without a Link rel="next"/)]);
    expect(
      check({ link: '<http://store/flows?limit=2&page=k3>; rel="next"', 'x-paging-nextkey': 'k2' }),
    ).toEqual([
      expect.stringMatching(/page="k3" differs from X-Paging-NextKey "k2"/),
      expect.stringMatching(/drops or changes query parameter label/),
    ]);
    expect(
      check({ link: '<http://store/sources?label=a&limit=2&page=k>; rel="next"', 'x-paging-nextkey': 'k' }),
    ).toEqual([expect.stringMatching(/goes to \/sources, not to the listing requested/)]);
  });

  it('reports limits above the request, pages larger than the limit, wrong counts and order', () => {
    expect(check({ 'x-paging-limit': '5' }, [1, 2])).toEqual([
      expect.stringMatching(/exceeds the limit requested \(2\)/),
    ]);
    expect(check({ 'x-paging-limit': '1' }, [1, 2])).toEqual([
      expect.stringMatching(/2 items, more than X-Paging-Limit 1/),
    ]);
    const segmentsUrl = new URL('http://store/flows/f/segments?reverse_order=true');
    expect(
      check({ 'x-paging-count': '3', 'x-paging-reverse-order': 'false' }, [1, 2], segmentsUrl, segments),
    ).toEqual([
      expect.stringMatching(/X-Paging-Count 3 but the page has 2 items/),
      expect.stringMatching(/X-Paging-Reverse-Order is false but reverse_order=true/),
    ]);
  });

  it('reports paging headers on responses 7.0 does not page, and Link syntax errors', () => {
    expect(check({ 'x-paging-limit': '2' }, [], request, new Set())).toEqual([
      expect.stringMatching(/not paged in 7.0.*x-paging-limit/),
    ]);
    expect(check({ link: 'next-page', 'x-paging-limit': '2' })).toEqual([
      expect.stringMatching(/not RFC 8288 syntax/),
    ]);
  });
});
