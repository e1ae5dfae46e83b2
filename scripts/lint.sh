#!/usr/bin/env bash
# npm run lint: ESLint (TypeScript and JavaScript, eslint.config.mjs), Prettier's check (.prettierrc.json,
# .prettierignore) and flake8 (Python, .flake8). Each runs even when another fails; any finding fails.
# npm run format applies what ESLint and Prettier can fix.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0

echo "eslint"
npx --no-install eslint . --max-warnings 0 || status=1

echo "prettier --check"
npx --no-install prettier --check --log-level warn . || status=1

echo "flake8"
if command -v flake8 >/dev/null 2>&1; then
  flake8 . || status=1
else
  echo "flake8 is not installed (Debian/Ubuntu: apt-get install flake8, which npm test does; elsewhere: pip install flake8)" >&2
  status=1
fi

exit $status
