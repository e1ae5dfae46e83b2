import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { createDataSource } from '#db';
import { MIGRATIONS } from '../../migrations';
import { createScratchDatabase } from '../support/database';

const TABLES = [
  'api_keys',
  'backtest_forecasts',
  'backtests',
  'finetunes',
  'forecast_results',
  'forecasts',
  'idempotency_keys',
  'jobs',
  'model_graphs',
  'model_heads',
  'observations',
  'rate_limits',
  'runtime_status',
  'schedule_runs',
  'schedules',
  'series',
  'tenants',
];

describe('migrations', () => {
  let db: Awaited<ReturnType<typeof createScratchDatabase>>;
  let ds: DataSource;
  const tables = async () =>
    (await ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY 1`)).map(
      (r: { tablename: string }) => r.tablename,
    );

  beforeAll(async () => {
    db = await createScratchDatabase('mig');
    ds = await createDataSource(db.url, 2).initialize();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('runs up on an empty database, down to nothing, and up again', async () => {
    expect(await tables()).toEqual([]);
    const ran = await ds.runMigrations({ transaction: 'each' });
    expect(ran.map((m) => m.name)).toEqual(MIGRATIONS.map((M) => new M().name));
    expect(await tables()).toEqual(TABLES);
    for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    expect(await tables()).toEqual([]);
    await ds.runMigrations({ transaction: 'each' });
    expect(await tables()).toEqual(TABLES);
  });

  it('stores observations as timestamptz keyed rows with SQL NULL for a missing channel', async () => {
    const cols = await ds.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'observations' ORDER BY ordinal_position`);
    expect(cols).toEqual([
      { column_name: 'series_id', data_type: 'uuid' },
      { column_name: 'ts', data_type: 'timestamp with time zone' },
      { column_name: 'values', data_type: 'ARRAY' },
    ]);
  });
});
