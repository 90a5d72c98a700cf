#!/usr/bin/env bash
# `make test`: use the PostgreSQL and Redis reachable on loopback, or start throw-away ones,
# then run the whole suite. Says which it used. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
tmp=$(mktemp -d /tmp/coc-test.XXXXXX)
chmod 755 "$tmp"
pg_started="" redis_pid=""

cleanup() {
  trap - INT TERM EXIT
  if [ -n "$pg_started" ]; then as_pg "$pg_ctl" -D "$tmp/pg" -m immediate stop >/dev/null 2>&1 || true; fi
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup INT TERM EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_ok() { .venv/bin/python - "$1" <<'PY' >/dev/null 2>&1
import sys, psycopg
psycopg.connect(sys.argv[1].replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3).close()
PY
}

# COC_TEST_OWN_SERVICES=1 skips the look-around and always starts throw-away servers
own=${COC_TEST_OWN_SERVICES:-}

# PostgreSQL
if [ -z "$own" ] && [ -n "${COC_TEST_DATABASE_URL:-}" ] && pg_ok "$COC_TEST_DATABASE_URL"; then
  echo "test: PostgreSQL from COC_TEST_DATABASE_URL"
else
  found=""
  [ -n "$own" ] || for url in "postgresql://postgres@127.0.0.1:5432/postgres" "postgresql://$(id -un)@127.0.0.1:5432/test" \
             "postgresql://postgres@127.0.0.1:5432/test"; do
    if pg_ok "$url"; then found=$url; break; fi
  done
  if [ -n "$found" ]; then
    export COC_TEST_DATABASE_URL=$found
    echo "test: using the PostgreSQL already running on 127.0.0.1:5432"
  else
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    pg_ctl="$bindir/pg_ctl"
    port=$(free_port)
    mkdir -p "$tmp/pg" "$tmp/sock"
    [ "$(id -u)" = 0 ] && chown postgres "$tmp/pg" "$tmp/sock"
    as_pg "$bindir/initdb" -D "$tmp/pg" -A trust -U postgres >/dev/null
    as_pg "$pg_ctl" -D "$tmp/pg" -l "$tmp/sock/pg.log" -w \
      -o "-p $port -k $tmp/sock -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    pg_started=1
    export COC_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    echo "test: started a throw-away PostgreSQL on port $port"
  fi
fi

# Redis
if [ -z "$own" ] && [ -n "${COC_TEST_REDIS_URL:-}" ]; then
  echo "test: Redis from COC_TEST_REDIS_URL"
elif [ -z "$own" ] && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  export COC_TEST_REDIS_URL="redis://127.0.0.1:6379/15"
  echo "test: using the Redis already running on 127.0.0.1:6379 (database 15)"
else
  port=$(free_port)
  redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$tmp" \
    --logfile "$tmp/redis.log" &
  redis_pid=$!
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export COC_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
  echo "test: started a throw-away Redis on port $port"
fi

export COC_CHROMIUM=${COC_CHROMIUM:-$(command -v chromium || true)}
set +e
python -m pytest "$@"
status=$?
set -e
exit $status
