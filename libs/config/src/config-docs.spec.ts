import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Keep the docs true: every variable parseConfig reads has a row in the README's configuration table.
describe('README configuration table', () => {
  it('lists every environment variable parseConfig reads', () => {
    const schema = readFileSync(path.join(__dirname, 'config.schema.ts'), 'utf8');
    const read = [...schema.matchAll(/\br\('([A-Z0-9_]+)'/g)].map((m) => m[1]);
    expect(read).toEqual(expect.arrayContaining(['DATABASE_URL', 'TSFM_CORS_ORIGINS', 'TSFM_RATE_LIMIT_PER_MINUTE']));
    const readme = readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
    const config = readme.split('\n## Configuration')[1].split('\n## ')[0];
    const rows = config.split('\n').filter((l) => l.startsWith('| `'));
    const missing = read.filter((v) => !rows.some((row) => row.split('|')[1].includes(`\`${v}\``)));
    expect(missing).toEqual([]);
  });
});
