import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Job outcomes and durations as seen by this worker process. */
@Injectable()
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly outcomes = new Counter({
    name: 'tsfm_worker_jobs_total',
    help: 'Jobs processed by outcome',
    labelNames: ['name', 'outcome'],
    registers: [this.registry],
  });
  private readonly durations = new Histogram({
    name: 'tsfm_worker_job_duration_seconds',
    help: 'Job processing duration',
    labelNames: ['name'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tsfm_worker_' });
  }

  jobStarted(name: string): (outcome: 'completed' | 'failed') => void {
    const end = this.durations.startTimer({ name });
    return (outcome) => {
      end();
      this.outcomes.inc({ name, outcome });
    };
  }
}
