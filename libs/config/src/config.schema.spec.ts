import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '#config';

const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' };

describe('parseConfig', () => {
  it('applies defaults', () => {
    const c = parseConfig(base);
    expect(c.queue).toEqual({ backend: 'redis', url: 'redis://127.0.0.1:6379', prefix: 'tsfm' });
    expect(c.http.maxBodyBytes).toBe(16 * 1024 * 1024);
    expect(c.models.executionProviders).toEqual(['cpu']);
    expect(c.http.corsOrigins).toEqual([]);
  });

  it('has floors and caps for schedules and loaded graphs by default; 0 turns the schedule floor off', () => {
    const c = parseConfig(base);
    expect(c.schedules).toEqual({ minIntervalS: 60, maxSeriesPerRun: 10_000, maxPerTenant: 100 });
    expect([c.worker.maxLoadedGraphs, c.worker.graphSweepMs]).toEqual([16, 30_000]);
    expect(parseConfig({ ...base, TSFM_SCHEDULE_MIN_INTERVAL_S: '0' }).schedules.minIntervalS).toBe(0);
  });

  it('has per-tenant quotas and observation page limits by default', () => {
    const c = parseConfig(base);
    expect(c.quotas).toEqual({ queuedForecasts: 2000, activeJobs: 20, waitingRequests: 256, openStreams: 8 });
    expect(c.observations).toEqual({ defaultLimit: 10_000, maxLimit: 100_000 });
  });

  it('fails the rate limiter closed and purges idempotency records hourly by default', () => {
    const c = parseConfig(base);
    expect([c.http.rateLimitOnError, c.worker.idempotencyPurgeMs]).toEqual(['closed', 3_600_000]);
    expect(parseConfig({ ...base, TSFM_RATE_LIMIT_ON_ERROR: 'open' }).http.rateLimitOnError).toBe('open');
  });

  it('reads TSFM_CORS_ORIGINS as exact origins, or * for any', () => {
    expect(parseConfig({ ...base, TSFM_CORS_ORIGINS: ' https://app.example.com, http://localhost:5173 ' }).http.corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(parseConfig({ ...base, TSFM_CORS_ORIGINS: '*' }).http.corsOrigins).toEqual(['*']);
  });

  it('uses the database for the postgres queue backend by default', () => {
    const c = parseConfig({ ...base, TSFM_QUEUE_BACKEND: 'postgres' });
    expect(c.queue.url).toBe(base.DATABASE_URL);
  });

  it.each([
    [{}, 'DATABASE_URL', 'is required'],
    [{ ...base, PORT: 'eighty' }, 'PORT', 'must be an integer'],
    [{ ...base, PORT: '70000' }, 'PORT', 'between 0 and 65535'],
    [{ ...base, TSFM_QUEUE_BACKEND: 'kafka' }, 'TSFM_QUEUE_BACKEND', 'one of redis, postgres'],
    [{ ...base, TSFM_EXECUTION_PROVIDERS: 'cpu,tpu' }, 'TSFM_EXECUTION_PROVIDERS', 'one of cpu, cuda, webgpu'],
    [{ ...base, TSFM_MAX_BODY_BYTES: 'lots' }, 'TSFM_MAX_BODY_BYTES', 'size'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL', 'must use postgres:'],
    [{ ...base, TSFM_CORS_ORIGINS: 'https://app.example.com/' }, 'TSFM_CORS_ORIGINS', 'no path or trailing slash'],
    [{ ...base, TSFM_CORS_ORIGINS: 'https://app.example.com/ui' }, 'TSFM_CORS_ORIGINS', 'is not an origin'],
    [{ ...base, TSFM_CORS_ORIGINS: 'ftp://files.example.com' }, 'TSFM_CORS_ORIGINS', 'http or https'],
    [{ ...base, TSFM_CORS_ORIGINS: 'app.example.com' }, 'TSFM_CORS_ORIGINS', 'is not an origin'],
    [{ ...base, TSFM_CORS_ORIGINS: '*,https://a.example.com' }, 'TSFM_CORS_ORIGINS', 'cannot be combined'],
    [{ ...base, TSFM_SCHEDULE_MIN_INTERVAL_S: '-1' }, 'TSFM_SCHEDULE_MIN_INTERVAL_S', 'between 0 and 2678400'],
    [{ ...base, TSFM_SCHEDULE_MAX_SERIES: '0' }, 'TSFM_SCHEDULE_MAX_SERIES', 'between 1 and'],
    [{ ...base, TSFM_MAX_SCHEDULES_PER_TENANT: 'many' }, 'TSFM_MAX_SCHEDULES_PER_TENANT', 'must be an integer'],
    [{ ...base, TSFM_MAX_LOADED_GRAPHS: '0' }, 'TSFM_MAX_LOADED_GRAPHS', 'between 1 and 1024'],
    [{ ...base, TSFM_GRAPH_SWEEP_INTERVAL_MS: '10' }, 'TSFM_GRAPH_SWEEP_INTERVAL_MS', 'between 100 and'],
    [{ ...base, TSFM_TENANT_MAX_QUEUED_FORECASTS: '0' }, 'TSFM_TENANT_MAX_QUEUED_FORECASTS', 'between 1 and'],
    [{ ...base, TSFM_TENANT_MAX_WAITING_REQUESTS: 'x' }, 'TSFM_TENANT_MAX_WAITING_REQUESTS', 'must be an integer'],
    [{ ...base, TSFM_RATE_LIMIT_ON_ERROR: 'ignore' }, 'TSFM_RATE_LIMIT_ON_ERROR', 'one of open, closed'],
    [{ ...base, TSFM_IDEMPOTENCY_PURGE_INTERVAL_MS: '50' }, 'TSFM_IDEMPOTENCY_PURGE_INTERVAL_MS', 'between 100 and'],
    [{ ...base, TSFM_OBSERVATIONS_DEFAULT_LIMIT: '200001' }, 'TSFM_OBSERVATIONS_DEFAULT_LIMIT', 'must not exceed TSFM_OBSERVATIONS_MAX_LIMIT (100000)'],
  ])('rejects %j naming %s', (env, variable, reason) => {
    let caught: unknown;
    try {
      parseConfig(env);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe(variable);
    expect((caught as ConfigError).message).toContain(reason);
  });
});
