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
export const DATA_DIR = process.env.TSFM_DATA_DIR ?? path.resolve(REPO_ROOT, '../shared/data');
