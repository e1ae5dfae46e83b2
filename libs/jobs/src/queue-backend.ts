import { createPostgresBackend, createRedisBackend, withBackend } from 'bullmq';
import type { BackendClasses, FlowProducer, Queue, Worker } from 'bullmq';
import type { AppConfig } from '#config';

/* eslint-disable @typescript-eslint/no-explicit-any -- BullMQ's generic parameters: one type for queues, workers and flows of every job shape, on either backend */
export type AnyQueue = Queue<any, any, string, any, any, string, any, any>;
export type AnyWorker = Worker<any, any, string, any, any, any>;
export type AnyFlowProducer = FlowProducer<any, any>;

export interface BoundBackend {
  classes: BackendClasses<any, any>;
  connection: () => any;
  prefix: string;
}

/** BullMQ classes bound to the configured backend (Redis, or BullMQ's PostgreSQL backend). */
export function queueBackend(cfg: AppConfig['queue']): BoundBackend {
  if (cfg.backend === 'postgres') {
    return {
      classes: withBackend(createPostgresBackend) as BackendClasses<any, any>,
      connection: () => ({ connectionString: cfg.url, migrate: true, max: 5 }),
      prefix: cfg.prefix,
    };
  }
  return {
    classes: withBackend(createRedisBackend) as BackendClasses<any, any>,
    // null retries: workers block on the connection and must not give up during a Redis restart.
    connection: () => ({ url: cfg.url, maxRetriesPerRequest: null, enableOfflineQueue: true }),
    prefix: cfg.prefix,
  };
}
