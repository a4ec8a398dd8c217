import { describe, expect, it } from 'vitest';
import type { RouteDefinition } from './router.js';
import { allowedMethods, RestRouter } from './router.js';
import { REST_ROUTES } from './routes/index.js';
import { REST_SCOPES } from '../auth/scope-rules.js';

const handler = () => Promise.resolve({ status: 204 });
const routes: RouteDefinition[] = [
  { path: '/', methods: { GET: handler } },
  { path: '/flows', methods: { GET: handler } },
  { path: '/flows/{flowId}', methods: { GET: handler, PUT: handler, DELETE: handler } },
  { path: '/flows/{flowId}/tags/{name}', methods: { GET: handler, PUT: handler } },
  { path: '/objects/{objectId}', methods: { GET: handler } },
  { path: '/service/webhooks', methods: { POST: handler } },
];
const router = new RestRouter(routes);
const match = (path: string) => {
  const m = router.match(path);
  return m === undefined || m === 'malformed' ? m : { path: m.route.path, params: m.params };
};

describe('RestRouter', () => {
  it('matches templates segment by segment and names the parameters', () => {
    expect(match('/')).toEqual({ path: '/', params: {} });
    expect(match('/flows')).toEqual({ path: '/flows', params: {} });
    expect(match('/flows/abc')).toEqual({ path: '/flows/{flowId}', params: { flowId: 'abc' } });
    expect(match('/flows/abc/tags/genre')).toEqual({
      path: '/flows/{flowId}/tags/{name}',
      params: { flowId: 'abc', name: 'genre' },
    });
  });

  it('decodes each parameter exactly once, so an encoded / stays inside one parameter', () => {
    expect(match('/objects/a%2Fb')).toEqual({ path: '/objects/{objectId}', params: { objectId: 'a/b' } });
    expect(match('/objects/a%252Fb')).toEqual({ path: '/objects/{objectId}', params: { objectId: 'a%2Fb' } });
    expect(match('/flows/abc/tags/a%20b')).toMatchObject({ params: { flowId: 'abc', name: 'a b' } });
  });

  it('matches nothing for other shapes, an empty parameter or a trailing slash; says when an escape is malformed', () => {
    for (const path of ['/flows/', '/flows//tags/x', '/objects/a/b', '/flow', '/flows/abc/tags', '/x'])
      expect(match(path), path).toBeUndefined();
    expect(match('/objects/%E0%A4%A')).toBe('malformed');
  });

  it('answers a 405 with Allow: GET comes with HEAD', () => {
    expect(allowedMethods(routes[2]!)).toBe('GET, HEAD, PUT, DELETE');
    expect(allowedMethods(routes[5]!)).toBe('POST');
  });

  it('serves exactly the routes and methods of the scope table, each path once', () => {
    const served = Object.fromEntries(REST_ROUTES.map((r) => [r.path, Object.keys(r.methods).sort()]));
    expect(REST_ROUTES.length).toBe(Object.keys(served).length);
    expect(served).toEqual(
      Object.fromEntries(Object.entries(REST_SCOPES).map(([path, m]) => [path, Object.keys(m).sort()])),
    );
  });
});
