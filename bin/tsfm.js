#!/usr/bin/env node
// Entry point of the `tsfm` command; the implementation is compiled to dist/ by `npm run build`.
const path = require('node:path');
const main = path.join(__dirname, '../dist/apps/cli/src/main.js');
if (!require('node:fs').existsSync(main)) {
  // A fresh checkout has no dist/: say what to run instead of a MODULE_NOT_FOUND stack.
  process.stderr.write(
    `tsfm: not built yet (${path.relative(process.cwd(), main) || main} is missing): run npm ci && npm run build in ${path.resolve(__dirname, '..')}\n`,
  );
  process.exit(1);
}
require(main);
