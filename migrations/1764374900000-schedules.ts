import { MigrationInterface, QueryRunner } from 'typeorm';

export class Schedules1764374900000 implements MigrationInterface {
  name = 'Schedules1764374900000';

  async up(q: QueryRunner): Promise<void> {
    // model_id is its own column so "is this model used by a schedule?" is one indexed query.
    await q.query(`
      CREATE TABLE schedules (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        cron text NOT NULL,
        timezone text NOT NULL,
        series_ids uuid[],
        tag text,
        model_id text NOT NULL,
        template jsonb NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        overlap text NOT NULL CHECK (overlap IN ('skip','queue')),
        catch_up boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((series_ids IS NULL) <> (tag IS NULL)),
        UNIQUE (tenant_id, name)
      )`);
    await q.query(`CREATE INDEX schedules_tenant_created_idx ON schedules (tenant_id, created_at, id)`);
    await q.query(`CREATE INDEX schedules_model_idx ON schedules (tenant_id, model_id)`);
    // One row per (schedule, tick): a redelivered or duplicated tick finds its row and does nothing.
    await q.query(`
      CREATE TABLE schedule_runs (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        schedule_id uuid NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
        scheduled_for timestamptz NOT NULL,
        state text NOT NULL
          CHECK (state IN ('QUEUED','RUNNING','SUCCEEDED','PARTIALLY_SUCCEEDED','FAILED','SKIPPED')),
        reason text,
        catch_up boolean NOT NULL DEFAULT false,
        series_queued int NOT NULL DEFAULT 0,
        series_succeeded int NOT NULL DEFAULT 0,
        series_failed int NOT NULL DEFAULT 0,
        job_ids uuid[] NOT NULL DEFAULT '{}',
        forecast_ids uuid[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        UNIQUE (schedule_id, scheduled_for)
      )`);
    await q.query(`CREATE INDEX schedule_runs_list_idx ON schedule_runs (schedule_id, scheduled_for DESC)`);
    await q.query(`CREATE INDEX schedule_runs_open_idx ON schedule_runs (schedule_id) WHERE state IN ('QUEUED','RUNNING')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE schedule_runs`);
    await q.query(`DROP TABLE schedules`);
  }
}
