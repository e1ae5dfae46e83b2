import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '#config';
import { RateLimitsRepository } from '#db';

export interface RateDecision {
  limit: number;
  remaining: number;
  resetSec: number;
  allowed: boolean;
}

const WINDOW_MS = 60_000;

/**
 * Fixed one-minute windows per tenant, counted where every api replica sees them: in Redis, or in
 * PostgreSQL when the deployment runs without Redis. A counter outage lets requests through.
 */
@Injectable()
export class RateLimiter implements OnApplicationShutdown {
  private readonly log = new Logger('rate-limit');
  private readonly redis: Redis | null;
  private readonly limit: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: RateLimitsRepository,
  ) {
    this.limit = config.http.rateLimitPerMinute;
    this.redis =
      this.limit > 0 && config.queue.backend === 'redis'
        ? new Redis(config.queue.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false })
        : null;
    this.redis?.on('error', () => undefined);
  }

  async hit(tenantId: string, now = Date.now()): Promise<RateDecision | null> {
    if (this.limit <= 0) return null;
    const window = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    let count: number;
    try {
      if (this.redis) {
        const key = `${this.config.queue.prefix}:ratelimit:${tenantId}:${window}`;
        const res = await this.redis
          .multi()
          .incr(key)
          .pexpire(key, WINDOW_MS + 1000)
          .exec();
        count = Number(res?.[0]?.[1]);
      } else {
        count = await this.store.hit(tenantId, window);
      }
    } catch (err) {
      this.log.warn(`counter unavailable, not limiting: ${(err as Error).message}`);
      return null;
    }
    return {
      limit: this.limit,
      remaining: Math.max(0, this.limit - count),
      resetSec: Math.ceil((window + WINDOW_MS - now) / 1000),
      allowed: count <= this.limit,
    };
  }

  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }
}
