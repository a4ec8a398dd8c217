import { existsSync, readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '../lib/config/config.js';
import { ExecutorError, openExecutor } from '../lib/executor/index.js';
import { describePostgresUrl } from '../lib/executor/postgres/postgres-executor.js';

/** The `tams` command line. */

const USAGE = `usage: tams <command>

commands:
  migrate   create or upgrade the configured database, print its schema version, exit
  serve     run the store (not available in this build: see README.md, "Status")
  version   print the version
  help      print this text

Configuration is read from TAMS_* environment variables (README.md, "Configuration").`;

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
  if (rest.length > 0) {
    console.error(`tams ${command}: unexpected arguments: ${rest.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  try {
    switch (command) {
      case 'migrate':
        await migrate();
        return 0;
      case 'serve':
        console.error(
          'tams serve: this build has no HTTP server yet. It provides the TAMS time model and the query ' +
            'executor (SQLite and PostgreSQL); the GraphQL gateway and the TAMS REST API come next. ' +
            'Run `tams migrate` to create or upgrade the database.',
        );
        return 1;
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
    if (e instanceof ConfigError) {
      console.error(`tams ${command}: ${e.message}`);
      return 2;
    }
    if (e instanceof ExecutorError) {
      console.error(`tams ${command}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
