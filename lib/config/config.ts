import { resolve } from 'node:path';
import { z } from 'zod';
import type { TracingConfig } from './tracing-config.js';
import { tracingConfig } from './tracing-config.js';

export type { TracingConfig } from './tracing-config.js';

/**
 * All configuration comes from environment variables, parsed and validated here once, at start. A bad
 * value stops the process with a message naming the variable, what it holds and what was expected.
 */

export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly path: string; readonly synchronous: 'FULL' | 'NORMAL' }
  | {
      readonly kind: 'postgres';
      readonly url: string;
      readonly poolSize: number;
      readonly statementTimeoutMs: number;
      /** Streaming standbys reads may go to (absent or no URLs: every read on the primary). */
      readonly reads?: ReadEndpointsConfig;
    };

export type ReadStrategy = 'round-robin' | 'least-outstanding' | 'latency';

export interface ReadEndpointsConfig {
  readonly urls: readonly string[];
  readonly strategy: ReadStrategy;
  /** How often each endpoint is probed (connect, a trivial query, replication lag). */
  readonly probeMs: number;
  /** An endpoint further behind than this is taken out until it catches up. */
  readonly maxLagSeconds: number;
  /** Failures in a row (probes or reads) that take an endpoint out. */
  readonly failuresToEject: number;
  /** Good probes in a row that bring it back. */
  readonly probesToAdmit: number;
  /**
   * How long an analytics scan waits for a standby to replay the floor before it runs on the primary
   * (window reads never wait: they go to the primary at once).
   */
  readonly scanWaitMs: number;
}

export type ObjectsConfig =
  | { readonly kind: 'filesystem'; readonly root: string; readonly signingKeyPath: string }
  | {
      readonly kind: 's3';
      readonly endpoint?: string;
      /** The endpoint clients reach, when it differs from the one the server uses (e.g. inside compose). */
      readonly publicEndpoint?: string;
      readonly region: string;
      readonly bucket: string;
      readonly prefix?: string;
      readonly forcePathStyle: boolean;
      readonly createBucket: boolean;
    };

export type Role = 'embedded' | 'gateway' | 'media' | 'analytics';

export interface Config {
  /** Where embedded state lives (the SQLite file, the filesystem object store, the URL signing key). */
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly http: {
    readonly host: string;
    readonly port: number;
    /** The origin clients reach this process at, used in the URLs it hands out. */
    readonly publicUrl: string;
  };
  readonly objects: ObjectsConfig;
  /** Where the gateway role reaches the subgraph roles (distributed mode). */
  readonly subgraphs: {
    readonly mediaUrl?: string;
    readonly analyticsUrl?: string;
    /**
     * Distributed gateway: how long a subgraph may take to start answering a request (GraphQL: the whole
     * operation; export: the first byte, then each gap between chunks) before it is answered 503.
     */
    readonly timeoutMs: number;
  };
  /** The shared cache tier and event bus of several replicas (lib/cache, lib/events). */
  readonly redisUrl?: string;
  /**
   * `on`: entities and credentials are cached in Redis when `redisUrl` is set (persisted queries are
   * cached in every mode); `off`: nothing is cached across requests (a baseline, or to rule the cache out).
   */
  readonly cache: 'on' | 'off';
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly graphql: { readonly introspection: boolean };
  /** Deletions of up to this many segments finish before the answer; larger ones continue in the background. */
  readonly syncDeleteLimit: number;
  /** Outbox events every consumer has read are deleted once older than this (ms); 0: kept forever. */
  readonly outboxRetentionMs: number;
  readonly shutdownTimeoutMs: number;
  /**
   * How often a gateway reads the event outbox for subscriptions while any are open (its own writes
   * wake it at once; other processes' writes are seen at the next read).
   */
  readonly outboxPollMs: number;
  /**
   * Admission control (gateway/http/admission.ts): past `maxInFlight` requests in flight, or while the
   * smoothed event-loop lag exceeds `maxEventLoopLagMs`, new requests are answered 503 with
   * `Retry-After: retryAfterSeconds` (0 turns a bound off). Health, readiness and metrics are never refused.
   */
  readonly admission: {
    readonly maxInFlight: number;
    readonly maxEventLoopLagMs: number;
    readonly retryAfterSeconds: number;
  };
  readonly auth: AuthConfig;
  /** Whether webhooks may target loopback, private and link-local addresses (off: SSRF protection). */
  readonly webhookAllowPrivate: boolean;
  /** OpenTelemetry tracing over OTLP/HTTP (the OTEL_* variables); absent: off. */
  readonly tracing?: TracingConfig;
}

export interface AuthConfig {
  /** Off only on a loopback address (TAMS_AUTH=off); on by default. */
  readonly enabled: boolean;
  readonly jwt: {
    /** HS256 shared secret. */
    readonly secret?: string;
    /** A JWKS file path or http(s) URL, for RS256/ES256 tokens. */
    readonly jwks?: string;
    readonly issuer?: string;
    readonly audience?: string;
  };
  /** Signs the gateway's calls to the subgraphs in distributed mode. */
  readonly internalSecret?: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const intFrom = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `expected an integer from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `expected an integer from ${min} to ${max}`);

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const httpUrl = (what: string) =>
  z.string().refine((u) => {
    try {
      const url = new URL(u);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '';
    } catch {
      return false;
    }
  }, `expected an http(s) URL of ${what}, without query or fragment`);

/** Names whose values are never echoed in messages: they may carry credentials. */
const SECRET = new Set([
  'TAMS_DATABASE_URL',
  'TAMS_DATABASE_READ_URLS',
  'TAMS_REDIS_URL',
  'TAMS_JWT_SECRET',
  'TAMS_INTERNAL_SECRET',
]);

const secret = (what: string) =>
  z.string().min(32, `expected ${what} of at least 32 characters (e.g. \`openssl rand -base64 48\`)`);

/** Addresses only this machine can reach: the one place a store may run without authentication. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const env = z.object({
  TAMS_DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
  TAMS_DATABASE_URL: z
    .string()
    .refine(
      (u) => /^postgres(ql)?:\/\/[^\s]+$/.test(u),
      'expected a postgres:// URL (leave unset for embedded SQLite)',
    )
    .optional(),
  TAMS_DATABASE_READ_URLS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((u) => u.trim())
        .filter((u) => u !== ''),
    )
    .refine(
      (urls) => urls.every((u) => /^postgres(ql)?:\/\/[^\s]+$/.test(u)),
      'expected a comma-separated list of postgres:// URLs of streaming standbys',
    )
    .optional(),
  TAMS_READ_STRATEGY: z.enum(['round-robin', 'least-outstanding', 'latency']).default('least-outstanding'),
  TAMS_READ_PROBE_MS: intFrom(50, 600_000).default(1000),
  TAMS_READ_MAX_LAG_S: z.coerce.number().positive().max(86_400).default(5),
  TAMS_READ_FAILURES_TO_EJECT: intFrom(1, 1000).default(3),
  TAMS_READ_PROBES_TO_ADMIT: intFrom(1, 1000).default(2),
  TAMS_READ_SCAN_WAIT_MS: intFrom(0, 60_000).default(200),
  TAMS_SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  TAMS_PG_POOL_SIZE: intFrom(1, 1000).default(10),
  TAMS_PG_STATEMENT_TIMEOUT_MS: intFrom(100, 3_600_000).default(30_000),
  TAMS_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:-]+$/, 'expected a host name or IP address to listen on')
    .default('127.0.0.1'),
  TAMS_PORT: intFrom(0, 65535).default(8000),
  TAMS_PUBLIC_URL: httpUrl('this server as clients reach it').optional(),
  TAMS_S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name')
    .optional(),
  TAMS_S3_ENDPOINT: httpUrl('the S3 endpoint').optional(),
  TAMS_S3_PUBLIC_ENDPOINT: httpUrl('the S3 endpoint as clients reach it').optional(),
  TAMS_S3_REGION: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'expected a region such as us-east-1')
    .default('us-east-1'),
  TAMS_S3_PREFIX: z.string().max(512).optional(),
  TAMS_S3_FORCE_PATH_STYLE: bool.optional(),
  TAMS_S3_CREATE_BUCKET: bool.default(false),
  TAMS_MEDIA_URL: httpUrl('the media subgraph').optional(),
  TAMS_ANALYTICS_URL: httpUrl('the analytics subgraph').optional(),
  TAMS_SUBGRAPH_TIMEOUT_MS: intFrom(100, 3_600_000).default(30_000),
  TAMS_REDIS_URL: z
    .string()
    .refine((u) => /^rediss?:\/\/[^\s]+$/.test(u), 'expected a redis:// or rediss:// URL')
    .optional(),
  TAMS_CACHE: z.enum(['on', 'off']).default('on'),
  TAMS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TAMS_INTROSPECTION: bool.default(true),
  TAMS_SHUTDOWN_TIMEOUT_MS: intFrom(0, 600_000).default(10_000),
  TAMS_SYNC_DELETE_LIMIT: intFrom(0, 10_000_000).default(10_000),
  TAMS_OUTBOX_RETENTION_HOURS: intFrom(0, 100_000).default(24),
  TAMS_OUTBOX_POLL_MS: intFrom(10, 60_000).default(250),
  TAMS_MAX_IN_FLIGHT: intFrom(0, 1_000_000).default(256),
  TAMS_MAX_EVENT_LOOP_LAG_MS: intFrom(0, 600_000).default(1000),
  TAMS_RETRY_AFTER_SECONDS: intFrom(1, 3600).default(1),
  TAMS_AUTH: z.enum(['on', 'off']).default('on'),
  TAMS_JWT_SECRET: secret('an HS256 secret').optional(),
  TAMS_JWT_JWKS: z
    .string()
    .refine(
      (v) => /^https?:\/\/\S+$/.test(v) || !/^[a-z]+:\/\//i.test(v),
      'expected a JWKS file path or an http(s) URL',
    )
    .optional(),
  TAMS_JWT_ISSUER: z.string().max(1000).optional(),
  TAMS_JWT_AUDIENCE: z.string().max(1000).optional(),
  TAMS_INTERNAL_SECRET: secret('a secret shared by the gateway and subgraph roles').optional(),
  TAMS_WEBHOOK_ALLOW_PRIVATE: bool.default(false),
});

function shown(name: string, value: unknown): string {
  if (SECRET.has(name)) return 'the given value';
  return typeof value === 'string'
    ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
    : 'unset';
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const input = Object.fromEntries(
    Object.entries(source).filter(([k, v]) => k.startsWith('TAMS_') && v !== ''),
  );
  const parsed = env.safeParse(input);
  const traces = tracingConfig(source);
  if (!parsed.success || traces.problems.length) {
    throw new ConfigError([
      ...(parsed.error?.issues ?? []).map((issue) => {
        const name = String(issue.path[0] ?? '?');
        return `${name}: ${issue.message} (got ${shown(name, input[name])})`;
      }),
      ...traces.problems,
    ]);
  }
  const e = parsed.data;
  const dataDir = resolve(e.TAMS_DATA_DIR);
  const database: DatabaseConfig = e.TAMS_DATABASE_URL
    ? {
        kind: 'postgres',
        url: e.TAMS_DATABASE_URL,
        poolSize: e.TAMS_PG_POOL_SIZE,
        statementTimeoutMs: e.TAMS_PG_STATEMENT_TIMEOUT_MS,
        ...(e.TAMS_DATABASE_READ_URLS?.length
          ? {
              reads: {
                urls: e.TAMS_DATABASE_READ_URLS,
                strategy: e.TAMS_READ_STRATEGY,
                probeMs: e.TAMS_READ_PROBE_MS,
                maxLagSeconds: e.TAMS_READ_MAX_LAG_S,
                failuresToEject: e.TAMS_READ_FAILURES_TO_EJECT,
                probesToAdmit: e.TAMS_READ_PROBES_TO_ADMIT,
                scanWaitMs: e.TAMS_READ_SCAN_WAIT_MS,
              },
            }
          : {}),
      }
    : { kind: 'sqlite', path: resolve(dataDir, 'tams.sqlite3'), synchronous: e.TAMS_SQLITE_SYNCHRONOUS };
  const problems: string[] = [];
  if (e.TAMS_DATABASE_READ_URLS?.length && !e.TAMS_DATABASE_URL)
    problems.push(
      'TAMS_DATABASE_READ_URLS: read endpoints are streaming standbys of a PostgreSQL primary; set TAMS_DATABASE_URL to the primary',
    );
  if (!e.TAMS_S3_BUCKET && (e.TAMS_S3_ENDPOINT || e.TAMS_S3_PREFIX || e.TAMS_S3_PUBLIC_ENDPOINT))
    problems.push('TAMS_S3_BUCKET: set it to use S3 object storage (other TAMS_S3_* variables are set)');
  if (e.TAMS_AUTH === 'off' && !isLoopback(e.TAMS_HOST))
    problems.push(
      `TAMS_AUTH: refusing to serve without authentication on ${e.TAMS_HOST}, which other machines can reach; ` +
        'listen on 127.0.0.1 (TAMS_HOST) or turn authentication on (unset TAMS_AUTH)',
    );
  if (problems.length) throw new ConfigError(problems);
  const objects: ObjectsConfig = e.TAMS_S3_BUCKET
    ? {
        kind: 's3',
        endpoint: e.TAMS_S3_ENDPOINT,
        publicEndpoint: e.TAMS_S3_PUBLIC_ENDPOINT,
        region: e.TAMS_S3_REGION,
        bucket: e.TAMS_S3_BUCKET,
        prefix: e.TAMS_S3_PREFIX,
        // Custom endpoints (MinIO, VAST, s3rver) usually need path-style addressing.
        forcePathStyle: e.TAMS_S3_FORCE_PATH_STYLE ?? e.TAMS_S3_ENDPOINT !== undefined,
        createBucket: e.TAMS_S3_CREATE_BUCKET,
      }
    : {
        kind: 'filesystem',
        root: resolve(dataDir, 'objects'),
        signingKeyPath: resolve(dataDir, 'object-signing.key'),
      };
  const publicHost = e.TAMS_HOST === '0.0.0.0' || e.TAMS_HOST === '::' ? '127.0.0.1' : e.TAMS_HOST;
  return {
    dataDir,
    database,
    http: {
      host: e.TAMS_HOST,
      port: e.TAMS_PORT,
      publicUrl: (
        e.TAMS_PUBLIC_URL ??
        `http://${publicHost.includes(':') ? `[${publicHost}]` : publicHost}:${e.TAMS_PORT}`
      ).replace(/\/$/, ''),
    },
    objects,
    subgraphs: {
      mediaUrl: e.TAMS_MEDIA_URL,
      analyticsUrl: e.TAMS_ANALYTICS_URL,
      timeoutMs: e.TAMS_SUBGRAPH_TIMEOUT_MS,
    },
    redisUrl: e.TAMS_REDIS_URL,
    cache: e.TAMS_CACHE,
    logLevel: e.TAMS_LOG_LEVEL,
    graphql: { introspection: e.TAMS_INTROSPECTION },
    shutdownTimeoutMs: e.TAMS_SHUTDOWN_TIMEOUT_MS,
    syncDeleteLimit: e.TAMS_SYNC_DELETE_LIMIT,
    outboxRetentionMs: e.TAMS_OUTBOX_RETENTION_HOURS * 3_600_000,
    outboxPollMs: e.TAMS_OUTBOX_POLL_MS,
    admission: {
      maxInFlight: e.TAMS_MAX_IN_FLIGHT,
      maxEventLoopLagMs: e.TAMS_MAX_EVENT_LOOP_LAG_MS,
      retryAfterSeconds: e.TAMS_RETRY_AFTER_SECONDS,
    },
    auth: {
      enabled: e.TAMS_AUTH === 'on',
      jwt: {
        secret: e.TAMS_JWT_SECRET,
        jwks:
          e.TAMS_JWT_JWKS === undefined || /^https?:/.test(e.TAMS_JWT_JWKS)
            ? e.TAMS_JWT_JWKS
            : resolve(e.TAMS_JWT_JWKS),
        issuer: e.TAMS_JWT_ISSUER,
        audience: e.TAMS_JWT_AUDIENCE,
      },
      internalSecret: e.TAMS_INTERNAL_SECRET,
    },
    webhookAllowPrivate: e.TAMS_WEBHOOK_ALLOW_PRIVATE,
    ...(traces.tracing ? { tracing: traces.tracing } : {}),
  };
}

/** What a role needs that the environment must provide; checked before anything starts. */
export function checkRole(config: Config, role: Role): void {
  const problems: string[] = [];
  if (role === 'gateway') {
    if (!config.subgraphs.mediaUrl)
      problems.push('TAMS_MEDIA_URL: the gateway role needs the media subgraph URL');
    if (!config.subgraphs.analyticsUrl)
      problems.push('TAMS_ANALYTICS_URL: the gateway role needs the analytics subgraph URL');
  }
  if ((role === 'media' || role === 'analytics') && config.database.kind !== 'postgres')
    problems.push(
      `TAMS_DATABASE_URL: the ${role} role of distributed mode shares PostgreSQL with the other roles; set a postgres:// URL`,
    );
  if (role === 'gateway' && config.auth.enabled && config.database.kind !== 'postgres')
    problems.push(
      'TAMS_DATABASE_URL: the gateway role checks API tokens and users in the shared PostgreSQL database; set a postgres:// URL',
    );
  const reads = config.database.kind === 'postgres' && (config.database.reads?.urls.length ?? 0) > 0;
  if (reads && role !== 'embedded' && !config.redisUrl)
    problems.push(
      `TAMS_REDIS_URL: with read endpoints (TAMS_DATABASE_READ_URLS) the processes of distributed mode share the position of acknowledged writes through Redis, so none reads older than another's write; set it (the ${role} role)`,
    );
  if (role !== 'embedded' && config.auth.enabled && !config.auth.internalSecret)
    problems.push(
      `TAMS_INTERNAL_SECRET: the ${role} role of distributed mode needs the secret the gateway signs its subgraph calls with (the same value in every role)`,
    );
  if (problems.length) throw new ConfigError(problems);
}
