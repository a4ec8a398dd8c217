import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokens } from '../../gateway/auth/api-tokens.js';
import { Authenticator } from '../../gateway/auth/authenticator.js';
import { credentialsOfConnectionParams } from '../../gateway/auth/credentials.js';
import { JwtVerifier } from '../../gateway/auth/jwt-verifier.js';
import { Principals } from '../../gateway/auth/principals.js';
import { allows, GRAPHQL_SCOPES, REST_SCOPES } from '../../gateway/auth/scope-rules.js';
import type { Scope } from '../../gateway/auth/scopes.js';
import { createLogger } from '../../gateway/logger.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import type { Config } from '../../lib/config/config.js';
import { ConfigError, loadConfig } from '../../lib/config/config.js';
import type { Executor } from '../../lib/executor/index.js';
import { openExecutor } from '../../lib/executor/index.js';
import { createScopeTokens } from '../support/admin-token.js';
import { runCli } from '../support/cli.js';
import { operationPerRootField } from './graphql-operations.js';

/**
 * Authentication and authorisation against the embedded store with authentication on: every scheme,
 * every scope on every REST route and GraphQL root field, revocation, secrets kept out of logs and
 * answers, and the refusal to run unauthenticated on a public address.
 */

const dir = mkdtempSync(join(tmpdir(), 'tams-auth-e2e-'));
const JWT_SECRET = 'auth-test-hs256-secret-0123456789abcdef';
const logs: string[] = [];
let config: Config;
let service: RunningService;
let executor: Executor;
let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
let tokens: Record<Scope, string>;
const SCOPE_LIST: Scope[] = ['read', 'write', 'delete', 'admin'];

beforeAll(async () => {
  rsa = await generateKeyPair('RS256');
  const jwks = join(dir, 'jwks.json');
  writeFileSync(
    jwks,
    JSON.stringify({ keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256' }] }),
  );
  config = loadConfig({
    TAMS_DATA_DIR: dir,
    TAMS_PORT: '0',
    TAMS_JWT_SECRET: JWT_SECRET,
    TAMS_JWT_JWKS: jwks,
    TAMS_JWT_ISSUER: 'https://idp.example',
    TAMS_JWT_AUDIENCE: 'tams',
  });
  service = await startService(config, 'embedded', {
    log: createLogger('info', { write: (line: string) => void logs.push(line) }),
    version: 'test',
  });
  executor = await openExecutor(config.database);
  tokens = await createScopeTokens(executor);
  await new Principals(executor).set('basic-ana', ['read'], { password: 'a long enough password' });
});
afterAll(async () => {
  await executor?.close();
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = (path: string, init: RequestInit & { token?: string } = {}) =>
  fetch(`${service.url}${path}`, {
    ...init,
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.headers as Record<string, string> | undefined),
    },
  });
const jwt = (
  claims: Record<string, unknown>,
  alg: 'HS256' | 'RS256' = 'HS256',
  exp: string | number = '5m',
) =>
  new SignJWT({ iss: 'https://idp.example', aud: 'tams', ...claims })
    .setProtectedHeader(alg === 'RS256' ? { alg, kid: 'k1' } : { alg })
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(alg === 'RS256' ? rsa.privateKey : new TextEncoder().encode(JWT_SECRET));
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('authentication schemes', () => {
  it('refuses a request without credentials: 401 with the challenges, on REST and GraphQL', async () => {
    const rest = await call('/flows');
    expect(rest.status).toBe(401);
    expect(rest.headers.get('www-authenticate')).toBe(
      'Bearer realm="tams", Basic realm="tams", charset="UTF-8"',
    );
    expect(await rest.json()).toMatchObject({
      type: 'UNAUTHENTICATED',
      summary: expect.stringMatching(/authentication is required/) as string,
    });
    const gql = await call('/graphql', {
      method: 'POST',
      body: JSON.stringify({ query: '{ service { name } }' }),
    });
    expect(gql.status).toBe(401);
    expect(gql.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await gql.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    // What needs no credentials: liveness, readiness, metrics.
    for (const path of ['/health', '/ready', '/metrics']) expect((await call(path)).status).toBe(200);
  });

  it('accepts API tokens, HS256 and RS256 JWTs, Basic users and access_token, and records who it was', async () => {
    const id = randomUUID();
    const sourceId = randomUUID();
    const flow = (token: string | undefined, headers: Record<string, string> = {}, query = '') =>
      call(`/flows/${id}${query}`, {
        method: 'PUT',
        token,
        headers,
        body: JSON.stringify({ id, source_id: sourceId, format: 'urn:x-nmos:format:multi' }),
      });
    expect((await flow(tokens.write)).status).toBe(201);
    const whoWrote = async () =>
      ((await (await call(`/flows/${id}`, { token: tokens.read })).json()) as { updated_by: string })
        .updated_by;
    expect(await whoWrote()).toBe('only-write');
    expect((await flow(await jwt({ sub: 'jwt-hs', scope: 'tams-api/write' }))).status).toBe(204);
    expect(await whoWrote()).toBe('jwt-hs');
    expect((await flow(await jwt({ sub: 'jwt-rs', scp: ['write'] }, 'RS256'))).status).toBe(204);
    expect(await whoWrote()).toBe('jwt-rs');
    expect((await flow(undefined, {}, `?access_token=${tokens.write}`)).status).toBe(204);
    expect(await whoWrote()).toBe('only-write');
    const read = await call(`/flows/${id}`, {
      headers: { authorization: basic('basic-ana', 'a long enough password') },
    });
    expect(read.status).toBe(200);
    // Basic user ana has read only.
    expect(
      (await flow(undefined, { authorization: basic('basic-ana', 'a long enough password') })).status,
    ).toBe(403);
  });

  it('refuses bad credentials of every kind with 401, and two kinds at once with 400', async () => {
    const status = async (headers: Record<string, string>, query = '') => {
      const r = await call(`/flows${query}`, { headers });
      const challenge = r.headers.get('www-authenticate');
      return r.status === 401 && challenge
        ? `401 ${/error="invalid_token"/.test(challenge) ? 'invalid_token' : 'challenge'}`
        : r.status;
    };
    expect(await status({ authorization: `Bearer ${tokens.read.slice(0, -2)}xx` })).toBe('401 invalid_token');
    expect(
      await status({
        authorization: `Bearer ${await jwt({ sub: 'x', scope: 'read' }, 'HS256', Math.floor(Date.now() / 1000) - 300)}`,
      }),
    ).toBe('401 invalid_token');
    expect(
      await status({
        authorization: `Bearer ${await jwt({ sub: 'x', scope: 'read', iss: 'https://evil.example' })}`,
      }),
    ).toBe('401 invalid_token');
    expect(
      await status({ authorization: `Bearer ${await jwt({ sub: 'x', scope: 'read', aud: 'other' })}` }),
    ).toBe('401 invalid_token');
    expect(await status({ authorization: 'Bearer not-a-token-at-all' })).toBe('401 invalid_token');
    expect(await status({ authorization: basic('basic-ana', 'wrong password!!') })).toBe('401 challenge');
    expect(await status({ authorization: 'Negotiate abc' })).toBe('401 challenge');
    expect(await status({ authorization: `Bearer ${tokens.read}` }, `?access_token=${tokens.read}`)).toBe(
      400,
    );
  });

  it('answers any garbage credentials with 400 or 401 and a TAMS error body, never more', async () => {
    const scheme = fc.constantFrom('Bearer ', 'Basic ', 'bearer ', 'Digest ', '', 'Bearer  ');
    const junk = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.base64String({ maxLength: 400 }),
      fc.constantFrom('tams_', `${tokens.read}\u0000`, 'a.b.c', 'eyJhbGciOiJub25lIn0.e30.', "' OR 1=1 --"),
    );
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(scheme, junk, fc.boolean(), async (prefix, value, asParameter) => {
        let response: Response;
        try {
          response = asParameter
            ? await call(`/flows?access_token=${encodeURIComponent(value)}`)
            : await call('/flows', { headers: { authorization: `${prefix}${value}` } });
        } catch {
          return; // a header value fetch itself refuses to send (e.g. a control character)
        }
        seen.add(response.status);
        expect([400, 401]).toContain(response.status);
        expect(await response.json()).toMatchObject({ type: expect.any(String) as string });
      }),
      { numRuns: 300, seed: 5 },
    );
    expect(seen.has(401)).toBe(true);
  });

  it('authenticates a graphql-ws connection_init payload exactly as an HTTP request', async () => {
    const authenticator = new Authenticator({
      kind: 'edge',
      jwt: new JwtVerifier(config.auth.jwt),
      tokens: new ApiTokens(executor),
      principals: new Principals(executor),
    });
    const viaWs = await authenticator.authenticate(
      credentialsOfConnectionParams({ authorization: `Bearer ${tokens.delete}` }),
    );
    expect(viaWs).toMatchObject({ principal: 'only-delete', scopes: new Set(['delete']) });
    const viaParam = await authenticator.authenticate(
      credentialsOfConnectionParams({ access_token: tokens.read }),
    );
    expect(viaParam.principal).toBe('only-read');
    await expect(authenticator.authenticate(credentialsOfConnectionParams({}))).rejects.toMatchObject({
      status: 401,
    });
  });
});

describe('scopes', () => {
  const concrete = (template: string) =>
    template
      .replace('{flowId}', randomUUID())
      .replace('{sourceId}', randomUUID())
      .replace('{request-id}', randomUUID())
      .replace('{objectId}', 'no-such-object')
      .replace('{name}', 'genre');
  /** Bodies a caller with the scope gets a 4xx (not 401/403) for, or that change nothing. */
  const body = (path: string, method: string): string | undefined => {
    if (method === 'GET' || method === 'DELETE') return undefined;
    if (path === '/service') return '{}';
    if (path === '/service/webhooks') return JSON.stringify({ url: 'ftp://receiver.example', events: [] });
    if (path === '/flows/{flowId}') return '{}';
    if (path.endsWith('/segments') || path.endsWith('/storage')) return '{"limit": 1}';
    if (path.endsWith('/read_only')) return 'true';
    if (path.endsWith('_bit_rate')) return '5';
    if (path.endsWith('/flow_collection')) return '[]';
    return '"x"';
  };

  it('guard every REST route and method as the table says, HEAD as GET', async () => {
    const outcomes: string[] = [];
    for (const [path, methods] of Object.entries(REST_SCOPES))
      for (const [method, requirement] of Object.entries(methods))
        for (const scope of SCOPE_LIST)
          for (const m of method === 'GET' ? ['GET', 'HEAD'] : [method]) {
            const response = await call(concrete(path), {
              method: m,
              token: tokens[scope],
              body: body(path, method),
            });
            const allowed = allows(
              { principal: 'x', scopes: new Set([scope]), scheme: 'api-token' },
              requirement,
            );
            const refused = response.status === 403 || response.status === 401;
            if (allowed === refused) outcomes.push(`${m} ${path} as ${scope}: ${response.status}`);
            if (response.status === 403 && m !== 'HEAD')
              expect(await response.json()).toMatchObject({
                type: 'FORBIDDEN',
                summary: expect.stringMatching(/scope/) as string,
              });
            else await response.arrayBuffer();
          }
    expect(outcomes).toEqual([]);
  });

  it('guard every GraphQL root field as the table says', async () => {
    const operations = operationPerRootField();
    const outcomes: string[] = [];
    for (const type of ['Query', 'Mutation'] as const) {
      const fields = Object.keys(GRAPHQL_SCOPES[type]).filter((f) => !f.startsWith('_'));
      expect(Object.keys(operations[type]).sort()).toEqual(fields.sort());
      for (const field of fields)
        for (const scope of SCOPE_LIST) {
          const { query, variables } = operations[type][field]!;
          const response = await call('/graphql', {
            method: 'POST',
            token: tokens[scope],
            body: JSON.stringify({ query, variables }),
          });
          const result = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
          const forbidden = response.status === 403 && result.errors?.[0]?.extensions?.code === 'FORBIDDEN';
          const allowed = allows(
            { principal: 'x', scopes: new Set([scope]), scheme: 'api-token' },
            GRAPHQL_SCOPES[type][field]!,
          );
          if (allowed === forbidden || (allowed && response.status >= 500))
            outcomes.push(
              `${type}.${field} as ${scope}: ${response.status} ${JSON.stringify(result.errors ?? [])}`,
            );
        }
    }
    expect(outcomes).toEqual([]);
  });

  it('keep analytics.queryPerformance for admins, below a root field readers may use', async () => {
    const ask = async (scope: (typeof SCOPE_LIST)[number]) => {
      const response = await call('/graphql', {
        method: 'POST',
        token: tokens[scope],
        body: JSON.stringify({ query: '{ analytics { queryPerformance { kinds { kind count } } } }' }),
      });
      return (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    };
    expect((await ask('read')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const admin = await ask('admin');
    expect(admin.errors).toBeUndefined();
    expect(admin.data).toMatchObject({
      analytics: { queryPerformance: { kinds: expect.any(Array) as unknown } },
    });
  });

  it('refuse a mixed operation as a whole when one root field is out of scope', async () => {
    const response = await call('/graphql', {
      method: 'POST',
      token: tokens.read,
      body: JSON.stringify({ query: `mutation { setFlowLabel(id: "${randomUUID()}", label: "x") { id } }` }),
    });
    expect(response.status).toBe(403);
    const sneaky = await call('/graphql', {
      method: 'POST',
      token: tokens.write,
      body: JSON.stringify({ query: 'query { ...F } fragment F on Query { flowDeleteRequests { id } }' }),
    });
    expect(sneaky.status).toBe(403);
  });
});

describe('revocation and secrets', () => {
  it('refuses a revoked token and a removed user from the next request on', async () => {
    const executorTokens = new ApiTokens(executor);
    const principals = new Principals(executor);
    const { principal } = await principals.set('temp', ['read'], { password: 'temporary password 1' });
    const { token, info } = await executorTokens.create(principal, ['read']);
    expect((await call('/flows', { token })).status).toBe(200);
    const revoked = await runCli(['token', 'revoke', info.id], { TAMS_DATA_DIR: dir });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await call('/flows', { token })).status).toBe(401);
    const user = basic('temp', 'temporary password 1');
    expect((await call('/flows', { headers: { authorization: user } })).status).toBe(200);
    expect((await runCli(['user', 'remove', 'temp'], { TAMS_DATA_DIR: dir })).code).toBe(0);
    expect((await call('/flows', { headers: { authorization: user } })).status).toBe(401);
  });

  it('keeps tokens, passwords and webhook api keys out of logs, errors and answers', async () => {
    const apiKey = `key-${randomUUID()}`;
    const registered = await call('/service/webhooks', {
      method: 'POST',
      token: tokens.write,
      body: JSON.stringify({
        url: 'https://receiver.example/hook',
        api_key_name: 'x-key',
        api_key_value: apiKey,
        events: ['flows/created'],
      }),
    });
    expect(registered.status).toBe(201);
    expect(await registered.text()).not.toContain(apiKey);
    const listed = await call('/service/webhooks', { token: tokens.read });
    expect(await listed.text()).not.toContain(apiKey);
    // A paged answer: its Link header keeps the query parameters, but not the credential.
    for (let i = 0; i < 2; i++) {
      const id = randomUUID();
      const put = await call(`/flows/${id}`, {
        method: 'PUT',
        token: tokens.admin,
        body: JSON.stringify({ id, source_id: randomUUID(), format: 'urn:x-nmos:format:multi' }),
      });
      expect(put.status).toBe(201);
    }
    const paged = await call(`/flows?limit=1&access_token=${tokens.read}`);
    expect(paged.status).toBe(200);
    expect(paged.headers.get('link')).toMatch(/^<[^>]*\?limit=1&page=[^>]+>; rel="next"$/);
    const answer = JSON.stringify([...paged.headers]) + (await paged.text());
    expect(answer).not.toContain(tokens.read);
    await call('/flows', { headers: { authorization: basic('basic-ana', 'a long enough password') } });
    await call('/flows', { headers: { authorization: `Bearer ${tokens.admin}x` } });
    const listing = await runCli(['token', 'list'], { TAMS_DATA_DIR: dir });
    const everything = logs.join('\n') + listing.stdout + listing.stderr;
    expect(logs.length).toBeGreaterThan(10);
    for (const secret of [...Object.values(tokens), 'a long enough password', apiKey, JWT_SECRET])
      expect(everything).not.toContain(secret);
  });

  it('creates users with a password from stdin, never from the command line', async () => {
    const set = await runCli(
      ['user', 'set', 'piped', '--scopes', 'read', '--password-stdin'],
      { TAMS_DATA_DIR: dir },
      'piped password 123\n',
    );
    expect(set.code, set.stderr).toBe(0);
    expect(
      (await call('/flows', { headers: { authorization: basic('piped', 'piped password 123') } })).status,
    ).toBe(200);
    const bad = await runCli(['token', 'create', '--scopes', 'read,wirte'], { TAMS_DATA_DIR: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown scope "wirte"/);
    expect(bad.stdout).toBe('');
  });
});

describe('running without authentication', () => {
  it('is refused on an address other machines can reach, by the CLI and by startService', async () => {
    const cli = await runCli(['serve'], {
      TAMS_DATA_DIR: dir,
      TAMS_HOST: '0.0.0.0',
      TAMS_PORT: '0',
      TAMS_AUTH: 'off',
    });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/TAMS_AUTH: refusing to serve without authentication on 0\.0\.0\.0/);
    const unsafe: Config = {
      ...config,
      http: { ...config.http, host: '0.0.0.0' },
      auth: { ...config.auth, enabled: false },
    };
    await expect(
      startService(unsafe, 'embedded', { log: createLogger('silent'), version: 'test' }),
    ).rejects.toBeInstanceOf(ConfigError);
  });

  it('allows everything on loopback when turned off explicitly', async () => {
    const open = await startService(
      loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0', TAMS_AUTH: 'off' }),
      'embedded',
      {
        log: createLogger('silent'),
        version: 'test',
      },
    );
    try {
      expect(open.notes.join('\n')).toMatch(/authentication is OFF/);
      expect((await fetch(`${open.url}/flow-delete-requests`)).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
