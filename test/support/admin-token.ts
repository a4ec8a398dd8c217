import { ApiTokens } from '../../gateway/auth/api-tokens.js';
import { Principals } from '../../gateway/auth/principals.js';
import type { Scope } from '../../gateway/auth/scopes.js';
import { SCOPES } from '../../gateway/auth/scopes.js';
import type { DatabaseConfig } from '../../lib/config/config.js';
import type { Executor } from '../../lib/executor/index.js';
import { openExecutor } from '../../lib/executor/index.js';

/**
 * A token for tests that talk to a store with authentication on (the default): what
 * `tams token create --scopes ... --user NAME` does, in process.
 */
export async function createToken(
  database: DatabaseConfig,
  user = 'test-admin',
  scopes: readonly Scope[] = SCOPES,
): Promise<string> {
  const executor = await openExecutor(database);
  try {
    const principals = new Principals(executor);
    const principal = (await principals.get(user)) ?? (await principals.set(user, scopes)).principal;
    return (await new ApiTokens(executor).create(principal, scopes)).token;
  } finally {
    await executor.close();
  }
}

/** One principal per scope, `only-SCOPE`, each given an API token of that scope alone: the tokens. */
export async function createScopeTokens(executor: Executor): Promise<Record<Scope, string>> {
  const principals = new Principals(executor);
  const apiTokens = new ApiTokens(executor);
  const tokens: Record<Scope, string> = { read: '', write: '', delete: '', admin: '' };
  for (const scope of SCOPES) {
    const { principal } = await principals.set(`only-${scope}`, [scope]);
    tokens[scope] = (await apiTokens.create(principal, [scope])).token;
  }
  return tokens;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
