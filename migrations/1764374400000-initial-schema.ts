import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764374400000 implements MigrationInterface {
  name = 'InitialSchema1764374400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        prefix text NOT NULL UNIQUE,
        salt bytea NOT NULL,
        hash bytea NOT NULL,
        name text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id)`);
    await q.query(`
      CREATE TABLE series (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        channels text[] NOT NULL CHECK (cardinality(channels) BETWEEN 1 AND 256),
        frequency text,
        timezone text NOT NULL DEFAULT 'UTC',
        tags text[] NOT NULL DEFAULT '{}',
        metadata jsonb NOT NULL DEFAULT '{}',
        stats jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, name)
      )`);
    await q.query(`CREATE INDEX series_tenant_created_idx ON series (tenant_id, created_at, id)`);
    await q.query(`CREATE INDEX series_tags_idx ON series USING gin (tags)`);
    // One row per timestamp; one array element per channel, SQL NULL = missing.
    await q.query(`
      CREATE TABLE observations (
        series_id uuid NOT NULL REFERENCES series(id) ON DELETE CASCADE,
        ts timestamptz NOT NULL,
        "values" float8[] NOT NULL,
        PRIMARY KEY (series_id, ts)
      )`);
    await q.query(`
      CREATE TABLE jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        type text NOT NULL,
        state text NOT NULL DEFAULT 'QUEUED'
          CHECK (state IN ('QUEUED','RUNNING','SUCCEEDED','PARTIALLY_SUCCEEDED','FAILED','CANCELLED')),
        attempt int NOT NULL DEFAULT 0,
        max_attempts int NOT NULL DEFAULT 3,
        progress jsonb,
        payload jsonb NOT NULL,
        result jsonb,
        error_code text,
        error_message text,
        cancel_requested boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX jobs_tenant_created_idx ON jobs (tenant_id, created_at, id)`);
    await q.query(`CREATE INDEX jobs_open_idx ON jobs (state, created_at) WHERE state IN ('QUEUED','RUNNING')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE jobs`);
    await q.query(`DROP TABLE observations`);
    await q.query(`DROP TABLE series`);
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE tenants`);
  }
}
