import { MigrationInterface, QueryRunner } from 'typeorm';

/** Rate-limit counters for deployments without Redis (the embedded default); Redis holds them otherwise. */
export class RateLimits1764374700000 implements MigrationInterface {
  name = 'RateLimits1764374700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE rate_limits (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        window_start bigint NOT NULL,
        count int NOT NULL,
        PRIMARY KEY (tenant_id, window_start)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rate_limits`);
  }
}
