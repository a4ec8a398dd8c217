import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import type { JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidTokenError, JwtVerifier } from './jwt-verifier.js';

const SECRET = 'an-hs256-secret-that-is-long-enough-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'tams-jwks-'));
let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
let ec: Awaited<ReturnType<typeof generateKeyPair>>;
let jwksFile: string;
let jwksUrl: string;
const server = createServer();

beforeAll(async () => {
  rsa = await generateKeyPair('RS256');
  ec = await generateKeyPair('ES256');
  jwksFile = join(dir, 'jwks.json');
  writeFileSync(
    jwksFile,
    JSON.stringify({ keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256' }] }),
  );
  const remote = JSON.stringify({
    keys: [{ ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256' }],
  });
  server.on('request', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(remote));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const sign = (
  payload: JWTPayload,
  key: Parameters<SignJWT['sign']>[0],
  alg: string,
  { exp = '5m', kid }: { exp?: string | number; kid?: string } = {},
) =>
  new SignJWT(payload)
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(key);
const hs = new TextEncoder().encode(SECRET);
const reason = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'accepted';
  } catch (error) {
    if (error instanceof InvalidTokenError) return error.message;
    throw error;
  }
};

describe('bearer JWTs', () => {
  const verifier = () =>
    new JwtVerifier({ secret: SECRET, jwks: jwksFile, issuer: 'https://idp.example', audience: 'tams' });
  const claims = { iss: 'https://idp.example', aud: 'tams', sub: 'ana', scope: 'tams-api/read write' };

  it('accepts HS256 with the shared secret and RS256 from a JWKS file, with scopes from the claims', async () => {
    expect(await verifier().verify(await sign(claims, hs, 'HS256'))).toEqual({
      principal: 'ana',
      scopes: new Set(['read', 'write']),
      scheme: 'jwt',
    });
    const rs = await sign(
      { ...claims, sub: undefined, client_id: 'ingest', scope: undefined, scp: ['delete'] },
      rsa.privateKey,
      'RS256',
      { kid: 'rsa-1' },
    );
    expect(await verifier().verify(rs)).toMatchObject({ principal: 'ingest', scopes: new Set(['delete']) });
  });

  it('accepts ES256 from a JWKS fetched over HTTP', async () => {
    const v = new JwtVerifier({ jwks: jwksUrl });
    const token = await sign({ sub: 'cam-7', scope: 'read' }, ec.privateKey, 'ES256', { kid: 'ec-1' });
    expect(await v.verify(token)).toMatchObject({ principal: 'cam-7', scopes: new Set(['read']) });
  });

  it('refuses expired, foreign, unsigned and algorithm-confused tokens', async () => {
    const v = verifier();
    expect(
      await reason(v.verify(await sign(claims, hs, 'HS256', { exp: Math.floor(Date.now() / 1000) - 120 }))),
    ).toMatch(/expired/);
    expect(
      await reason(v.verify(await sign({ ...claims, iss: 'https://evil.example' }, hs, 'HS256'))),
    ).toMatch(/iss/);
    expect(await reason(v.verify(await sign({ ...claims, aud: 'other' }, hs, 'HS256')))).toMatch(/aud/);
    expect(
      await reason(v.verify(await sign(claims, new TextEncoder().encode(`${SECRET}x`), 'HS256'))),
    ).toMatch(/not valid/);
    const noExp = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(hs);
    expect(await reason(v.verify(noExp))).toMatch(/exp/);
    expect(await reason(v.verify(new UnsecuredJWT(claims).setExpirationTime('5m').encode()))).toMatch(
      /not valid/,
    );
    expect(await reason(v.verify(await sign({ ...claims, sub: undefined }, hs, 'HS256')))).toMatch(/subject/);
    // The classic confusion: HS256 "signed" with the RSA public key, against a store that has no HS256 secret.
    const jwksOnly = new JwtVerifier({ jwks: jwksFile });
    const publicPem = new TextEncoder().encode(await exportSPKI(rsa.publicKey));
    expect(await reason(jwksOnly.verify(await sign(claims, publicPem, 'HS256')))).not.toBe('accepted');
  });

  it('knows when none are configured', async () => {
    const none = new JwtVerifier({});
    expect(none.enabled).toBe(false);
    expect(await reason(none.verify(await sign(claims, hs, 'HS256')))).toMatch(/no JWTs/);
  });
});
