import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConformanceClient } from '../conformance-client.js';
import { CoverageRecorder } from '../coverage.js';
import { p } from '../path-matching.js';
import { specSuite } from '../../tams-spec/suite.js';
import { specForTests } from '../spec.js';
import type { Violation } from '../violations.js';
import { ConformanceViolationError } from '../violations.js';
import type { CraftedServer } from './crafted-server.js';
import { ERROR_BODY, startCraftedServer } from './crafted-server.js';

/**
 * The conformance client against crafted responses: good ones must pass untouched, bad ones must be
 * reported with the operation, status, rule and a message that says what to fix.
 */

const loaded = specForTests();
const spec = loaded!; // read only inside the tests, which skip when there is no spec
const FLOW_ID = '6f7e0c3a-0d9b-4a8e-9d51-0c0b8e7b1a11';
const SOURCE_ID = '1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const REQUEST_ID = '9f0187c1-419c-44d2-8269-e869ba409462';
const SERVICE = { type: 'urn:x-tams:service.conformance', api_version: '7.0' };
const FLOW = { id: FLOW_ID, source_id: SOURCE_ID, format: 'urn:x-nmos:format:multi' };
const SEGMENTS = [
  { object_id: 'a', timerange: '[0:0_1:0)' },
  { object_id: 'b', timerange: '[1:0_2:0)' },
];

let server: CraftedServer;
beforeAll(async () => {
  server = await startCraftedServer();
});
afterAll(() => server?.close());

/** A client that collects violations instead of throwing, with its own coverage record. */
const lenient = (base = server.url) =>
  new ConformanceClient(base, {
    spec,
    coverage: new CoverageRecorder(spec.operations),
    throwOnViolation: false,
  });

const summary = (violations: readonly Violation[]) => violations.map((v) => `${v.rule}: ${v.message}`);

describe('judging statuses and bodies', specSuite(loaded), () => {
  it('passes a conforming response and records its operation and status', async () => {
    server.reply('GET', '/service', { status: 200, json: SERVICE });
    const client = lenient();
    const res = await client.get<typeof SERVICE>('/service');
    expect(res.violations).toEqual([]);
    expect(res.body).toEqual(SERVICE);
    expect(res.operation?.key).toBe('GET /service');
    expect(client.coverage.covered.map((o) => o.key)).toEqual(['GET /service']);
  });

  it('reports a body that breaks the declared schema, with ajv details', async () => {
    server.reply('GET', '/service', { status: 200, json: { type: 'urn:x-tams:service', api_version: 7 } });
    const [violation, ...rest] = (await lenient().get('/service')).violations;
    expect(rest).toEqual([]);
    expect(violation).toMatchObject({ operation: 'GET /service', status: 200, rule: 'body-schema' });
    expect(violation!.details.join('\n')).toMatch(/\/api_version: must be string/);
  });

  it('reports what the spec text requires beyond the schema: api_version "7.0"', async () => {
    server.reply('GET', '/service', { status: 200, json: { ...SERVICE, api_version: '1.0' } });
    expect(summary((await lenient().get('/service')).violations)).toEqual([
      expect.stringMatching(
        /^spec-text: api_version is "1.0"; a TAMS 7.0 store must send "7.0" \[service-api-version/,
      ),
    ]);
  });

  it('reports a JSON body where the spec defines none, and a missing JSON content type', async () => {
    server.reply('POST', '/service', { status: 200, json: SERVICE });
    expect(summary((await lenient().post('/service', { body: { name: 'x' } })).violations)).toEqual([
      expect.stringMatching(/^unexpected-body: the spec defines no body for POST \/service 200/),
    ]);
    server.reply('GET', '/service', { status: 200, text: JSON.stringify(SERVICE) });
    expect(summary((await lenient().get('/service')).violations)).toEqual([
      expect.stringMatching(/^content-type: expected Content-Type application\/json/),
    ]);
  });

  it('reports statuses the operation does not declare, naming what it does', async () => {
    server.reply('GET', '/service', { status: 404, json: ERROR_BODY });
    const client = lenient();
    expect(summary((await client.get('/service')).violations)).toEqual([
      expect.stringMatching(
        /^status: status 404 is not declared for GET \/service \(declared: 200; recommended extras: 401, 413, 500, 503\)/,
      ),
    ]);
    expect(client.coverage.covered).toEqual([]);
  });

  it('requires a TAMS error body on every 4xx and 5xx', async () => {
    server.reply('POST', '/service', { status: 400, text: 'bad request' });
    expect(summary((await lenient().post('/service', { rawBody: '{' })).violations)).toEqual([
      expect.stringMatching(/^error-body: an error response needs a JSON error body/),
    ]);
    server.reply('POST', '/service', { status: 400, json: { error: 'bad' } });
    const [violation] = (await lenient().post('/service', { rawBody: '{' })).violations;
    expect(violation?.rule).toBe('error-body');
    expect(violation?.details.join('\n')).toMatch(/must have required property 'type'/);
    server.reply('POST', '/service', { status: 400, json: ERROR_BODY });
    expect((await lenient().post('/service', { rawBody: '{' })).violations).toEqual([]);
  });
});

describe('statuses the spec does not declare', specSuite(loaded), () => {
  it('accepts the recommended 401 only with WWW-Authenticate, and records it apart', async () => {
    server.reply('GET', '/flows', { status: 401, json: ERROR_BODY });
    const client = lenient();
    expect(summary((await client.get('/flows')).violations)).toEqual([
      expect.stringMatching(/^required-header: 401 must carry www-authenticate/),
    ]);
    server.reply('GET', '/flows', {
      status: 401,
      headers: { 'www-authenticate': 'Bearer' },
      json: ERROR_BODY,
    });
    const res = await client.get('/flows');
    expect(res.violations).toEqual([]);
    expect(res.undeclared?.status).toBe(401);
    expect(client.coverage.report()).toMatch(/undeclared statuses seen[^]*GET \/flows 401 ×2/);
  });

  it('accepts 403 on DELETE /flows/{flowId}/label (DIGEST §12.7), not on GET', async () => {
    server.reply('DELETE', `/flows/${FLOW_ID}/label`, { status: 403, json: ERROR_BODY });
    expect((await lenient().delete(`/flows/${FLOW_ID}/label`)).violations).toEqual([]);
    server.reply('GET', `/flows/${FLOW_ID}/label`, { status: 403, json: ERROR_BODY });
    expect(summary((await lenient().get(`/flows/${FLOW_ID}/label`)).violations)).toEqual([
      expect.stringMatching(/^status: status 403 is not declared for GET \/flows\/\{flowId\}\/label/),
    ]);
  });

  it('wants 405 with an Allow listing the declared methods for a method a path lacks', async () => {
    const path = `/sources/${SOURCE_ID}`;
    server.reply('PUT', path, { status: 405, headers: { allow: 'GET, HEAD' }, json: ERROR_BODY });
    const client = lenient();
    expect((await client.put(path, { body: {} })).violations).toEqual([]);
    server.reply('PUT', path, { status: 405, headers: { allow: 'GET' }, json: ERROR_BODY });
    expect(summary((await client.put(path, { body: {} })).violations)).toEqual([
      expect.stringMatching(
        /^required-header: Allow: GET must list the methods 7.0 declares on \/sources\/\{sourceId\} \(GET, HEAD\)/,
      ),
    ]);
    server.reply('PUT', path, { status: 404, json: ERROR_BODY });
    expect(summary((await client.put(path, { body: {} })).violations)).toEqual([
      expect.stringMatching(
        /^unknown-operation: 7.0 has no PUT on \/sources\/\{sourceId\}; answer 405 with Allow: GET, HEAD/,
      ),
    ]);
    expect(client.coverage.report()).toMatch(
      /requests outside the 7.0 operations[^]*PUT \/sources\/\{sourceId\} 405 ×2/,
    );
  });

  it('accepts only 404 on a path 7.0 lacks', async () => {
    expect((await lenient().get('/objects')).violations).toEqual([]);
    server.reply('GET', '/service/profiles', { status: 200, json: [] });
    expect(summary((await lenient().get('/service/profiles')).violations)).toEqual([
      expect.stringMatching(/^unknown-operation: no 7.0 path matches \/service\/profiles/),
    ]);
  });
});

describe('path parameters', specSuite(loaded), () => {
  it('matches an encoded object id to /objects/{objectId} and checks the body echoes it decoded once', async () => {
    const objectId = 'bucket/object 1.ts';
    const path = p`/objects/${objectId}`;
    expect(path).toBe('/objects/bucket%2Fobject%201.ts');
    server.reply('GET', path, { status: 200, json: { id: objectId, referenced_by_flows: [FLOW_ID] } });
    const client = lenient();
    const res = await client.get(path);
    expect(res.violations).toEqual([]);
    expect(res.operation?.key).toBe('GET /objects/{objectId}');
    expect(server.received).toContain('GET /objects/bucket%2Fobject%201.ts');
    server.reply('GET', path, {
      status: 200,
      json: { id: 'bucket%2Fobject%201.ts', referenced_by_flows: [] },
    });
    expect(summary((await client.get(path)).violations)).toEqual([
      expect.stringMatching(
        /^spec-text: body id "bucket%2Fobject%201.ts" differs from the \{objectId\} in the path \("bucket\/object 1.ts"\)/,
      ),
    ]);
  });

  it('strips the base path of a store mounted under a prefix', async () => {
    server.reply('GET', '/tams/v7.0/service', { status: 200, json: SERVICE });
    const res = await lenient(`${server.url}/tams/v7.0`).get('/service');
    expect(res.violations).toEqual([]);
    expect(res.operation?.key).toBe('GET /service');
  });
});

describe('headers', specSuite(loaded), () => {
  const page = (headers: Record<string, string>) => ({ status: 200, headers, json: [FLOW] });

  it('passes consistent paging headers on a listing', async () => {
    server.reply('GET', '/flows', (url) =>
      page({
        link: `<http://${url.host}/flows?limit=1&page=n1>; rel="next"`,
        'x-paging-nextkey': 'n1',
        'x-paging-limit': '1',
      }),
    );
    expect((await lenient().get('/flows', { query: { limit: 1 } })).violations).toEqual([]);
  });

  it('reports malformed Link, non-integer X-Paging-Limit and bad X-Paging-Timerange', async () => {
    server.reply('GET', '/flows', page({ link: 'http://x/flows?page=2; rel=next', 'x-paging-nextkey': '2' }));
    expect(summary((await lenient().get('/flows')).violations)).toEqual([
      expect.stringMatching(/^paging: Link is not RFC 8288 syntax: expected "<" opening a link target/),
      expect.stringMatching(/^paging: X-Paging-NextKey is present without a Link rel="next"/),
    ]);
    server.reply('GET', '/flows', page({ 'x-paging-limit': 'ten' }));
    expect(summary((await lenient().get('/flows')).violations)).toEqual([
      expect.stringMatching(/^header-schema: X-Paging-Limit: "ten" does not match its declared schema/),
    ]);
    const segments = `/flows/${FLOW_ID}/segments`;
    server.reply('GET', segments, {
      status: 200,
      headers: {
        'x-paging-timerange': '[0:0_2:050000000)',
        'x-paging-count': '2',
        'x-paging-reverse-order': 'no',
      },
      json: SEGMENTS,
    });
    const found = summary((await lenient().get(segments)).violations);
    expect(found).toEqual([
      expect.stringMatching(
        /^header-schema: X-Paging-Timerange: "\[0:0_2:050000000\)" does not match its declared schema/,
      ),
      expect.stringMatching(/^header-schema: X-Paging-Reverse-Order: "no" does not match/),
    ]);
    server.reply('GET', segments, {
      status: 200,
      headers: {
        'x-paging-timerange': '[0:0_2:0)',
        'x-paging-count': '2',
        'x-paging-reverse-order': 'false',
      },
      json: SEGMENTS,
    });
    expect((await lenient().get(segments)).violations).toEqual([]);
  });

  it('reports paging headers on a listing 7.0 does not page', async () => {
    server.reply('GET', '/flow-delete-requests', {
      status: 200,
      headers: { 'x-paging-limit': '10' },
      json: [],
    });
    expect(summary((await lenient().get('/flow-delete-requests')).violations)).toEqual([
      expect.stringMatching(/^paging: this response is not paged in 7.0/),
    ]);
  });

  it("wants a 202 Location at /flow-delete-requests/{id}, not the YAML example's singular path", async () => {
    const body = {
      id: REQUEST_ID,
      flow_id: FLOW_ID,
      timerange_to_delete: '_',
      delete_flow: true,
      status: 'created',
    };
    server.reply('DELETE', `/flows/${FLOW_ID}`, {
      status: 202,
      headers: { location: `/flow-delete-request/${REQUEST_ID}` },
      json: body,
    });
    expect(summary((await lenient().delete(`/flows/${FLOW_ID}`)).violations)).toEqual([
      expect.stringMatching(
        /^spec-text: Location "\/flow-delete-request\/9f0187c1-[^"]+" must end in \/flow-delete-requests\//,
      ),
    ]);
    server.reply('DELETE', `/flows/${FLOW_ID}`, {
      status: 202,
      headers: { location: `/flow-delete-requests/${REQUEST_ID}` },
      json: body,
    });
    expect((await lenient().delete(`/flows/${FLOW_ID}`)).violations).toEqual([]);
  });
});

describe('HEAD against GET', specSuite(loaded), () => {
  const listing = { status: 200, headers: { 'x-paging-limit': '10' }, json: [FLOW] };

  it('passes a HEAD that mirrors its GET, and covers both operations', async () => {
    server.reply('GET', '/flows', listing);
    const client = lenient();
    const { get, head } = await client.expectHeadMatchesGet('/flows');
    expect(client.violations).toEqual([]);
    expect([get.status, head.status, head.text]).toEqual([200, 200, '']);
    expect(client.coverage.covered.map((o) => o.key).sort()).toEqual(['GET /flows', 'HEAD /flows']);
  });

  it('reports a HEAD whose status or paging headers differ from the GET', async () => {
    server.reply('GET', '/flows', listing);
    server.reply('HEAD', '/flows', { status: 200, headers: { 'content-type': 'application/json' } });
    const client = lenient();
    await client.expectHeadMatchesGet('/flows');
    expect(client.violations).toEqual([
      expect.objectContaining({
        operation: 'HEAD /flows',
        rule: 'head-mismatch',
        message: 'HEAD must mirror GET: x-paging-limit: GET "10", HEAD null',
      }),
    ]);
    server.reply('HEAD', `/flows/${FLOW_ID}`, { status: 404 });
    server.reply('GET', `/flows/${FLOW_ID}`, { status: 200, json: FLOW });
    await client.expectHeadMatchesGet(`/flows/${FLOW_ID}`);
    expect(summary(client.violations.slice(1))).toEqual([
      'head-mismatch: HEAD must mirror GET: HEAD answered 404, GET 200',
      'head-mismatch: HEAD must mirror GET: content-type: GET "application/json", HEAD null',
    ]);
  });
});

describe('failing tests', specSuite(loaded), () => {
  it('throws at the first violation by default, with a message that says what to fix', async () => {
    server.reply('GET', '/service', { status: 200, json: { api_version: '7.0' } });
    const client = new ConformanceClient(server.url, { spec });
    const failure = client.get('/service');
    await expect(failure).rejects.toBeInstanceOf(ConformanceViolationError);
    await expect(client.get('/service')).rejects.toThrow(
      /1 TAMS 7.0 conformance violation:\n\[body-schema\] GET \/service → 200 \(GET \/service\): the body does not match[^]*must have required property 'type'/,
    );
  });

  it('collects violations for assertNoViolations when not throwing', async () => {
    server.reply('GET', '/service', { status: 200, json: { api_version: '7.0' } });
    const client = lenient();
    await client.get('/service');
    await client.get('/service');
    expect(() => client.assertNoViolations()).toThrow(/^2 TAMS 7.0 conformance violations:/);
    expect(client.describeViolations().split('\n[').length).toBe(2);
  });

  it('fails a request whose status is not the one the test expected, showing the body', async () => {
    server.reply('POST', '/service', { status: 400, json: ERROR_BODY });
    await expect(lenient().post('/service', { body: {}, expectStatus: 200 })).rejects.toThrow(
      /expected 200 from POST \/service, got 400: \{"type":"NotFound"/,
    );
  });
});
