import type { IncomingMessage } from 'node:http';

/** What a request presented to prove who it is, before anything was verified. */
export type Credentials =
  | { readonly kind: 'none' }
  /** A bearer JWT or an opaque API token, from `Authorization: Bearer` or the `access_token` parameter. */
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'basic'; readonly user: string; readonly password: string };

/** Credentials that could not even be read: answered 400 (several schemes at once) or 401. */
export class CredentialsError extends Error {
  constructor(
    readonly status: 400 | 401,
    message: string,
  ) {
    super(message);
  }
}

/** Longest credential accepted; real JWTs are a few KiB, anything larger is an abuse of the parser. */
const MAX_CREDENTIAL_LENGTH = 16 * 1024;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

function parseAuthorization(header: string): Credentials {
  if (header.length > MAX_CREDENTIAL_LENGTH)
    throw new CredentialsError(401, 'the Authorization header is too long');
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const value = space < 0 ? '' : header.slice(space + 1).trim();
  if (scheme === 'bearer') {
    if (!TOKEN68.test(value)) throw new CredentialsError(401, 'the Bearer credential is malformed');
    return { kind: 'token', token: value };
  }
  if (scheme === 'basic') {
    if (!TOKEN68.test(value)) throw new CredentialsError(401, 'the Basic credential is malformed');
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new CredentialsError(401, 'the Basic credential must be base64 of user:password');
    return { kind: 'basic', user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  throw new CredentialsError(401, 'the Authorization scheme must be Bearer or Basic');
}

/**
 * Reads credentials from an `Authorization` value and an `access_token` value (TAMS 7.0's url_token_auth).
 * Presenting both is refused, as RFC 6750 §2 asks: which one would apply is ambiguous.
 */
export function readCredentials(
  authorization: string | undefined,
  accessToken: string | undefined,
): Credentials {
  if (authorization !== undefined && accessToken !== undefined)
    throw new CredentialsError(
      400,
      'present credentials once: in the Authorization header or in access_token, not both',
    );
  if (authorization !== undefined) return parseAuthorization(authorization);
  if (accessToken !== undefined) {
    if (accessToken.length > MAX_CREDENTIAL_LENGTH || !TOKEN68.test(accessToken))
      throw new CredentialsError(401, 'the access_token parameter is malformed');
    return { kind: 'token', token: accessToken };
  }
  return { kind: 'none' };
}

/** The credentials of an HTTP request: its Authorization header or its `access_token` query parameter. */
export function credentialsOfRequest(req: IncomingMessage): Credentials {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  let accessToken: string | undefined;
  if (q >= 0) {
    const all = new URLSearchParams(url.slice(q + 1)).getAll('access_token');
    if (all.length > 1) throw new CredentialsError(400, 'access_token is given more than once');
    accessToken = all[0];
  }
  return readCredentials(req.headers.authorization, accessToken);
}

/**
 * The credentials of a graphql-ws connection, from its `connection_init` payload: `authorization`
 * (or `Authorization`) as in the HTTP header, or `access_token`. Browsers cannot set headers on a
 * WebSocket, so this is how they authenticate.
 */
export function credentialsOfConnectionParams(
  params: Readonly<Record<string, unknown>> | undefined,
): Credentials {
  const pick = (...names: string[]) => {
    for (const name of names) {
      const value = params?.[name];
      if (value === undefined) continue;
      if (typeof value !== 'string')
        throw new CredentialsError(401, `connection parameter ${name} must be a string`);
      return value;
    }
    return undefined;
  };
  return readCredentials(pick('authorization', 'Authorization'), pick('access_token'));
}
