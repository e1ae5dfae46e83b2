import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './env';

/**
 * A Node 18 binary (the oldest the SDK's `engines` allows), from the npm registry's
 * node-linux-<arch> package (the official build, packed for npm), cached under .tmp/node18.
 */
export function node18(): string {
  const dir = path.join(REPO_ROOT, '.tmp', 'node18');
  const bin = path.join(dir, 'package', 'bin', 'node');
  if (existsSync(bin)) return bin;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('npm', ['pack', `node-linux-${process.arch}@18`, '--silent'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 });
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack node-linux-${process.arch}@18 wrote no tarball`);
  execFileSync('tar', ['xzf', tgz], { cwd: dir });
  rmSync(path.join(dir, tgz));
  return bin;
}
