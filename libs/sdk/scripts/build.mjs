#!/usr/bin/env node
// Builds dist/esm (+ dist/types) and dist/cjs with the repo's TypeScript, then marks each folder's
// module kind: the package has no "type", so tsc emits CommonJS under nodenext and dist/esm needs its marker.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
for (const cfg of ['tsconfig.esm.json', 'tsconfig.cjs.json']) {
  execFileSync('npx', ['tsc', '-p', path.join(root, cfg)], { stdio: 'inherit' });
}
for (const [dir, type] of [['esm', 'module'], ['cjs', 'commonjs']]) {
  mkdirSync(path.join(root, 'dist', dir), { recursive: true });
  writeFileSync(path.join(root, 'dist', dir, 'package.json'), JSON.stringify({ type }) + '\n');
}
console.log('built libs/sdk/dist/{esm,cjs,types}');
