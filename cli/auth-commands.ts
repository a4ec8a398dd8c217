import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { ApiTokens } from '../gateway/auth/api-tokens.js';
import { PrincipalError, Principals } from '../gateway/auth/principals.js';
import type { Scope } from '../gateway/auth/scopes.js';
import { parseScopeList } from '../gateway/auth/scopes.js';
import { CoherentCache, RedisStore } from '../lib/cache/index.js';
import { loadConfig } from '../lib/config/config.js';
import type { Executor } from '../lib/executor/index.js';
import { openExecutor } from '../lib/executor/index.js';

/**
 * `tams token ...` and `tams user ...`: managing API tokens and users on the configured database
 * directly, so they work before any server runs (that is how the first admin token is made).
 */

export class UsageError extends Error {}

export const AUTH_USAGE = `  token create --scopes S [--user NAME] [--label L] [--expires-in-days N]
            create an API token and print it (only it) on stdout; it acts as user NAME (default: the
            label, or admin), who is created with scopes S if missing. S: read,write,delete,admin
  token list
            list tokens (never their values)
  token revoke ID
            revoke a token; it is refused from the next request on
  user set NAME --scopes S [--password-stdin]
            create a user or change its scopes; with --password-stdin the first line of stdin becomes
            its password for HTTP Basic (at least 12 characters)
  user list | user disable NAME | user enable NAME | user remove NAME
            list users; refuse a user's tokens and password (or accept them again); delete a user and
            its tokens`;

/**
 * Runs `fn` on the configured database, and on the replicas' shared cache when TAMS_REDIS_URL is set:
 * a revocation or a change of a user must reach the tokens the servers have verified and cached.
 */
async function withExecutor<T>(
  fn: (executor: Executor, cache: CoherentCache | undefined) => Promise<T>,
  options: { readonly changesCredentials?: boolean } = {},
): Promise<T> {
  const config = loadConfig();
  const executor = await openExecutor(config.database);
  // Only commands that change credentials connect: a cache that starts begins a new epoch (lib/cache).
  const cache =
    options.changesCredentials && config.redisUrl && config.cache === 'on'
      ? new CoherentCache(new RedisStore({ url: config.redisUrl, connectionName: `tams-cli-${process.pid}` }))
      : undefined;
  try {
    return await fn(executor, cache);
  } finally {
    await cache?.close();
    await executor.close();
  }
}

function scopesOption(value: string | undefined): Scope[] {
  if (value === undefined) throw new UsageError('--scopes is required, e.g. --scopes read,write');
  try {
    return parseScopeList(value);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function parse(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

const date = (d: Date | null) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-');

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function readFirstLine(): Promise<string> {
  if (process.stdin.isTTY)
    throw new UsageError(
      '--password-stdin reads the password from a pipe, e.g. `printf %s "$PW" | tams user set ...`',
    );
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n') || text.length > 4096) break;
  }
  return text.split(/\r?\n/)[0]!;
}

export async function tokenCommand(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const { values, positionals } = parse(rest, {
      scopes: { type: 'string' },
      user: { type: 'string' },
      label: { type: 'string' },
      'expires-in-days': { type: 'string' },
    });
    if (positionals.length) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
    const scopes = scopesOption(values.scopes as string | undefined);
    const label = values.label as string | undefined;
    const days = values['expires-in-days'] as string | undefined;
    if (days !== undefined && !/^[1-9]\d{0,4}$/.test(days))
      throw new UsageError('--expires-in-days takes a whole number of days from 1 to 99999');
    const userName = (values.user as string | undefined) ?? label ?? 'admin';
    const token = await withExecutor(async (executor) => {
      const principals = new Principals(executor);
      const user = (await principals.get(userName)) ?? (await principals.set(userName, scopes)).principal;
      const expires = days === undefined ? undefined : new Date(Date.now() + Number(days) * 86_400_000);
      return (await new ApiTokens(executor).create(user, scopes, { label, expires })).token;
    });
    // Only the token goes to stdout, so `TOKEN=$(tams token create ...)` works.
    console.log(token);
    return 0;
  }
  if (sub === 'list') {
    if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
    const tokens = await withExecutor((executor) => new ApiTokens(executor).list());
    console.log(
      table([
        ['ID', 'USER', 'LABEL', 'SCOPES', 'CREATED', 'EXPIRES', 'REVOKED', 'LAST USED'],
        ...tokens.map((t) => [
          t.id,
          t.principal,
          t.label ?? '-',
          t.scopes.join(','),
          date(t.created),
          date(t.expires),
          date(t.revoked),
          date(t.lastUsed),
        ]),
      ]),
    );
    return 0;
  }
  if (sub === 'revoke') {
    const [id, ...extra] = rest;
    if (!id || extra.length)
      throw new UsageError('tams token revoke takes one token id (see tams token list)');
    if (!/^[0-9a-f-]{36}$/.test(id))
      throw new UsageError(`${JSON.stringify(id)} is not a token id (see tams token list)`);
    const revoked = await withExecutor(
      (executor, cache) => new ApiTokens(executor, undefined, cache).revoke(id),
      { changesCredentials: true },
    );
    if (!revoked) {
      console.error(`tams token revoke: no live token has id ${id}`);
      return 1;
    }
    console.error(`revoked token ${id}`);
    return 0;
  }
  throw new UsageError('tams token: expected create, list or revoke');
}

export async function userCommand(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'set') {
    const { values, positionals } = parse(rest, {
      scopes: { type: 'string' },
      'password-stdin': { type: 'boolean' },
    });
    const [name, ...extra] = positionals;
    if (!name || extra.length) throw new UsageError('tams user set takes one user name');
    const scopes = scopesOption(values.scopes as string | undefined);
    const password = values['password-stdin'] ? await readFirstLine() : undefined;
    const { created } = await withExecutor(
      (executor, cache) => new Principals(executor, undefined, cache).set(name, scopes, { password }),
      { changesCredentials: true },
    );
    console.error(`${created ? 'created' : 'updated'} user ${name} with scopes ${scopes.join(',')}`);
    return 0;
  }
  if (sub === 'list') {
    if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
    const users = await withExecutor((executor) => new Principals(executor).list());
    console.log(
      table([
        ['NAME', 'SCOPES', 'PASSWORD', 'DISABLED', 'CREATED'],
        ...users.map((u) => [
          u.name,
          u.scopes.join(','),
          u.hasPassword ? 'yes' : 'no',
          u.disabled ? 'yes' : 'no',
          date(u.created),
        ]),
      ]),
    );
    return 0;
  }
  if (sub === 'disable' || sub === 'enable' || sub === 'remove') {
    const [name, ...extra] = rest;
    if (!name || extra.length) throw new UsageError(`tams user ${sub} takes one user name`);
    const done = await withExecutor(
      (executor, cache) => {
        const principals = new Principals(executor, undefined, cache);
        return sub === 'remove' ? principals.remove(name) : principals.setDisabled(name, sub === 'disable');
      },
      { changesCredentials: true },
    );
    if (!done) {
      console.error(`tams user ${sub}: no user is named ${name}`);
      return 1;
    }
    console.error(`${sub === 'remove' ? 'removed' : `${sub}d`} user ${name}`);
    return 0;
  }
  throw new UsageError('tams user: expected set, list, disable, enable or remove');
}

export { PrincipalError };
