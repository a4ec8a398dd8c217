import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import { WsTestClient } from '../subscriptions/ws-client.js';

/**
 * Input the GraphQL transports refuse before doing any work on it (issue 10): fragment shapes whose
 * validation and planning cost grows faster than the document (QUERY_TOO_COMPLEX), and text that is
 * not well-formed Unicode (BAD_REQUEST). Over HTTP POST, HTTP GET and graphql-ws alike; queries with
 * ordinary fragments still run on all three.
 */

const dir = mkdtempSync(join(tmpdir(), 'tams-graphql-bad-input-'));
let service: RunningService;

beforeAll(async () => {
  service = await startService(
    loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0', TAMS_AUTH: 'off' }),
    'embedded',
    {
      log: createLogger('silent'),
      version: 'test',
    },
  );
});
afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The issue's document: a 1,000-level fragment chain. */
const CHAIN =
  '{ ...F0 } ' +
  Array.from(
    { length: 1000 },
    (_, i) => `fragment F${i} on Query { ${i < 999 ? `...F${i + 1}` : '__typename'} }`,
  ).join(' ');
const HOSTILE: Record<string, string> = {
  'a 1,000-level fragment chain': CHAIN,
  'a chain of 11 fragments on a type with fields': `{ flows { nodes { ...F0 } } } ${Array.from(
    { length: 11 },
    (_, i) => `fragment F${i} on Flow { id label ${i < 10 ? `...F${i + 1}` : ''} }`,
  ).join(' ')}`,
  'one fragment spread 600 times': `{ flows { nodes { ...A } } } fragment A on Flow { ${'...B '.repeat(600)}} fragment B on Flow { id }`,
  '101 distinct fragments': `{ flows { nodes { ${Array.from({ length: 101 }, (_, i) => `...D${i}`).join(' ')} } } } ${Array.from(
    { length: 101 },
    (_, i) => `fragment D${i} on Flow { id }`,
  ).join(' ')}`,
  'inline fragments nested 1,000 deep': `{ ${'... on Query { '.repeat(1000)}__typename${' }'.repeat(1000)} }`,
};

/** Fragments as clients write them: named and inline, a few levels. */
const ORDINARY = `query Ordinary {
  flows(limit: 5) { nodes { ...FlowCard } }
}
fragment FlowCard on Flow { id label ...Essence source { ...SourceCard } }
fragment Essence on Flow { format essenceParameters { ... on VideoEssenceParameters { frameWidth frameHeight } } }
fragment SourceCard on Source { id label }`;

type GraphQLBody = { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };

async function post(body: string | Uint8Array): Promise<{ status: number; body: GraphQLBody }> {
  const r = await fetch(service.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: r.status, body: (await r.json()) as GraphQLBody };
}

async function get(search: string): Promise<{ status: number; body: GraphQLBody }> {
  const r = await fetch(`${service.graphqlUrl}?${search}`, {
    headers: { 'apollo-require-preflight': 'true' },
  });
  return { status: r.status, body: (await r.json()) as GraphQLBody };
}

async function overWs(query: string, variables?: Record<string, unknown>) {
  const client = await WsTestClient.connect(service.graphqlUrl.replace(/^http/, 'ws'));
  try {
    expect(await client.initResult()).toBe('ack');
    client.subscribe('1', query, variables);
    const [message] = await client.nextOf('1', 1);
    return message!;
  } finally {
    client.close();
  }
}

const codes = (body: GraphQLBody) => body.errors?.map((e) => e.extensions?.code);

describe('fragment shapes are refused before validation, on every transport', () => {
  it.each(Object.entries(HOSTILE))(
    '%s: QUERY_TOO_COMPLEX over POST, GET and graphql-ws',
    async (_name, query) => {
      const viaPost = await post(JSON.stringify({ query }));
      expect([viaPost.status, codes(viaPost.body)]).toEqual([400, ['QUERY_TOO_COMPLEX']]);
      // GET carries at most what a URL may: the shorter documents.
      if (query.length < 6000) {
        const viaGet = await get(new URLSearchParams({ query }).toString());
        expect([viaGet.status, codes(viaGet.body)]).toEqual([400, ['QUERY_TOO_COMPLEX']]);
      }
      const viaWs = await overWs(query);
      expect(viaWs.type).toBe('error');
      expect((viaWs.payload as { extensions: { code: string } }[]).map((e) => e.extensions.code)).toEqual([
        'QUERY_TOO_COMPLEX',
      ]);
    },
  );

  it('ordinary fragments run on all three', async () => {
    const viaPost = await post(JSON.stringify({ query: ORDINARY }));
    expect([viaPost.status, viaPost.body.errors]).toEqual([200, undefined]);
    const viaGet = await get(new URLSearchParams({ query: ORDINARY }).toString());
    expect([viaGet.status, viaGet.body.errors]).toEqual([200, undefined]);
    const viaWs = await overWs(ORDINARY);
    expect([viaWs.type, (viaWs.payload as GraphQLBody).errors]).toEqual(['next', undefined]);
  });
});

describe('text that is not Unicode is refused', () => {
  it('a POST body that is not UTF-8', async () => {
    const body = Buffer.concat([
      Buffer.from('{"query":"mutation { setSourceLabel(id: \\"x\\", label: \\"a'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('\\") { id } }"}'),
    ]);
    const r = await post(body);
    expect([r.status, codes(r.body)]).toEqual([400, ['BAD_REQUEST']]);
    expect(r.body.errors![0]!.message).toMatch(/not valid UTF-8/);
  });

  it('a lone surrogate escape in POST variables, GET variables and graphql-ws variables', async () => {
    const query = 'query Q($label: String) { flows(filter: { label: $label }) { nodes { id } } }';
    const viaPost = await post(`{"query": ${JSON.stringify(query)}, "variables": {"label": "x\\ud800"}}`);
    expect([viaPost.status, codes(viaPost.body)]).toEqual([400, ['BAD_REQUEST']]);
    expect(viaPost.body.errors![0]!.message).toMatch(/lone UTF-16 surrogate escape at variables\.label/);
    const viaGet = await get(
      `query=${encodeURIComponent(query)}&variables=${encodeURIComponent('{"label":"\\udc00"}')}`,
    );
    expect([viaGet.status, codes(viaGet.body)]).toEqual([400, ['BAD_REQUEST']]);
    const viaWs = await overWs(query, { label: 'x\ud800' });
    expect(viaWs.type).toBe('error');
    expect((viaWs.payload as { extensions: { code: string } }[])[0]!.extensions.code).toBe('BAD_REQUEST');
  });

  it('a GET query string that percent-decodes to bytes that are not UTF-8', async () => {
    const r = await get(
      `query=${encodeURIComponent('{ flows(filter: { label: "')}%FF${encodeURIComponent('" }) { nodes { id } } }')}`,
    );
    expect([r.status, codes(r.body)]).toEqual([400, ['BAD_REQUEST']]);
    expect(r.body.errors![0]!.message).toMatch(/not UTF-8/);
  });

  it('a graphql-ws frame that is not UTF-8 closes the socket (1007, by ws itself)', async () => {
    const client = await WsTestClient.connect(service.graphqlUrl.replace(/^http/, 'ws'));
    expect(await client.initResult()).toBe('ack');
    // The test client sends text frames as given; these bytes are not UTF-8.
    (client as unknown as { socket: { send(data: Buffer, options: { binary: boolean }): void } }).socket.send(
      Buffer.concat([
        Buffer.from('{"id":"1","type":"subscribe","payload":{"query":"{ __typename } #'),
        Buffer.from([0xff]),
        Buffer.from('"}}'),
      ]),
      { binary: false },
    );
    expect((await client.waitClosed()).code).toBe(1007);
  });
});
