// Prints one closing line over every runner: "N passed, N failed, N skipped".
const fs = require('fs');
const [pytestLog, vitestJson] = process.argv.slice(2);
let passed = 0,
  failed = 0,
  skipped = 0;
try {
  const tail = fs.readFileSync(pytestLog, 'utf8').trim().split('\n').pop() || '';
  const grab = (w) => Number((tail.match(new RegExp(`(\\d+) ${w}`)) || [0, 0])[1]);
  passed += grab('passed');
  failed += grab('failed') + grab('error');
  skipped += grab('skipped');
} catch {
  /* no python suite ran */
}
try {
  const r = JSON.parse(fs.readFileSync(vitestJson, 'utf8'));
  passed += r.numPassedTests;
  // A suite that failed outside its tests (import error) counts once; otherwise count tests.
  failed += r.numFailedTests || r.numFailedTestSuites || (r.success === false ? 1 : 0);
  skipped += r.numPendingTests + (r.numTodoTests || 0);
} catch {
  failed += 1;
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
