import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Server, createServer } from 'node:http';
import { APP_CONFIG, AppConfig } from '#config';
import { TransactionRunner } from '#db';
import { JobQueueService } from '#jobs';
import { ModelRuntime } from '#model-runtime';
import { WorkerHost } from '../worker-host.service';
import { WorkerMetrics } from './worker-metrics';

/** The worker serves no API, only /health, /health/live, /health/ready and /metrics on its own port. */
@Injectable()
export class HealthServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: TransactionRunner,
    private readonly queue: JobQueueService,
    private readonly host: WorkerHost,
    private readonly metrics: WorkerMetrics,
    private readonly runtime: ModelRuntime,
  ) {}

  onApplicationBootstrap(): void {
    this.server = createServer(async (req, res) => {
      const send = (status: number, body: unknown, type = 'application/json') => {
        res.writeHead(status, { 'Content-Type': type });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      if (req.url === '/health/live') return send(200, { status: 'ok' });
      if (req.url === '/health') {
        // The api's summary shape: the probes' paths and states, no error text.
        const ok =
          this.host.running() &&
          (await Promise.all([this.db.ping(), this.queue.ping()]).then(
            () => true,
            () => false,
          ));
        const ready = ok ? 'ok' : 'unavailable';
        return send(200, { status: ready, live: { path: '/health/live', status: 'ok' }, ready: { path: '/health/ready', status: ready } });
      }
      if (req.url === '/metrics') return send(200, await this.metrics.registry.metrics(), 'text/plain; version=0.0.4');
      if (req.url === '/health/ready') {
        const checks = {
          database: await this.db.ping().then(
            () => ({ ok: true }),
            (e: Error) => ({ ok: false, error: e.message }),
          ),
          queue: await this.queue.ping().then(
            () => ({ ok: true }),
            (e: Error) => ({ ok: false, error: e.message }),
          ),
          consumers: { ok: this.host.running() },
        };
        const ok = Object.values(checks).every((c) => c.ok);
        const models = this.runtime.models().map((m) => ({ id: m.entry.id, provider: m.provider, batching: m.batching }));
        return send(ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', checks, models });
      }
      send(404, { error: { code: 'NOT_FOUND', message: 'Not found' } });
    });
    this.server.listen(this.config.worker.healthPort, this.config.http.host, () => {
      new Logger('worker').log(`health on http://${this.config.http.host}:${this.config.worker.healthPort}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise((r) => this.server?.close(r) ?? r(undefined));
  }
}
