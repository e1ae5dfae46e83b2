#!/usr/bin/env node
// Builds dist/esm (+ dist/types) and dist/cjs with the repo's TypeScript, then marks each folder's
// module kind: the package has no "type", so tsc emits CommonJS under nodenext and dist/esm needs its marker.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
// The repository's TypeScript, found from this file: `npx tsc` run from libs/sdk (npm pack's prepack)
// would not see the root's node_modules/.bin and could fetch an unrelated "tsc" package instead.
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
for (const cfg of ['tsconfig.esm.json', 'tsconfig.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', path.join(root, cfg)], { stdio: 'inherit' });
}
for (const [dir, type] of [
  ['esm', 'module'],
  ['cjs', 'commonjs'],
]) {
  mkdirSync(path.join(root, 'dist', dir), { recursive: true });
  writeFileSync(path.join(root, 'dist', dir, 'package.json'), JSON.stringify({ type }) + '\n');
}
console.log('built libs/sdk/dist/{esm,cjs,types}');
