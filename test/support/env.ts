import { existsSync } from 'node:fs';
import path from 'node:path';

/** Set by scripts/test.sh, which starts throwaway PostgreSQL and Redis instances. */
export function testEnv() {
  const databaseUrl = process.env.TEST_DATABASE_URL;
  const redisUrl = process.env.TEST_REDIS_URL;
  if (!databaseUrl || !redisUrl) {
    throw new Error('TEST_DATABASE_URL and TEST_REDIS_URL are unset: run the suite through `npm test` (scripts/test.sh)');
  }
  return { databaseUrl, redisUrl };
}

// test/support from the sources, or dist/test/support when a benchmark runs compiled.
export const REPO_ROOT = path.resolve(__dirname, __dirname.split(path.sep).includes('dist') ? '../../..' : '../..');
/** The committed subsets of the real datasets that every test reads (see test/fixtures/README.md). */
export const FIXTURE_DIR = path.join(REPO_ROOT, 'test/fixtures/data');

/**
 * The full datasets (the folder `npm run eval` reads), for benchmarks whose workload is more than
 * the fixtures hold (every M4 hourly series, 100 series of 1,000 points).
 */
export function evalDataDir(): string {
  const dir = process.env.TSFM_EVAL_DATA;
  if (!dir || !existsSync(path.join(dir, 'datasets.csv'))) {
    throw new Error(
      `${dir ? `TSFM_EVAL_DATA=${dir} has no datasets.csv` : 'TSFM_EVAL_DATA is unset'}: this benchmark reads the full datasets; ` +
        'set TSFM_EVAL_DATA to the data folder described in docs/ACCURACY.md (the 17 long-format CSVs under m3/, m4/, tourism/, ... and their datasets.csv)',
    );
  }
  return dir;
}
