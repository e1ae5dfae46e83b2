import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API key scopes. Keys issued before scopes existed could do everything, so they become `admin`
 * (with `write` and `read`) and nobody is locked out; a key created later without scopes gets
 * `read` and `write` only (the column default), never `admin`.
 */
export class ApiKeyScopes1764375600000 implements MigrationInterface {
  name = 'ApiKeyScopes1764375600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys ADD COLUMN scopes text[] NOT NULL DEFAULT '{admin,write,read}'`);
    await q.query(`ALTER TABLE api_keys ALTER COLUMN scopes SET DEFAULT '{read,write}'`);
    await q.query(
      `ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check CHECK (cardinality(scopes) BETWEEN 1 AND 3 AND scopes <@ '{admin,write,read}'::text[])`,
    );
    // The maintenance purge deletes expired rows by age; the index on created_at already serves it.
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys DROP COLUMN scopes`);
  }
}
