import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { locateSpec, REPO_ROOT } from '../../tams-spec/locate.js';
import { specSuite } from '../../tams-spec/suite.js';
import { EXPECTED_OPERATION_COUNT, loadSpec, specForTests, SpecLoadError } from '../spec.js';

/** The 7.0 operations, HEAD twins included, as the YAML declares them (the DIGEST's "73" is a miscount). */
const OPERATIONS_7_0 = [
  'HEAD /',
  'GET /',
  'HEAD /service',
  'GET /service',
  'POST /service',
  'HEAD /service/storage-backends',
  'GET /service/storage-backends',
  'HEAD /service/webhooks',
  'GET /service/webhooks',
  'POST /service/webhooks',
  'HEAD /sources',
  'GET /sources',
  'HEAD /sources/{sourceId}',
  'GET /sources/{sourceId}',
  'HEAD /sources/{sourceId}/tags',
  'GET /sources/{sourceId}/tags',
  'HEAD /sources/{sourceId}/tags/{name}',
  'GET /sources/{sourceId}/tags/{name}',
  'PUT /sources/{sourceId}/tags/{name}',
  'DELETE /sources/{sourceId}/tags/{name}',
  'HEAD /sources/{sourceId}/description',
  'GET /sources/{sourceId}/description',
  'PUT /sources/{sourceId}/description',
  'DELETE /sources/{sourceId}/description',
  'HEAD /sources/{sourceId}/label',
  'GET /sources/{sourceId}/label',
  'PUT /sources/{sourceId}/label',
  'DELETE /sources/{sourceId}/label',
  'HEAD /flows',
  'GET /flows',
  'HEAD /flows/{flowId}',
  'GET /flows/{flowId}',
  'PUT /flows/{flowId}',
  'DELETE /flows/{flowId}',
  'HEAD /flows/{flowId}/tags',
  'GET /flows/{flowId}/tags',
  'HEAD /flows/{flowId}/tags/{name}',
  'GET /flows/{flowId}/tags/{name}',
  'PUT /flows/{flowId}/tags/{name}',
  'DELETE /flows/{flowId}/tags/{name}',
  'HEAD /flows/{flowId}/description',
  'GET /flows/{flowId}/description',
  'PUT /flows/{flowId}/description',
  'DELETE /flows/{flowId}/description',
  'HEAD /flows/{flowId}/label',
  'GET /flows/{flowId}/label',
  'PUT /flows/{flowId}/label',
  'DELETE /flows/{flowId}/label',
  'HEAD /flows/{flowId}/read_only',
  'GET /flows/{flowId}/read_only',
  'PUT /flows/{flowId}/read_only',
  'HEAD /flows/{flowId}/flow_collection',
  'GET /flows/{flowId}/flow_collection',
  'PUT /flows/{flowId}/flow_collection',
  'DELETE /flows/{flowId}/flow_collection',
  'HEAD /flows/{flowId}/max_bit_rate',
  'GET /flows/{flowId}/max_bit_rate',
  'PUT /flows/{flowId}/max_bit_rate',
  'DELETE /flows/{flowId}/max_bit_rate',
  'HEAD /flows/{flowId}/avg_bit_rate',
  'GET /flows/{flowId}/avg_bit_rate',
  'PUT /flows/{flowId}/avg_bit_rate',
  'DELETE /flows/{flowId}/avg_bit_rate',
  'HEAD /flows/{flowId}/segments',
  'GET /flows/{flowId}/segments',
  'POST /flows/{flowId}/segments',
  'DELETE /flows/{flowId}/segments',
  'POST /flows/{flowId}/storage',
  'HEAD /objects/{objectId}',
  'GET /objects/{objectId}',
  'HEAD /flow-delete-requests',
  'GET /flow-delete-requests',
  'HEAD /flow-delete-requests/{request-id}',
  'GET /flow-delete-requests/{request-id}',
];

const PAGING = ['link', 'x-paging-limit', 'x-paging-nextkey'];
const SEGMENT_PAGING = [...PAGING, 'x-paging-count', 'x-paging-reverse-order', 'x-paging-timerange'];

const loaded = specForTests();

describe('the TAMS 7.0 spec as loaded', specSuite(loaded), () => {
  const spec = loaded!; // read only inside the tests, which skip when there is no spec

  it('is 7.0 with exactly the pinned operations, on 25 paths', () => {
    expect(spec.version).toBe('7.0');
    expect(spec.operations).toHaveLength(EXPECTED_OPERATION_COUNT);
    expect(spec.operations.map((o) => o.key).sort()).toEqual([...OPERATIONS_7_0].sort());
    expect(OPERATIONS_7_0).toHaveLength(74);
    expect(spec.paths.size).toBe(25);
    expect(new Set(spec.operations.map((o) => o.operationId)).size).toBe(74);
  });

  it('gives every GET a HEAD twin with the same statuses and headers (DIGEST §1)', () => {
    const gets = spec.operations.filter((o) => o.method === 'GET');
    expect(gets).toHaveLength(spec.operations.filter((o) => o.method === 'HEAD').length);
    for (const get of gets) {
      const head = spec.operation('HEAD', get.path);
      expect(head, get.path).toBeDefined();
      expect([...head!.responses.keys()].sort(), get.path).toEqual([...get.responses.keys()].sort());
      for (const [status, response] of get.responses)
        expect([...head!.responses.get(status)!.headers.keys()].sort(), `${get.path} ${status}`).toEqual(
          [...response.headers.keys()].sort(),
        );
    }
  });

  it('uses only 200, 201, 202, 204, 400, 403 and 404, and no 4xx declares a body (DIGEST §11)', () => {
    for (const op of spec.operations)
      for (const [status, response] of op.responses) {
        expect([200, 201, 202, 204, 400, 403, 404], op.key).toContain(status);
        if (status >= 400) expect(response.bodySchema, `${op.key} ${status}`).toBeUndefined();
      }
  });

  it('declares paging headers on exactly the paged listings (DIGEST §3)', () => {
    const paged = spec.operations
      .filter((o) => o.responses.get(200)?.headers.has('x-paging-limit'))
      .map((o) => o.key)
      .sort();
    expect(paged).toEqual(
      [
        'GET /sources',
        'HEAD /sources',
        'GET /flows',
        'HEAD /flows',
        'GET /flows/{flowId}/segments',
        'HEAD /flows/{flowId}/segments',
        'GET /objects/{objectId}',
        'HEAD /objects/{objectId}',
      ].sort(),
    );
    for (const key of paged) {
      const [method, path] = key.split(' ') as ['GET' | 'HEAD', string];
      const headers = [...spec.operation(method, path)!.responses.get(200)!.headers.keys()].sort();
      expect(headers, key).toEqual([...(path.endsWith('/segments') ? SEGMENT_PAGING : PAGING)].sort());
    }
  });

  it('compiles the body schema of every JSON response, resolving sibling files and components', () => {
    const flow = spec.operation('GET', '/flows/{flowId}')!.responses.get(200)!;
    expect(flow.validateBody).toBeDefined();
    expect(flow.validateBody!({ id: 'not-a-uuid', source_id: 'x', format: 'urn:x-nmos:format:multi' })).toBe(
      false,
    );
    // unevaluatedProperties (draft 2020-12) on segment get_urls: storage-backend fields allowed, others not.
    const segments = spec.operation('GET', '/flows/{flowId}/segments')!.responses.get(200)!.validateBody!;
    const segment = (getUrl: object) => [{ object_id: 'o', timerange: '[0:0_1:0)', get_urls: [getUrl] }];
    expect(segments(segment({ url: 'http://x/o', store_type: 'http_object_store', controlled: true }))).toBe(
      true,
    );
    expect(segments(segment({ url: 'http://x/o', default_storage: true }))).toBe(false);
    // A header whose schema is a $ref to a sibling file (timerange.json).
    const timerange = spec
      .operation('GET', '/flows/{flowId}/segments')!
      .responses.get(200)!
      .headers.get('x-paging-timerange')!;
    expect(timerange.validate('[0:0_10:0)')).toBe(true);
    expect(timerange.validate('[0:050000000_1:0)')).toBe(false);
  });
});

describe('finding the spec', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'tams-spec-dir-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** A scratch repository root, with ../shared/tams-7.0 beside it and .cache/tams-7.0 in it if asked. */
  const repo = (name: string, has: { shared?: boolean; cache?: boolean } = {}) => {
    const root = join(scratch, name, 'repo');
    const shared = join(scratch, name, 'shared', 'tams-7.0');
    const cached = join(root, '.cache', 'tams-7.0');
    mkdirSync(root, { recursive: true });
    if (has.shared) mkdirSync(shared, { recursive: true });
    if (has.cache) mkdirSync(cached, { recursive: true });
    return { root, shared, cached };
  };

  it('prefers TAMS_SPEC_DIR, then ../shared/tams-7.0 beside the repository, then .cache/tams-7.0', () => {
    expect(locateSpec({}, repo('none').root)).toEqual({
      found: false,
      required: false,
      tried: 'TAMS_SPEC_DIR is unset, and neither ../shared/tams-7.0 nor .cache/tams-7.0 exists',
    });
    const cacheOnly = repo('cache-only', { cache: true });
    expect(locateSpec({}, cacheOnly.root)).toMatchObject({
      found: true,
      origin: 'cache',
      dir: cacheOnly.cached,
    });
    const both = repo('both', { shared: true, cache: true });
    expect(locateSpec({ TAMS_SPEC_DIR: ' ' }, both.root)).toMatchObject({
      origin: 'shared',
      dir: both.shared,
    });
    expect(locateSpec({ TAMS_SPEC_DIR: scratch }, both.root)).toMatchObject({
      found: true,
      origin: 'TAMS_SPEC_DIR',
      dir: scratch,
    });
    // Relative values resolve against the repository root, not the working directory.
    expect(locateSpec({ TAMS_SPEC_DIR: 'x/y' }, both.root)).toMatchObject({ dir: resolve(both.root, 'x/y') });
    expect(locateSpec({ TAMS_SPEC_DIR: 'x/y' })).toMatchObject({ dir: resolve(REPO_ROOT, 'x/y') });
  });

  it('skips the spec-driven tests when there is none, and fails them when TAMS_SPEC_REQUIRED=1', () => {
    const { root } = repo('absent');
    expect(specForTests({}, root)).toBeUndefined();
    expect(specSuite(undefined)).toEqual({ skip: true, meta: { needsTamsSpec: true } });
    expect(() => specForTests({ TAMS_SPEC_REQUIRED: '1' }, root)).toThrow(SpecLoadError);
    expect(() => specForTests({ TAMS_SPEC_REQUIRED: '1' }, root)).toThrow(
      /^TAMS_SPEC_REQUIRED=1 but the TAMS 7\.0 spec is not there \(TAMS_SPEC_DIR is unset.*npm run spec:fetch/,
    );
    expect(() => loadSpec({}, root)).toThrow(/the TAMS 7\.0 spec is not there.*TAMS_SPEC_DIR/);
  });

  it('throws, naming TAMS_SPEC_DIR, when the configured directory is missing (never a skip)', () => {
    const missing = join(scratch, 'nowhere');
    expect(() => specForTests({ TAMS_SPEC_DIR: missing })).toThrow(SpecLoadError);
    expect(() => specForTests({ TAMS_SPEC_DIR: missing })).toThrow(/does not exist.*TAMS_SPEC_DIR=/);
  });

  it('throws when a spec directory it finds lacks the OpenAPI document (a broken spec fails, never skips)', () => {
    const { root } = repo('empty-shared', { shared: true });
    expect(() => specForTests({}, root)).toThrow(
      /TimeAddressableMediaStore\.yaml is missing.*\.\.\/shared\/tams-7\.0 exists beside the repository/,
    );
    mkdirSync(join(scratch, 'empty-spec'));
    expect(() => specForTests({ TAMS_SPEC_DIR: join(scratch, 'empty-spec') })).toThrow(
      /TimeAddressableMediaStore\.yaml is missing/,
    );
  });

  it('keeps the fetched copy out of git: .cache/ is ignored', () => {
    const ignored = readFileSync(join(REPO_ROOT, '.gitignore'), 'utf8').split('\n');
    expect(ignored).toContain('.cache/');
  });
});
