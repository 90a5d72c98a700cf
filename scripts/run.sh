#!/usr/bin/env bash
# `make run`: embedded defaults, migrations, demo data, then web + worker + scheduler via honcho.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export COC_VAR_DIR=${COC_VAR_DIR:-$PWD/var}
port=${PORT:-5000}
mkdir -p "$COC_VAR_DIR"
chmod 700 "$COC_VAR_DIR"

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "${redis_pid:-}" ] && { kill -TERM "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; }
  echo "run: stopped."
}
trap cleanup INT TERM EXIT

if [ -z "${REDIS_URL:-}" ]; then
  redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$COC_VAR_DIR/redis"
  # its own session: Ctrl-C reaches it through cleanup, after the workers have stopped
  setsid redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$COC_VAR_DIR/redis" \
    --save 60 1 --appendonly no --logfile "$COC_VAR_DIR/redis/redis.log" &
  redis_pid=$!
  export REDIS_URL="redis://127.0.0.1:$redis_port/0"
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  echo "run: started redis-server on port $redis_port (data kept in $COC_VAR_DIR/redis)"
fi

coc-service db upgrade
coc-service seed-demo > "$COC_VAR_DIR/demo-logins.txt"

honcho start -f Procfile -p "$port" &
pids+=($!)
for _ in $(seq 120); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "${pids[0]}" 2>/dev/null || { echo "run: the service failed to start" >&2; exit 1; }
  sleep 0.5
done
echo
echo "  coc-service is running at http://127.0.0.1:$port"
sed 's/^/  /' "$COC_VAR_DIR/demo-logins.txt"
echo "  Press Ctrl-C to stop."
echo
wait "${pids[0]}"
