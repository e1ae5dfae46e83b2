import { MigrationInterface, QueryRunner } from 'typeorm';

export class Finetunes1764375000000 implements MigrationInterface {
  name = 'Finetunes1764375000000';

  async up(q: QueryRunner): Promise<void> {
    // Content-addressed head weights (safetensors bytes): two identical fine-tunes share one row.
    await q.query(`
      CREATE TABLE model_heads (
        sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        base_model text NOT NULL,
        data bytea NOT NULL,
        bytes integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Whole graphs of `full` fine-tunes (ONNX bytes), content-addressed like the heads.
    await q.query(`
      CREATE TABLE model_graphs (
        sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        base_model text NOT NULL,
        entry jsonb NOT NULL,
        data bytea NOT NULL,
        bytes integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // A fine-tune job and, once it succeeds, the tenant's model of that name.
    await q.query(`
      CREATE TABLE finetunes (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        job_id uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        name text NOT NULL CHECK (name ~ '^[A-Za-z0-9_-]{1,36}$'),
        base_model text NOT NULL,
        method text NOT NULL CHECK (method IN ('head','full')),
        params jsonb NOT NULL,
        status text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED','RUNNING','SUCCEEDED','FAILED','CANCELLED')),
        progress jsonb,
        metrics jsonb,
        head_sha256 text REFERENCES model_heads(sha256),
        graph_sha256 text REFERENCES model_graphs(sha256),
        error_code text,
        error_message text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        CHECK (status <> 'SUCCEEDED' OR head_sha256 IS NOT NULL),
        CHECK (method = 'full' OR graph_sha256 IS NULL)
      )`);
    await q.query(`CREATE UNIQUE INDEX finetunes_tenant_name_idx ON finetunes (tenant_id, name)`);
    await q.query(`CREATE INDEX finetunes_tenant_created_idx ON finetunes (tenant_id, created_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE finetunes`);
    await q.query(`DROP TABLE model_heads`);
    await q.query(`DROP TABLE model_graphs`);
  }
}
