import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

@Injectable()
export class RateLimitsRepository {
  constructor(private readonly ds: DataSource) {}

  /** Counts one request in the tenant's fixed window and returns the count so far. */
  async hit(tenantId: string, windowStart: number): Promise<number> {
    const rows = await this.ds.query(
      `INSERT INTO rate_limits (tenant_id, window_start, count) VALUES ($1, $2, 1)
       ON CONFLICT (tenant_id, window_start) DO UPDATE SET count = rate_limits.count + 1 RETURNING count`,
      [tenantId, windowStart],
    );
    if (Math.random() < 0.01) void this.ds.query(`DELETE FROM rate_limits WHERE window_start < $1`, [windowStart]).catch(() => undefined);
    return rows[0].count;
  }
}
