import { MigrationInterface, QueryRunner } from 'typeorm';

export class JobDoneNotify1764375750000 implements MigrationInterface {
  name = 'JobDoneNotify1764375750000';

  async up(q: QueryRunner): Promise<void> {
    // Every move of a job into a final state notifies 'tsfm_job_done' with its id, whoever makes it
    // (worker, cancel, reconciler). NOTIFY is delivered at commit, so a listener that reads the job
    // then sees its results too; a sync request waits on this instead of polling.
    await q.query(`
      CREATE FUNCTION tsfm_notify_job_done() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('tsfm_job_done', NEW.id::text);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER jobs_done_notify AFTER UPDATE OF state ON jobs FOR EACH ROW
      WHEN (NEW.state IN ('SUCCEEDED','PARTIALLY_SUCCEEDED','FAILED','CANCELLED') AND OLD.state IS DISTINCT FROM NEW.state)
      EXECUTE FUNCTION tsfm_notify_job_done()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER jobs_done_notify ON jobs`);
    await q.query(`DROP FUNCTION tsfm_notify_job_done()`);
  }
}
