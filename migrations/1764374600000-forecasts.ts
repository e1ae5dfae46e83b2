import { MigrationInterface, QueryRunner } from 'typeorm';

export class Forecasts1764374600000 implements MigrationInterface {
  name = 'Forecasts1764374600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE forecasts (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        job_id uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        model_id text NOT NULL,
        status text NOT NULL DEFAULT 'QUEUED'
          CHECK (status IN ('QUEUED','RUNNING','SUCCEEDED','PARTIALLY_SUCCEEDED','FAILED','CANCELLED')),
        request jsonb NOT NULL,
        series_ids uuid[] NOT NULL DEFAULT '{}',
        runtime jsonb,
        error_code text,
        error_message text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX forecasts_tenant_created_idx ON forecasts (tenant_id, created_at, id)`);
    await q.query(`CREATE INDEX forecasts_series_idx ON forecasts USING gin (series_ids)`);
    // One row per (forecast, series, channel): re-running a job overwrites, never duplicates.
    await q.query(`
      CREATE TABLE forecast_results (
        forecast_id uuid NOT NULL REFERENCES forecasts(id) ON DELETE CASCADE,
        series_key text NOT NULL,
        series_id uuid,
        channel text NOT NULL,
        status text NOT NULL CHECK (status IN ('SUCCEEDED','FAILED')),
        error_code text,
        error_message text,
        timestamps timestamptz[],
        levels float8[],
        quantiles jsonb,
        metadata jsonb,
        PRIMARY KEY (forecast_id, series_key, channel)
      )`);
    await q.query(`CREATE INDEX forecast_results_series_idx ON forecast_results (series_id)`);
    await q.query(`
      CREATE TABLE runtime_status (
        worker_id text PRIMARY KEY,
        models jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE runtime_status`);
    await q.query(`DROP TABLE forecast_results`);
    await q.query(`DROP TABLE forecasts`);
  }
}
