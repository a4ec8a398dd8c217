import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { credentialsOfConnectionParams, credentialsOfRequest, CredentialsError } from './credentials.js';

const request = (url: string, authorization?: string) =>
  ({ url, headers: authorization === undefined ? {} : { authorization } }) as unknown as IncomingMessage;
const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof CredentialsError) return error.status;
    throw error;
  }
  return 'accepted';
};

describe('reading credentials', () => {
  it('reads a bearer token, Basic user and password, and the access_token parameter', () => {
    expect(credentialsOfRequest(request('/flows', 'Bearer abc.def.ghi'))).toEqual({
      kind: 'token',
      token: 'abc.def.ghi',
    });
    expect(credentialsOfRequest(request('/flows', 'bearer tams_x'))).toEqual({
      kind: 'token',
      token: 'tams_x',
    });
    expect(credentialsOfRequest(request('/flows', basic('ana:pa:ss wörd')))).toEqual({
      kind: 'basic',
      user: 'ana',
      password: 'pa:ss wörd',
    });
    expect(credentialsOfRequest(request('/flows?limit=2&access_token=tams_y'))).toEqual({
      kind: 'token',
      token: 'tams_y',
    });
    expect(credentialsOfRequest(request('/flows'))).toEqual({ kind: 'none' });
  });

  it('refuses two ways at once (400) and malformed or unknown schemes (401)', () => {
    expect(refusal(() => credentialsOfRequest(request('/?access_token=a', 'Bearer b')))).toBe(400);
    expect(refusal(() => credentialsOfRequest(request('/?access_token=a&access_token=b')))).toBe(400);
    expect(refusal(() => credentialsOfRequest(request('/', 'Bearer')))).toBe(401);
    expect(refusal(() => credentialsOfRequest(request('/', 'Bearer a b')))).toBe(401);
    expect(refusal(() => credentialsOfRequest(request('/', 'Digest x')))).toBe(401);
    expect(refusal(() => credentialsOfRequest(request('/', basic('no-colon'))))).toBe(401);
    expect(refusal(() => credentialsOfRequest(request('/', `Bearer ${'a'.repeat(20_000)}`)))).toBe(401);
    expect(refusal(() => credentialsOfRequest(request('/?access_token=%00')))).toBe(401);
  });

  it('reads graphql-ws connection_init payloads the way browsers send them', () => {
    expect(credentialsOfConnectionParams({ authorization: 'Bearer t.u.v' })).toEqual({
      kind: 'token',
      token: 't.u.v',
    });
    expect(credentialsOfConnectionParams({ Authorization: basic('a:b') })).toMatchObject({ kind: 'basic' });
    expect(credentialsOfConnectionParams({ access_token: 'tams_z' })).toEqual({
      kind: 'token',
      token: 'tams_z',
    });
    expect(credentialsOfConnectionParams(undefined)).toEqual({ kind: 'none' });
    expect(refusal(() => credentialsOfConnectionParams({ authorization: 42 }))).toBe(401);
  });
});
