import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
const SELF = path.relative(ROOT, __filename);
// Paths of the machine the project grew up on: a clone elsewhere has none of them, so no tracked
// file may depend on (or point a reader to) them.
const MACHINE_PATHS = ['/work/', '../shared/', '/root/'];

/** Tracked text files (the working tree's copies) that contain one of the strings, as `file:line:text`. */
function trackedHits(strings: string[], pathspec: string[]): string[] {
  const r = spawnSync('git', ['grep', '-n', '-I', '-F', ...strings.flatMap((s) => ['-e', s]), '--', ...pathspec], { cwd: ROOT, encoding: 'utf8' });
  // git grep: 0 = matches, 1 = none, anything else = it could not search.
  if (r.status !== 0 && r.status !== 1) throw new Error(`git grep failed (${r.status}): ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

describe.runIf(existsSync(path.join(ROOT, '.git')))('repository hygiene', () => {
  it('no tracked file names a path of the development machine (/work/..., ../shared/, /root/)', () => {
    expect(trackedHits(MACHINE_PATHS, ['.', `:!${SELF}`])).toEqual([]);
  });

  it('the search finds each such path where there is one (this file, which names them)', () => {
    for (const p of MACHINE_PATHS) expect(trackedHits([p], [SELF]), p).not.toEqual([]);
  });
});
