import { describe, expect, it } from 'vitest';
import { p, PathMatcher, stripBasePath } from '../path-matching.js';
import { specSuite } from '../../tams-spec/suite.js';
import { specForTests } from '../spec.js';

const spec = specForTests();

describe('matching request paths to 7.0 path templates', specSuite(spec), () => {
  const matcher = new PathMatcher(spec?.paths.keys() ?? []);

  it('matches literal paths and fills parameters', () => {
    expect(matcher.match('/')).toEqual({ template: '/', params: {} });
    expect(matcher.match('/service/storage-backends')?.template).toBe('/service/storage-backends');
    expect(matcher.match('/flows/6f7e0c3a-0d9b-4a8e-9d51-0c0b8e7b1a11/segments')).toEqual({
      template: '/flows/{flowId}/segments',
      params: { flowId: '6f7e0c3a-0d9b-4a8e-9d51-0c0b8e7b1a11' },
    });
    expect(matcher.match('/flow-delete-requests/abc')?.params).toEqual({ 'request-id': 'abc' });
  });

  it('keeps an encoded slash inside one object id, and decodes it exactly once', () => {
    expect(matcher.match('/objects/bucket%2Fobject.ts')).toEqual({
      template: '/objects/{objectId}',
      params: { objectId: 'bucket/object.ts' },
    });
    expect(matcher.match('/objects/bucket%252Fobject')?.params).toEqual({ objectId: 'bucket%2Fobject' });
    expect(matcher.match('/objects/bucket/object')).toBeUndefined();
    expect(matcher.match('/sources/s/tags/a%20b%2Fc')?.params).toEqual({ sourceId: 's', name: 'a b/c' });
  });

  it('prefers literal segments, and rejects trailing slashes, empty parameters and paths 7.0 lacks', () => {
    expect(matcher.match('/service/webhooks')?.template).toBe('/service/webhooks');
    expect(matcher.match('/flows/')).toBeUndefined();
    expect(matcher.match('/flows//tags')).toBeUndefined();
    expect(matcher.match('/objects')).toBeUndefined();
    expect(matcher.match('/service/profiles')).toBeUndefined();
    expect(matcher.match('/objects/%E0%A4%A')).toBeUndefined(); // malformed escape
  });

  it('strips a base path, and the p tag encodes each value as one segment', () => {
    expect(stripBasePath('/', '/flows')).toBe('/flows');
    expect(stripBasePath('/tams/v7.0/', '/tams/v7.0/flows')).toBe('/flows');
    expect(stripBasePath('/tams/v7.0', '/tams/v7.0')).toBe('/');
    expect(stripBasePath('/tams', '/tamsx/flows')).toBeUndefined();
    expect(p`/objects/${'bucket/obj 1'}`).toBe('/objects/bucket%2Fobj%201');
    expect(p`/sources/${'s'}/tags/${'a?b'}`).toBe('/sources/s/tags/a%3Fb');
  });
});
