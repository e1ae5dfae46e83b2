#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what is missing (apt + npm), starts
# throwaway PostgreSQL and Redis on free loopback ports, runs every suite, and stops them again.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export ONNXRUNTIME_NODE_INSTALL=skip
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
PY=/usr/bin/python3

log() { printf '\n== %s\n' "$*"; }

# --- system packages -------------------------------------------------------------------------
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
$PY -c 'import torch, onnx, numpy, pytest' >/dev/null 2>&1 || need+=(python3-torch python3-onnx python3-numpy python3-pytest)
$PY -c 'import scipy' >/dev/null 2>&1 || need+=(python3-scipy)
$PY -c 'import statsmodels' >/dev/null 2>&1 || need+=(python3-statsmodels)
command -v chromium >/dev/null 2>&1 || need+=(chromium)  # the SDK's browser test (test/sdk/sdk-browser.e2e-spec.ts)
command -v flake8 >/dev/null 2>&1 || need+=(flake8)  # npm run lint's Python part (.flake8)
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --- node dependencies and build -----------------------------------------------------------------
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund
fi
log "build"
npm run -s build

# --- throwaway services -----------------------------------------------------------------------
source scripts/lib/services.sh
TEST_TMP=$(mktemp -d /tmp/tsfm-test.XXXXXX)
chmod 755 "$TEST_TMP"
trap 'services_stop "$TEST_TMP"; rm -rf "$TEST_TMP"' EXIT
services_start "$TEST_TMP"
export TEST_TMP TEST_PG_PORT TEST_REDIS_PORT TEST_PG_BIN
export TEST_REDIS_DIR="$TEST_TMP/redis" TEST_PG_DATA="$TEST_TMP/pg/data"
export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$TEST_PG_PORT/tsfm_test"
export TEST_REDIS_URL="redis://127.0.0.1:$TEST_REDIS_PORT"

# --- suites ---------------------------------------------------------------------------------------
mkdir -p .tmp
status=0
log "lint: ESLint, Prettier, flake8 (npm run lint)"
npm run -s lint || status=1

log "openapi document matches the committed copy"
node dist/apps/api/src/cli/openapi-write.js --check || status=1

log "pytest (models/toolchain)"
: > .tmp/pytest.log
if [ -d models/toolchain/tests ]; then
  set +e
  (cd models && PYTHONPATH=. $PY -m pytest -q -p no:cacheprovider toolchain/tests 2>&1) | tee .tmp/pytest.log
  py_rc=${PIPESTATUS[0]}
  set -e
  # 5 = no tests collected: not a failure of the suite itself.
  [ "$py_rc" -eq 0 ] || [ "$py_rc" -eq 5 ] || status=1
fi

log "vitest (unit, models, e2e)"
set +e
npx vitest run --reporter=default --reporter=json --outputFile=.tmp/vitest.json
vt_rc=$?
set -e
[ "$vt_rc" -eq 0 ] || status=1

# CI's checkout has the development data folder beside it; a user's clone has nothing there. So the
# unit suite also runs in a clone of HEAD (committed files only) alone in a fresh /tmp folder,
# sharing node_modules, without TSFM_EVAL_DATA: it must need nothing outside the repository.
log "unit tests in a fresh clone of HEAD, nothing beside it"
if git -C "$ROOT" rev-parse --verify -q HEAD >/dev/null 2>&1; then
  mkdir "$TEST_TMP/clone"
  set +e
  git -c advice.detachedHead=false clone -q "$ROOT" "$TEST_TMP/clone/tsfm" && ln -s "$ROOT/node_modules" "$TEST_TMP/clone/tsfm/node_modules" \
    && (cd "$TEST_TMP/clone/tsfm" && env -u TSFM_EVAL_DATA npx vitest run --project unit)
  clone_rc=$?
  set -e
  rm -rf "$TEST_TMP/clone"
  [ "$clone_rc" -eq 0 ] || status=1
else
  echo "not a git checkout: skipped"
fi

node scripts/lib/summary.js .tmp/pytest.log .tmp/vitest.json
exit $status
