import { MigrationInterface, QueryRunner } from 'typeorm';

export class ScheduleLimits1764375200000 implements MigrationInterface {
  name = 'ScheduleLimits1764375200000';

  async up(q: QueryRunner): Promise<void> {
    // A skipped run says why in words with its numbers (e.g. how many series the tag matched against the cap).
    await q.query(`ALTER TABLE schedule_runs ADD COLUMN reason_message text`);
    // Each schedule tick counts its tenant's waiting forecasts: one small index range, not every open job.
    await q.query(`CREATE INDEX jobs_tenant_queued_idx ON jobs (tenant_id, type) WHERE state = 'QUEUED'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX jobs_tenant_queued_idx`);
    await q.query(`ALTER TABLE schedule_runs DROP COLUMN reason_message`);
  }
}
