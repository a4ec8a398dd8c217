import { existsSync, readFileSync } from 'node:fs';
import { checkRole, ConfigError, loadConfig } from '../lib/config/config.js';
import type { Role } from '../lib/config/config.js';
import { createLogger } from '../gateway/logger.js';
import { AUTH_USAGE, PrincipalError, tokenCommand, UsageError, userCommand } from './auth-commands.js';
import { ExecutorError, openExecutor } from '../lib/executor/index.js';
import { describePostgresUrl } from '../lib/executor/postgres/postgres-executor.js';
import { ObjectStoreError } from '../lib/objects/index.js';

/** The `tams` command line. */

const USAGE = `usage: tams <command>

commands:
  serve [--role embedded|gateway|media|analytics]
            run the store; embedded (the default) is everything in one process, the other roles are
            the processes of distributed mode
  migrate   create or upgrade the configured database, print its schema version, exit
${AUTH_USAGE}
  version   print the version
  help      print this text

Configuration is read from TAMS_* environment variables (README.md, "Configuration").`;

const ROLES: readonly Role[] = ['embedded', 'gateway', 'media', 'analytics'];

/** Runs until SIGINT/SIGTERM, then stops gracefully (service.close: the HTTP drain, then the rest). */
async function serve(args: readonly string[]): Promise<number> {
  let role: Role = 'embedded';
  if (args.length) {
    const [flag, value, ...extra] = args;
    if (flag !== '--role' || !ROLES.includes(value as Role) || extra.length) {
      console.error(`tams serve: expected --role ${ROLES.join('|')}\n\n${USAGE}`);
      return 2;
    }
    role = value as Role;
  }
  const config = loadConfig();
  checkRole(config, role);
  const log = createLogger(config.logLevel);
  // Loaded here, not at the top: the gateway (Apollo, the AWS SDK) costs seconds of CPU to load, which
  // every `tams token ...` or `tams migrate` would otherwise pay.
  const { startService } = await import('../gateway/service.js');
  const service = await startService(config, role, { log, version: packageVersion() });
  console.error(
    `TAMS store (${role}) listening on ${service.url}; GraphQL at ${service.graphqlUrl}` +
      (config.http.publicUrl !== service.url ? ` (public URL ${config.http.publicUrl})` : ''),
  );
  for (const note of service.notes) console.error(`note: ${note}`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals) => {
      // Both handlers go: a second SIGINT or SIGTERM during the drain stops the process at once.
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  log.info(
    { signal, timeoutMs: config.shutdownTimeoutMs },
    'stopping: draining connections (a second signal stops at once)',
  );
  await service.close();
  return 0;
}

function packageVersion(): string {
  // Works from the sources (cli/) and from the build (dist/cli/).
  for (const up of ['../package.json', '../../package.json']) {
    const url = new URL(up, import.meta.url);
    if (existsSync(url)) return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

async function migrate(): Promise<void> {
  const config = loadConfig();
  const where =
    config.database.kind === 'sqlite'
      ? `SQLite ${config.database.path}`
      : `PostgreSQL ${describePostgresUrl(config.database.url)}`;
  const executor = await openExecutor(config.database);
  try {
    console.log(`${where}: schema version ${await executor.schemaVersion()}`);
  } finally {
    await executor.close();
  }
}

export async function main(args: readonly string[]): Promise<number> {
  const [command = 'help', ...rest] = args;
  if (rest.length > 0 && !['serve', 'token', 'user'].includes(command)) {
    console.error(`tams ${command}: unexpected arguments: ${rest.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  try {
    switch (command) {
      case 'migrate':
        await migrate();
        return 0;
      case 'serve':
        return await serve(rest);
      case 'token':
        return await tokenCommand(rest);
      case 'user':
        return await userCommand(rest);
      case 'version':
      case '--version':
        console.log(packageVersion());
        return 0;
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return 0;
      default:
        console.error(`tams: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`tams ${command}: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof PrincipalError) {
      console.error(`tams ${command}: ${e.message}`);
      return 1;
    }
    if (e instanceof ConfigError) {
      console.error(`tams ${command}: ${e.message}`);
      return 2;
    }
    if (e instanceof ExecutorError || e instanceof ObjectStoreError) {
      console.error(`tams ${command}: ${e.message}`);
      return 1;
    }
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(
        `tams ${command}: the address is in use: ${(e as Error).message}; set TAMS_PORT or TAMS_HOST`,
      );
      return 1;
    }
    throw e;
  }
}
