import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { TransactionRunner } from '#db';
import { JobQueueService } from '#jobs';

/** Prometheus metrics for the api: HTTP durations, queue depth and job outcomes (from the jobs table). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly http = new Histogram({
    name: 'tsfm_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  constructor(db: TransactionRunner, queue: JobQueueService) {
    collectDefaultMetrics({ register: this.registry, prefix: 'tsfm_api_' });
    new Gauge({
      name: 'tsfm_queue_jobs',
      help: 'Jobs in the queue backend by queue and state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        const depths = await queue.depths().catch(() => ({}) as Record<string, Record<string, number>>);
        for (const [q, counts] of Object.entries(depths)) for (const [state, n] of Object.entries(counts)) this.set({ queue: q, state }, n);
      },
    });
    new Gauge({
      name: 'tsfm_jobs',
      help: 'Jobs recorded in PostgreSQL by type and state (outcomes)',
      labelNames: ['type', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        const rows = await db
          .query<{ type: string; state: string; n: string }>(`SELECT type, state, count(*) AS n FROM jobs GROUP BY type, state`)
          .catch(() => []);
        for (const r of rows) this.set({ type: r.type, state: r.state }, Number(r.n));
      },
    });
  }

  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      const end = this.http.startTimer();
      res.on('finish', () => {
        // Route patterns, not raw paths, keep the label set bounded.
        const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
        end({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    };
  }
}
