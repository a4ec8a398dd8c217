import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../http/errors.js';
import { QueryParams } from './query.js';
import { FORMAT } from './tams-vocabulary.js';

/** The refusal `parse` throws: a TAMS error's status, type and summary. */
function refusal(parse: () => unknown): { status: number; type: string; summary: string } {
  try {
    parse();
  } catch (error) {
    if (error instanceof HttpError) return { status: error.status, type: error.type, summary: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

const q = (raw: string) => new QueryParams(raw);

describe('QueryParams', () => {
  it('reads single values, and refuses a parameter given twice', () => {
    expect(q('label=a%20b&codec=video%2Fh264').string('label')).toBe('a b');
    expect(q('codec=video%2Fh264').string('codec')).toBe('video/h264');
    expect(q('').string('label')).toBeUndefined();
    expect(refusal(() => q('label=a&label=b').string('label'))).toEqual({
      status: 400,
      type: 'BAD_REQUEST',
      summary: 'query parameter label: expected a single value',
    });
  });

  it('reads booleans as 7.0 writes them, nothing else', () => {
    expect(q('presigned=true').boolean('presigned')).toBe(true);
    expect(q('presigned=false').boolean('presigned')).toBe(false);
    expect(q('').boolean('presigned')).toBeUndefined();
    for (const v of ['yes', 'TRUE', '1', ''])
      expect(refusal(() => q(`presigned=${v}`).boolean('presigned')).summary).toBe(
        'query parameter presigned: expected "true" or "false"',
      );
  });

  it('reads integers of any sign: their range is the schema’s and the domain’s, not the shim’s', () => {
    expect(q('limit=10').limit()).toBe(10);
    expect(q('limit=0').limit()).toBe(0);
    expect(q('frame_width=-1').integer('frame_width')).toBe(-1);
    for (const v of ['ten', '1.5', '1e3', '', '9999999999999999'])
      expect(refusal(() => q(`limit=${v}`).limit()).summary).toBe(
        'query parameter limit: expected an integer',
      );
  });

  it('translates TAMS spellings of enumerations and names the ones it knows when refusing', () => {
    expect(q('format=urn:x-nmos:format:video').spelling('format', FORMAT)).toBe('VIDEO');
    expect(q('format=urn%3Ax-tam%3Aformat%3Aimage').spelling('format', FORMAT)).toBe('IMAGE');
    const { summary } = refusal(() => q('format=VIDEO').spelling('format', FORMAT));
    expect(summary).toMatch(/^query parameter format: expected one of urn:x-nmos:format:video, /);
  });

  it('reads lists, where present but empty is the empty list', () => {
    expect(q('accept_get_urls=a,b').list('accept_get_urls')).toEqual(['a', 'b']);
    expect(q('accept_get_urls=').list('accept_get_urls')).toEqual([]);
    expect(q('').list('accept_get_urls')).toBeUndefined();
  });

  it('reads tag filters with percent-encoded names and values, as the operations’ variables', () => {
    expect(q('tag.genre=news&tag_exists.year=false&tag.a%2Eb=x%20y&other=1').tagFilters()).toEqual({
      tags: [
        { name: 'genre', value: 'news' },
        { name: 'a.b', value: 'x y' },
      ],
      tag_exists: [{ name: 'year', exists: false }],
    });
    expect(refusal(() => q('tag_exists.year=maybe').tagFilters()).summary).toBe(
      'query parameter tag_exists.year: expected "true" or "false"',
    );
    expect(refusal(() => q('tag.%E0%A4%A=x').tagFilters()).status).toBe(400);
  });

  it('round-trips any tag name and value percent-encoded as a client would', () => {
    const text = (c: { minLength?: number } = {}) => fc.string({ unit: 'grapheme', ...c });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(text({ minLength: 1 }), text()), { maxLength: 5 }),
        fc.array(fc.tuple(text({ minLength: 1 }), fc.boolean()), { maxLength: 5 }),
        (tags, exists) => {
          const raw = [
            ...tags.map(([n, v]) => `tag.${encodeURIComponent(n)}=${encodeURIComponent(v)}`),
            ...exists.map(([n, e]) => `tag_exists.${encodeURIComponent(n)}=${e}`),
          ].join('&');
          expect(q(raw).tagFilters()).toEqual({
            tags: tags.map(([name, value]) => ({ name, value })),
            tag_exists: exists.map(([name, e]) => ({ name, exists: e })),
          });
        },
      ),
    );
  });

  it('refuses a query string that does not decode to UTF-8 before reading any parameter', () => {
    expect(refusal(() => q('label=%FF'))).toMatchObject({ status: 400, type: 'BAD_REQUEST' });
  });
});
