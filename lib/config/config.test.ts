import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRole, ConfigError, loadConfig } from './config.js';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration from the environment', () => {
  it('defaults to the embedded store: SQLite and filesystem objects under ./data, on 127.0.0.1:8000', () => {
    expect(loadConfig({})).toEqual({
      dataDir: resolve('data'),
      database: { kind: 'sqlite', path: resolve('data', 'tams.sqlite3'), synchronous: 'FULL' },
      http: { host: '127.0.0.1', port: 8000, publicUrl: 'http://127.0.0.1:8000' },
      objects: {
        kind: 'filesystem',
        root: resolve('data', 'objects'),
        signingKeyPath: resolve('data', 'object-signing.key'),
      },
      subgraphs: { mediaUrl: undefined, analyticsUrl: undefined, timeoutMs: 30_000 },
      redisUrl: undefined,
      cache: 'on',
      logLevel: 'info',
      graphql: { introspection: true },
      shutdownTimeoutMs: 10_000,
      syncDeleteLimit: 10_000,
      outboxRetentionMs: 24 * 3_600_000,
      outboxPollMs: 250,
      admission: { maxInFlight: 256, maxEventLoopLagMs: 1000, retryAfterSeconds: 1 },
      auth: {
        enabled: true,
        jwt: { secret: undefined, jwks: undefined, issuer: undefined, audience: undefined },
        internalSecret: undefined,
      },
      webhookAllowPrivate: false,
    });
  });

  it('switches to PostgreSQL with a postgres:// URL and to S3 with a bucket', () => {
    const config = loadConfig({
      TAMS_DATABASE_URL: 'postgresql://tams:pw@db.example:5433/tams',
      TAMS_PG_POOL_SIZE: '25',
      TAMS_DATA_DIR: '/var/lib/tams',
      TAMS_S3_BUCKET: 'media-store',
      TAMS_S3_ENDPOINT: 'http://minio:9000',
      TAMS_S3_PUBLIC_ENDPOINT: 'http://localhost:9000',
    });
    expect(config.database).toEqual({
      kind: 'postgres',
      url: 'postgresql://tams:pw@db.example:5433/tams',
      poolSize: 25,
      statementTimeoutMs: 30_000,
    });
    expect(config.objects).toEqual({
      kind: 's3',
      endpoint: 'http://minio:9000',
      publicEndpoint: 'http://localhost:9000',
      region: 'us-east-1',
      bucket: 'media-store',
      prefix: undefined,
      forcePathStyle: true,
      createBucket: false,
    });
  });

  it('derives the public URL from the listen address unless given', () => {
    expect(loadConfig({ TAMS_HOST: '0.0.0.0', TAMS_PORT: '9000' }).http.publicUrl).toBe(
      'http://127.0.0.1:9000',
    );
    expect(loadConfig({ TAMS_PUBLIC_URL: 'https://tams.example.com/' }).http.publicUrl).toBe(
      'https://tams.example.com',
    );
  });

  it('reads the outbox poll interval of subscriptions, within 10 ms to 1 minute', () => {
    expect(loadConfig({ TAMS_OUTBOX_POLL_MS: '20' }).outboxPollMs).toBe(20);
    expect(problemsOf(() => loadConfig({ TAMS_OUTBOX_POLL_MS: '5' })).join()).toMatch(
      /TAMS_OUTBOX_POLL_MS: expected an integer from 10 to 60000/,
    );
  });

  it('reads the subgraph fetch deadline, within 100 ms to 1 hour', () => {
    expect(loadConfig({ TAMS_SUBGRAPH_TIMEOUT_MS: '5000' }).subgraphs.timeoutMs).toBe(5000);
    for (const bad of ['50', '5s', '-1'])
      expect(problemsOf(() => loadConfig({ TAMS_SUBGRAPH_TIMEOUT_MS: bad })).join()).toMatch(
        /TAMS_SUBGRAPH_TIMEOUT_MS: expected an integer from 100 to 3600000/,
      );
  });

  it('reads the admission limits: on by default, 0 turns a bound off, nonsense is refused', () => {
    expect(loadConfig({}).admission).toEqual({
      maxInFlight: 256,
      maxEventLoopLagMs: 1000,
      retryAfterSeconds: 1,
    });
    expect(
      loadConfig({ TAMS_MAX_IN_FLIGHT: '0', TAMS_MAX_EVENT_LOOP_LAG_MS: '0', TAMS_RETRY_AFTER_SECONDS: '5' })
        .admission,
    ).toEqual({ maxInFlight: 0, maxEventLoopLagMs: 0, retryAfterSeconds: 5 });
    const problems = problemsOf(() =>
      loadConfig({
        TAMS_MAX_IN_FLIGHT: '-1',
        TAMS_MAX_EVENT_LOOP_LAG_MS: 'lots',
        TAMS_RETRY_AFTER_SECONDS: '0',
      }),
    ).join();
    expect(problems).toMatch(/TAMS_MAX_IN_FLIGHT: expected an integer/);
    expect(problems).toMatch(/TAMS_MAX_EVENT_LOOP_LAG_MS: expected an integer/);
    expect(problems).toMatch(/TAMS_RETRY_AFTER_SECONDS: expected an integer from 1 to 3600/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ TAMS_DATABASE_URL: '', TAMS_SQLITE_SYNCHRONOUS: '' }).database.kind).toBe('sqlite');
  });

  it('names every bad variable with what was expected, and never echoes a database or Redis URL', () => {
    const problems = problemsOf(() =>
      loadConfig({
        TAMS_DATABASE_URL: 'mysql://root:hunter2@db/x',
        TAMS_PG_POOL_SIZE: 'many',
        TAMS_SQLITE_SYNCHRONOUS: 'OFF',
        TAMS_REDIS_URL: 'http://user:hunter3@r',
        TAMS_PORT: '70000',
        TAMS_PUBLIC_URL: 'ftp://x',
      }),
    );
    expect(problems).toHaveLength(6);
    const text = problems.join('\n');
    expect(text).toMatch(/TAMS_DATABASE_URL: expected a postgres:\/\/ URL/);
    expect(text).toMatch(/TAMS_PG_POOL_SIZE: expected an integer from 1 to 1000 \(got "many"\)/);
    expect(text).toMatch(/TAMS_PORT: expected an integer from 0 to 65535/);
    expect(text).not.toMatch(/hunter/);
  });

  it('refuses half an S3 configuration', () => {
    expect(problemsOf(() => loadConfig({ TAMS_S3_ENDPOINT: 'http://minio:9000' }))).toEqual([
      'TAMS_S3_BUCKET: set it to use S3 object storage (other TAMS_S3_* variables are set)',
    ]);
  });

  it('checks what each distributed role needs before it starts', () => {
    expect(problemsOf(() => checkRole(loadConfig({}), 'gateway'))).toEqual([
      expect.stringMatching(/^TAMS_MEDIA_URL/),
      expect.stringMatching(/^TAMS_ANALYTICS_URL/),
      expect.stringMatching(/^TAMS_DATABASE_URL: the gateway role checks API tokens/),
      expect.stringMatching(/^TAMS_INTERNAL_SECRET/),
    ]);
    expect(problemsOf(() => checkRole(loadConfig({}), 'media'))[0]).toMatch(/TAMS_DATABASE_URL/);
    expect(() => checkRole(loadConfig({}), 'embedded')).not.toThrow();
    const secret = 'x'.repeat(32);
    const distributed = loadConfig({
      TAMS_DATABASE_URL: 'postgres://db/tams',
      TAMS_MEDIA_URL: 'http://media:4001/graphql',
      TAMS_ANALYTICS_URL: 'http://analytics:4002/graphql',
      TAMS_INTERNAL_SECRET: secret,
    });
    for (const role of ['gateway', 'media', 'analytics'] as const)
      expect(() => checkRole(distributed, role)).not.toThrow();
  });

  it('turns authentication off only on a loopback address, and never echoes secrets', () => {
    expect(loadConfig({ TAMS_AUTH: 'off' }).auth.enabled).toBe(false);
    expect(loadConfig({ TAMS_AUTH: 'off', TAMS_HOST: '::1' }).auth.enabled).toBe(false);
    expect(problemsOf(() => loadConfig({ TAMS_AUTH: 'off', TAMS_HOST: '0.0.0.0' }))).toEqual([
      expect.stringMatching(/^TAMS_AUTH: refusing to serve without authentication on 0\.0\.0\.0/),
    ]);
    expect(problemsOf(() => loadConfig({ TAMS_AUTH: 'maybe' }))[0]).toMatch(/^TAMS_AUTH/);
    const problems = problemsOf(() =>
      loadConfig({ TAMS_JWT_SECRET: 'hunter2', TAMS_INTERNAL_SECRET: 'hunter3' }),
    );
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/at least 32 characters/);
    expect(problems.join('\n')).not.toMatch(/hunter/);
    expect(loadConfig({ TAMS_JWT_JWKS: 'keys/jwks.json' }).auth.jwt.jwks).toBe(resolve('keys/jwks.json'));
    expect(loadConfig({ TAMS_JWT_JWKS: 'https://idp.example/.well-known/jwks.json' }).auth.jwt.jwks).toMatch(
      /^https:/,
    );
    expect(problemsOf(() => loadConfig({ TAMS_JWT_JWKS: 'ftp://idp/jwks' }))[0]).toMatch(
      /JWKS file path or an http/,
    );
  });
});

describe('read endpoints', () => {
  it('parses the standbys and the routing settings, and refuses them without a primary', () => {
    const config = loadConfig({
      TAMS_DATABASE_URL: 'postgres://p@127.0.0.1:5432/tams',
      TAMS_DATABASE_READ_URLS: ' postgres://r@127.0.0.1:5433/tams , postgres://r@127.0.0.1:5434/tams',
      TAMS_READ_STRATEGY: 'latency',
      TAMS_READ_MAX_LAG_S: '2.5',
    });
    expect(config.database.kind === 'postgres' && config.database.reads).toEqual({
      urls: ['postgres://r@127.0.0.1:5433/tams', 'postgres://r@127.0.0.1:5434/tams'],
      strategy: 'latency',
      probeMs: 1000,
      maxLagSeconds: 2.5,
      failuresToEject: 3,
      probesToAdmit: 2,
      scanWaitMs: 200,
    });
    expect(() => loadConfig({ TAMS_DATABASE_READ_URLS: 'postgres://r@127.0.0.1:5433/tams' })).toThrow(
      /TAMS_DATABASE_READ_URLS: read endpoints are streaming standbys/,
    );
    expect(() =>
      loadConfig({ TAMS_DATABASE_URL: 'postgres://p@h/t', TAMS_DATABASE_READ_URLS: 'mysql://x' }),
    ).toThrow(/TAMS_DATABASE_READ_URLS: expected a comma-separated list of postgres:\/\/ URLs/);
  });

  it('asks for Redis in the roles of distributed mode, which share the floor of acknowledged writes', () => {
    const config = loadConfig({
      TAMS_DATABASE_URL: 'postgres://p@127.0.0.1:5432/tams',
      TAMS_DATABASE_READ_URLS: 'postgres://r@127.0.0.1:5433/tams',
      TAMS_AUTH: 'off',
    });
    expect(() => checkRole(config, 'media')).toThrow(/TAMS_REDIS_URL: with read endpoints/);
    expect(() => checkRole(config, 'embedded')).not.toThrow();
  });
});
