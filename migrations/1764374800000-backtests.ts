import { MigrationInterface, QueryRunner } from 'typeorm';

export class Backtests1764374800000 implements MigrationInterface {
  name = 'Backtests1764374800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE backtests (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        job_id uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'QUEUED'
          CHECK (status IN ('QUEUED','RUNNING','SUCCEEDED','PARTIALLY_SUCCEEDED','FAILED','CANCELLED')),
        request jsonb NOT NULL,
        models text[] NOT NULL,
        series_ids uuid[] NOT NULL DEFAULT '{}',
        metrics jsonb,
        series jsonb,
        runtime jsonb,
        error_code text,
        error_message text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX backtests_tenant_created_idx ON backtests (tenant_id, created_at, id)`);
    // One row per (backtest, model, series, channel, window): a retried job replaces, never duplicates.
    await q.query(`
      CREATE TABLE backtest_forecasts (
        backtest_id uuid NOT NULL REFERENCES backtests(id) ON DELETE CASCADE,
        model_id text NOT NULL,
        series_id uuid NOT NULL,
        channel text NOT NULL,
        window_index int NOT NULL,
        origin timestamptz NOT NULL,
        timestamps timestamptz[] NOT NULL,
        actuals float8[] NOT NULL,
        levels float8[] NOT NULL,
        quantiles jsonb NOT NULL,
        PRIMARY KEY (backtest_id, model_id, series_id, channel, window_index)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE backtest_forecasts`);
    await q.query(`DROP TABLE backtests`);
  }
}
