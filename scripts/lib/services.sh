# Throwaway PostgreSQL and Redis on free loopback ports (sourced by test.sh and bench scripts).
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

services_start() {
  local dir=$1
  TEST_PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  TEST_PG_PORT=$(free_port)
  TEST_REDIS_PORT=$(free_port)
  mkdir -p "$dir/pg" "$dir/redis"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$dir/pg"
    PGRUN="su postgres -s /bin/sh -c"
  else
    PGRUN="sh -c"
  fi
  $PGRUN "$TEST_PG_BIN/initdb -D $dir/pg/data -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null"
  $PGRUN "$TEST_PG_BIN/pg_ctl -D $dir/pg/data -l $dir/pg/log -o '-p $TEST_PG_PORT -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300' -w start >/dev/null"
  "$TEST_PG_BIN/psql" -h 127.0.0.1 -p "$TEST_PG_PORT" -U postgres -qc 'CREATE DATABASE tsfm_test' >/dev/null
  # Append-only persistence on, as production should run it: the fault tests restart this Redis.
  redis-server --port "$TEST_REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save '' --appendonly yes \
    --dir "$dir/redis" --logfile "$dir/redis/log" --pidfile "$dir/redis/pid"
  for _ in $(seq 50); do redis-cli -p "$TEST_REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export PGRUN
  echo "postgres on 127.0.0.1:$TEST_PG_PORT, redis on 127.0.0.1:$TEST_REDIS_PORT"
}

services_stop() {
  local dir=$1
  [ -n "${TEST_REDIS_PORT:-}" ] && redis-cli -p "$TEST_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  [ -d "$dir/pg/data" ] && $PGRUN "$TEST_PG_BIN/pg_ctl -D $dir/pg/data -m immediate stop >/dev/null 2>&1" || true
}
