import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '#config';
import { IdempotencyRepository } from '#db';

/**
 * Deletes idempotency records past their 24-hour window (a replay would start afresh anyway), so the
 * table holds one day of responses, not all of them. Every worker runs it; the DELETE is idempotent.
 */
@Injectable()
export class IdempotencyPurger implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('idempotency-purge');
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: IdempotencyRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge(), this.config.worker.idempotencyPurgeMs);
    this.timer.unref();
  }

  async purge(): Promise<number> {
    try {
      const n = await this.store.purgeExpired();
      if (n) this.log.log(`purged ${n} expired idempotency record(s)`);
      return n;
    } catch (err) {
      this.log.warn(`purge failed: ${(err as Error).message}`);
      return 0;
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
