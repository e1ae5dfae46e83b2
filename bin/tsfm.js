#!/usr/bin/env node
// Entry point of the `tsfm` command; the implementation is compiled to dist/ by `npm run build`.
require('../dist/apps/cli/src/main.js');
