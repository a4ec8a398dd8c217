import type { CoherentCache } from '../../lib/cache/index.js';
import type { Config, Role } from '../../lib/config/config.js';
import type { Executor } from '../../lib/executor/index.js';
import { ApiTokens } from '../auth/api-tokens.js';
import type { AuthMode } from '../auth/authenticator.js';
import { Authenticator } from '../auth/authenticator.js';
import { InternalTokens } from '../auth/internal-token.js';
import { JwtVerifier } from '../auth/jwt-verifier.js';
import { Principals } from '../auth/principals.js';

export interface Authentication {
  readonly authenticator: Authenticator;
  /** The gateway's signed tokens for subgraphs (distributed mode). */
  readonly internal: InternalTokens | undefined;
  /** What an operator should know about it at start. */
  readonly notes: readonly string[];
}

/**
 * How this role authenticates callers: not at all (TAMS_AUTH=off, loopback only), by the gateway's
 * internal tokens (a subgraph of distributed mode), or at the edge: JWTs, API tokens and principals
 * (API tokens verified through the replicas' shared cache when there is one).
 */
export async function authenticationFor(
  config: Config,
  role: Role,
  executor: Executor | undefined,
  cache?: CoherentCache,
): Promise<Authentication> {
  const internal = config.auth.internalSecret ? new InternalTokens(config.auth.internalSecret) : undefined;
  const notes: string[] = [];
  let mode: AuthMode;
  if (!config.auth.enabled) {
    mode = { kind: 'off' };
    notes.push('authentication is OFF (TAMS_AUTH=off): anyone who can reach this address can do anything');
  } else if (role === 'media' || role === 'analytics') mode = { kind: 'internal', internal: internal! };
  else {
    const jwt = new JwtVerifier(config.auth.jwt);
    const principals = new Principals(executor!, undefined, cache);
    mode = { kind: 'edge', jwt, tokens: new ApiTokens(executor!, undefined, cache), principals };
    if (!jwt.enabled && (await principals.count()) === 0)
      notes.push(
        'no principals or API tokens exist yet, so nobody can call this store. Create an admin token with\n' +
          '    npx tams token create --scopes read,write,delete,admin --user admin\n' +
          '  (with the same TAMS_DATA_DIR or TAMS_DATABASE_URL as the server) and send it as\n' +
          '    Authorization: Bearer <token>',
      );
  }
  return { authenticator: new Authenticator(mode), internal, notes };
}
