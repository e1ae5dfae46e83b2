import { ConfigError, readEnv, oneOf, int, bytes, list, origins, str, url } from './env-readers';

export type QueueBackend = 'redis' | 'postgres';
export type ExecutionProvider = 'cpu' | 'cuda' | 'webgpu';

export interface AppConfig {
  nodeEnv: string;
  databaseUrl: string;
  dbPoolSize: number;
  queue: { backend: QueueBackend; url: string; prefix: string };
  http: {
    port: number;
    host: string;
    maxBodyBytes: number;
    maxPointsPerRequest: number;
    maxSeriesPerRequest: number;
    rateLimitPerMinute: number;
    /** While the rate limiter's counter store is unreachable: refuse requests (503) or let them through. */
    rateLimitOnError: 'open' | 'closed';
    /** Browser origins allowed cross-origin (CORS); empty = none, ['*'] = any. */
    corsOrigins: string[];
  };
  models: {
    dir: string;
    executionProviders: ExecutionProvider[];
    intraOpThreads: number;
    defaultModel: string | null;
    maxBatch: number;
    maxWaitMs: number;
    maxQueue: number;
    maxQueuedForecasts: number;
  };
  worker: {
    concurrency: number;
    healthPort: number;
    shutdownGraceMs: number;
    lockMs: number;
    /** Tenants' `full` fine-tune graphs loaded at once per worker (least recently used unloaded first). */
    maxLoadedGraphs: number;
    /** How often a worker unloads graphs whose fine-tunes were deleted. */
    graphSweepMs: number;
    /** How often a worker deletes idempotency records past their 24-hour window. */
    idempotencyPurgeMs: number;
  };
  /** Per-tenant shares of what all tenants share (429 TENANT_QUOTA_EXCEEDED past each). */
  quotas: {
    /** Forecast jobs of one tenant waiting for a worker. */
    queuedForecasts: number;
    /** Backtests and fine-tunes of one tenant queued or running. */
    activeJobs: number;
    /** Requests of one tenant waiting for their result at once, per api process. */
    waitingRequests: number;
    /** Event streams one tenant holds open at once, per api process. */
    openStreams: number;
  };
  /** Observation reads: rows per page by default and at most (GET /v1/series/{id}/observations). */
  observations: { defaultLimit: number; maxLimit: number };
  /** Floors and caps that keep one tenant's schedules from crowding out the others. */
  schedules: { minIntervalS: number; maxSeriesPerRun: number; maxPerTenant: number };
  /** The PyTorch toolchain for `full` fine-tunes: the interpreter and the folder holding toolchain/ and runs/<model>/. */
  toolchain: { python: string; dir: string | null };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

function observationLimits(defaultLimit: number, maxLimit: number): AppConfig['observations'] {
  if (defaultLimit > maxLimit)
    throw new ConfigError('TSFM_OBSERVATIONS_DEFAULT_LIMIT', `must not exceed TSFM_OBSERVATIONS_MAX_LIMIT (${maxLimit}) (got ${defaultLimit})`);
  return { defaultLimit, maxLimit };
}

/** The whole environment schema, parsed once. Every failure names its variable. */
export function parseConfig(env: NodeJS.ProcessEnv): AppConfig {
  const r = readEnv(env);
  const databaseUrl = r('DATABASE_URL', url(['postgres:', 'postgresql:']));
  const backend = r('TSFM_QUEUE_BACKEND', oneOf(['redis', 'postgres'] as const), 'redis');
  const queueUrl =
    backend === 'redis'
      ? r('REDIS_URL', url(['redis:', 'rediss:']), 'redis://127.0.0.1:6379')
      : r('TSFM_QUEUE_URL', url(['postgres:', 'postgresql:']), databaseUrl);
  return {
    nodeEnv: r('NODE_ENV', str(), 'development'),
    databaseUrl,
    dbPoolSize: r('TSFM_DB_POOL_SIZE', int(1, 200), '10'),
    queue: { backend, url: queueUrl, prefix: r('TSFM_QUEUE_PREFIX', str(/^[a-z0-9_-]{1,32}$/i), 'tsfm') },
    http: {
      port: r('PORT', int(0, 65535), '8080'),
      host: r('HOST', str(), '127.0.0.1'),
      maxBodyBytes: r('TSFM_MAX_BODY_BYTES', bytes(1024, 1 << 30), '16mb'),
      maxPointsPerRequest: r('TSFM_MAX_POINTS_PER_REQUEST', int(1, 100_000_000), '2000000'),
      maxSeriesPerRequest: r('TSFM_MAX_SERIES_PER_REQUEST', int(1, 1_000_000), '1000'),
      rateLimitPerMinute: r('TSFM_RATE_LIMIT_PER_MINUTE', int(0, 10_000_000), '6000'),
      rateLimitOnError: r('TSFM_RATE_LIMIT_ON_ERROR', oneOf(['open', 'closed'] as const), 'closed'),
      corsOrigins: r('TSFM_CORS_ORIGINS', origins, ''),
    },
    models: {
      dir: r('TSFM_MODELS_DIR', str(), 'models'),
      executionProviders: r('TSFM_EXECUTION_PROVIDERS', list(['cpu', 'cuda', 'webgpu'] as const), 'cpu'),
      intraOpThreads: r('TSFM_INTRA_OP_THREADS', int(0, 256), '0'),
      defaultModel: r('TSFM_DEFAULT_MODEL', str(/^[A-Za-z0-9_.-]{1,64}$/), '') || null,
      maxBatch: r('TSFM_BATCH_MAX_SIZE', int(1, 4096), '64'),
      maxWaitMs: r('TSFM_BATCH_MAX_WAIT_MS', int(0, 10_000), '5'),
      maxQueue: r('TSFM_BATCH_MAX_QUEUE', int(1, 1_000_000), '4096'),
      maxQueuedForecasts: r('TSFM_MAX_QUEUED_FORECASTS', int(1, 10_000_000), '10000'),
    },
    worker: {
      concurrency: r('TSFM_WORKER_CONCURRENCY', int(1, 256), '4'),
      healthPort: r('TSFM_WORKER_HEALTH_PORT', int(0, 65535), '8081'),
      shutdownGraceMs: r('TSFM_SHUTDOWN_GRACE_MS', int(0, 3_600_000), '30000'),
      lockMs: r('TSFM_JOB_LOCK_MS', int(1000, 3_600_000), '30000'),
      maxLoadedGraphs: r('TSFM_MAX_LOADED_GRAPHS', int(1, 1024), '16'),
      graphSweepMs: r('TSFM_GRAPH_SWEEP_INTERVAL_MS', int(100, 3_600_000), '30000'),
      idempotencyPurgeMs: r('TSFM_IDEMPOTENCY_PURGE_INTERVAL_MS', int(100, 86_400_000), '3600000'),
    },
    quotas: {
      queuedForecasts: r('TSFM_TENANT_MAX_QUEUED_FORECASTS', int(1, 10_000_000), '2000'),
      activeJobs: r('TSFM_TENANT_MAX_ACTIVE_JOBS', int(1, 1_000_000), '20'),
      waitingRequests: r('TSFM_TENANT_MAX_WAITING_REQUESTS', int(1, 1_000_000), '256'),
      openStreams: r('TSFM_TENANT_MAX_OPEN_STREAMS', int(1, 1_000_000), '8'),
    },
    observations: observationLimits(
      r('TSFM_OBSERVATIONS_DEFAULT_LIMIT', int(1, 10_000_000), '10000'),
      r('TSFM_OBSERVATIONS_MAX_LIMIT', int(1, 10_000_000), '100000'),
    ),
    schedules: {
      // 0 turns the floor off (tests that need second-level ticks).
      minIntervalS: r('TSFM_SCHEDULE_MIN_INTERVAL_S', int(0, 31 * 86400), '60'),
      maxSeriesPerRun: r('TSFM_SCHEDULE_MAX_SERIES', int(1, 10_000_000), '10000'),
      maxPerTenant: r('TSFM_MAX_SCHEDULES_PER_TENANT', int(1, 1_000_000), '100'),
    },
    toolchain: {
      python: r('TSFM_PYTHON', str(), '/usr/bin/python3'),
      dir: r('TSFM_TOOLCHAIN_DIR', str(), '') || null,
    },
    logLevel: r('LOG_LEVEL', oneOf(['debug', 'info', 'warn', 'error'] as const), 'info'),
  };
}
