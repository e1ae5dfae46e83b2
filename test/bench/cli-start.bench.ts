/**
 * Start and stop of a one-series `tsfm forecast`: this tree's CLI against an older commit's, run
 * alternately on the same input, wall time per process, medians and their ratio in one run.
 * The old commit is checked out with `git worktree` into a temporary folder (node_modules linked,
 * built there with tsc) and removed afterwards.
 * Run: npm run bench -- cli-start   (BENCH_BASE commit, default 804c854; BENCH_RUNS, default 5)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSeries } from '../support/data';

const REPO = path.resolve(__dirname, '../../..');
const BASE = process.env.BENCH_BASE ?? '804c854';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MODELS = ['ssm-small', 'xlstm-small'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function once(root: string, input: string, model: string, out: string): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [path.join(root, 'bin/tsfm.js'), 'forecast', '--input', input, '--horizon', '12', '--model', model, '--output', out], {
    encoding: 'utf8',
    env: { ...process.env, TSFM_MODELS_DIR: path.join(root, 'models') },
  });
  const s = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${root}: exit ${r.status}: ${r.stderr}`);
  return s;
}

function main(): void {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tsfm-cli-start-'));
  const old = path.join(tmp, 'old');
  try {
    const [s] = readSeries('m4/m4_hourly.csv', { limit: 1 });
    const input = path.join(tmp, 'one.csv');
    writeFileSync(input, ['series_id,timestamp,value', ...s.timestamps.map((t, i) => `${s.id},${t},${s.values[i] ?? ''}`)].join('\n') + '\n');
    console.error(`building ${BASE} in ${old}`);
    execFileSync('git', ['-C', REPO, 'worktree', 'add', '--detach', old, BASE], { stdio: 'ignore' });
    symlinkSync(path.join(REPO, 'node_modules'), path.join(old, 'node_modules'));
    execFileSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', path.join(old, 'tsconfig.build.json')], { stdio: 'inherit' });
    console.log(`one-series tsfm forecast (${s.id}, ${s.values.length} points, horizon 12), ${RUNS} runs each, alternating; wall seconds per process`);
    console.log('model | old (' + BASE + ') median | new median | old / new | new runs');
    for (const model of MODELS) {
      const a: number[] = [];
      const b: number[] = [];
      once(REPO, input, model, path.join(tmp, 'warm.csv')); // page cache: both trees read the same node_modules
      for (let i = 0; i < RUNS; i++) {
        a.push(once(old, input, model, path.join(tmp, 'old.csv')));
        b.push(once(REPO, input, model, path.join(tmp, 'new.csv')));
      }
      console.log(
        `${model} | ${median(a).toFixed(2)} | ${median(b).toFixed(2)} | ${(median(a) / median(b)).toFixed(2)}x | ${b.map((x) => x.toFixed(2)).join(' ')}`,
      );
    }
  } finally {
    spawnSync('git', ['-C', REPO, 'worktree', 'remove', '--force', old], { stdio: 'ignore' });
    rmSync(tmp, { recursive: true, force: true });
  }
}

main();
