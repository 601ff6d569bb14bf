#!/usr/bin/env bash
# The production stack on loopback, checked over real HTTP(S): see scripts/stack_test.py.
# Usage: scripts/stack-test.sh [--keep]   (--keep leaves the files of a failed run for a look)
set -uo pipefail
cd "$(dirname "$0")/.."

fail() { echo "FAIL  stack-test: $1"; echo "0 passed, 1 failed"; exit 1; }
for tool in nginx openssl mysql redis-cli; do
    command -v "$tool" >/dev/null || fail "$tool is not installed"
done
MYSQL_PWD="${CI_DATABASE_PASSWORD:-}" mysql -h127.0.0.1 -u"${CI_DATABASE_USER:-root}" -e 'SELECT 1' >/dev/null 2>&1 || fail "MariaDB does not answer on 127.0.0.1:3306"
[ "$(redis-cli -h 127.0.0.1 ping 2>/dev/null)" = PONG ] || fail "Redis does not answer on 127.0.0.1:6379"

# The Python side tears everything down in its finally block; TERM reaches it
# from the time limit or from this trap, never leaving gunicorn or Nginx behind.
timeout --signal=TERM 290 .venv/bin/python scripts/stack_test.py "$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 130' INT TERM
wait "$child"
status=$?
[ "$status" -eq 124 ] && echo "FAIL  stack-test: over the 290 s limit"
exit "$status"
