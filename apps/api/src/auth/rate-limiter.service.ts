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
/** Client addresses tracked per window for failed authentications; past it every new one is refused. */
const MAX_UNKNOWN_CLIENTS = 100_000;

/**
 * Fixed one-minute windows per tenant, counted where every api replica sees them: in Redis, or in
 * PostgreSQL when the deployment runs without Redis. While the counter is unreachable, requests are
 * refused ('unavailable', TSFM_RATE_LIMIT_ON_ERROR=closed, the default) or let through (open).
 *
 * Requests with unknown keys have no tenant to count against; they are counted per client address in
 * this process's memory, which cannot fail, so a stream of bad keys is refused even during an outage.
 */
@Injectable()
export class RateLimiter implements OnApplicationShutdown {
  private readonly log = new Logger('rate-limit');
  private readonly redis: Redis | null;
  private readonly limit: number;
  private unknown = { window: 0, counts: new Map<string, number>() };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: RateLimitsRepository,
  ) {
    this.limit = config.http.rateLimitPerMinute;
    this.redis =
      this.limit > 0 && config.queue.backend === 'redis'
        ? // Failing closed makes a Redis blip an outage of the api: reconnect quickly, and let a request
          // wait (at most a second) for the reconnect instead of failing while it is under way.
          new Redis(config.queue.url, {
            maxRetriesPerRequest: 2,
            enableOfflineQueue: true,
            commandTimeout: 1000,
            retryStrategy: (times) => Math.min(times * 50, 500),
            lazyConnect: false,
          })
        : null;
    this.redis?.on('error', () => undefined);
  }

  async hit(tenantId: string, now = Date.now()): Promise<RateDecision | 'unavailable' | null> {
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
      const closed = this.config.http.rateLimitOnError === 'closed';
      this.log.warn(`counter unavailable, ${closed ? 'refusing requests' : 'not limiting'}: ${(err as Error).message}`);
      return closed ? 'unavailable' : null;
    }
    return this.decide(count, window, now);
  }

  /** Counts a failed authentication from a client address (same limit per minute as a tenant). */
  hitUnknown(client: string, now = Date.now()): RateDecision | null {
    if (this.limit <= 0) return null;
    const window = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    if (this.unknown.window !== window) this.unknown = { window, counts: new Map() };
    const seen = this.unknown.counts.get(client);
    if (seen === undefined && this.unknown.counts.size >= MAX_UNKNOWN_CLIENTS) return this.decide(this.limit + 1, window, now);
    const count = (seen ?? 0) + 1;
    this.unknown.counts.set(client, count);
    return this.decide(count, window, now);
  }

  private decide(count: number, window: number, now: number): RateDecision {
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
