#!/usr/bin/env bash
# Load-test the real stack and write bench-results/latest.md: see scripts/bench_run.py.
# Usage: [N=10000] [BENCH_PARTS="pages classes scale"] [BENCH_SIZES="1000 100000 1000000"]
#        [BENCH_SECONDS=4] [BENCH_CONCURRENCY="8 64"] scripts/bench.sh [bench_peers.py]
set -uo pipefail
cd "$(dirname "$0")/.."

fail() { echo "bench: $1" >&2; exit 1; }
for tool in wrk nginx openssl mysql; do
    command -v "$tool" >/dev/null || fail "$tool is not installed"
done
MYSQL_PWD="${CI_DATABASE_PASSWORD:-}" mysql -h127.0.0.1 -u"${CI_DATABASE_USER:-root}" -e 'SELECT 1' >/dev/null 2>&1 || fail "MariaDB does not answer on 127.0.0.1:3306"
[ "$(redis-cli -h 127.0.0.1 ping 2>/dev/null)" = PONG ] || fail "Redis does not answer on 127.0.0.1:6379"

# bench_run.py stops gunicorn and Nginx in its finally block; TERM and INT reach it.
.venv/bin/python "scripts/${1:-bench_run.py}" &
child=$!
trap 'kill -INT "$child" 2>/dev/null; wait "$child"; exit 130' INT TERM
wait "$child"
