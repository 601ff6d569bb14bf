#!/usr/bin/env bash
# The production stack on loopback, checked over real HTTP(S): the pytest tests
# marked `stack` in tests/stack/ (their session fixture builds the stack).
# Usage: scripts/stack-test.sh [pytest args]   (STACK_KEEP=1 keeps a run's files)
set -uo pipefail
cd "$(dirname "$0")/.."

fail() { echo "FAIL  stack-test: $1"; echo "0 passed, 1 failed"; exit 1; }
for tool in nginx openssl mysql redis-cli; do
    command -v "$tool" >/dev/null || fail "$tool is not installed"
done
MYSQL_PWD="${CI_DATABASE_PASSWORD:-}" mysql -h127.0.0.1 -u"${CI_DATABASE_USER:-root}" -e 'SELECT 1' >/dev/null 2>&1 || fail "MariaDB does not answer on 127.0.0.1:3306"
[ "$(redis-cli -h 127.0.0.1 ping 2>/dev/null)" = PONG ] || fail "Redis does not answer on 127.0.0.1:6379"

# pytest tears the stack down in its session fixture; TERM from the time limit
# or this trap reaches it, never leaving gunicorn or Nginx behind.
timeout --signal=TERM --kill-after=30 600 .venv/bin/pytest -m stack tests/stack "$@" &
child=$!
trap 'kill -INT "$child" 2>/dev/null; wait "$child"; exit 130' INT TERM
wait "$child"
status=$?
[ "$status" -eq 124 ] && echo "FAIL  stack-test: over the 600 s limit"
exit "$status"
