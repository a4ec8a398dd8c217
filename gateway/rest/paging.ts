/**
 * The 7.0 paging headers (§3): `X-Paging-Limit` always; `X-Paging-NextKey` and an RFC 8288
 * `Link: <...>; rel="next"` (every original query parameter kept, `page` replaced) when there is a next
 * page; none of them on the last page. `access_token` is the one parameter not kept: a credential must
 * not come back in a response (the client adds it again, as it did to this request).
 */
export function pagingHeaders(
  publicUrl: string,
  path: string,
  rawQuery: string,
  limit: number,
  nextKey: string | null,
): Record<string, string> {
  const headers: Record<string, string> = { 'x-paging-limit': String(limit) };
  if (nextKey !== null) {
    const query = new URLSearchParams(rawQuery);
    query.delete('access_token');
    query.set('page', nextKey);
    headers['x-paging-nextkey'] = nextKey;
    headers.link = `<${publicUrl}${path}?${query.toString()}>; rel="next"`;
  }
  return headers;
}
