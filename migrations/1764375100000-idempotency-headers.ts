import { MigrationInterface, QueryRunner } from 'typeorm';

/** Replays carry the first response's headers that matter to a client (Location). */
export class IdempotencyHeaders1764375100000 implements MigrationInterface {
  name = 'IdempotencyHeaders1764375100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idempotency_keys ADD COLUMN response_headers jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idempotency_keys DROP COLUMN response_headers`);
  }
}
