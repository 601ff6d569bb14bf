#!/usr/bin/env bash
# make test-mysql: the test suite against a throwaway MariaDB of its own.
# Works on a freshly installed MariaDB server package, where root logs in by
# socket only: nothing here logs into the machine's server. mariadb-install-db
# makes a datadir under a temporary directory, mariadbd serves it on its own
# socket and a free loopback port, pytest runs against it, and everything is
# stopped and removed afterwards (also on Ctrl-C). Arguments go to pytest.
# TEST_MYSQL_PORT picks the port (default: a free one).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

fail() { echo "test-mysql: $1" >&2; exit 1; }
find_tool() { command -v "$1" || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; }; }
install_db=$(find_tool mariadb-install-db) || fail "mariadb-install-db is missing: apt-get install -y mariadb-server"
mariadbd=$(find_tool mariadbd) || fail "mariadbd is missing: apt-get install -y mariadb-server"
admin=$(find_tool mariadb-admin || find_tool mysqladmin) || fail "mariadb-admin is missing: apt-get install -y mariadb-client"

root=$(mktemp -d "${TMPDIR:-/tmp}/aiblogger-test-mysql.XXXXXX")
port=${TEST_MYSQL_PORT:-$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
socket=$root/mariadb.sock
# mariadbd refuses to run as root unless told to; any other user runs it as itself.
as_user=()
[ "$(id -u)" -eq 0 ] && as_user=(--user=root)

server=
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
        kill "$server" 2>/dev/null
        for _ in $(seq 60); do kill -0 "$server" 2>/dev/null || break; sleep 0.5; done
        kill -9 "$server" 2>/dev/null
    fi
    rm -rf "$root"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "test-mysql: a throwaway MariaDB in $root, port $port"
"$install_db" --no-defaults --datadir="$root/data" "${as_user[@]}" \
    --auth-root-authentication-method=normal --skip-test-db >"$root/install.log" 2>&1 \
    || { tail -5 "$root/install.log" >&2; fail "mariadb-install-db failed"; }
# The same character set and SQL mode as the servers the project deploys to.
"$mariadbd" --no-defaults "${as_user[@]}" --datadir="$root/data" --socket="$socket" \
    --port="$port" --bind-address=127.0.0.1 --skip-name-resolve --skip-log-bin \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 \
    --pid-file="$root/mariadb.pid" --log-error="$root/mariadb.err" >"$root/mariadbd.out" 2>&1 &
server=$!
for _ in $(seq 60); do
    "$admin" --no-defaults --socket="$socket" -uroot ping >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { tail -5 "$root/mariadb.err" >&2; fail "mariadbd exited"; }
    sleep 0.5
done
"$admin" --no-defaults --socket="$socket" -uroot ping >/dev/null 2>&1 \
    || fail "mariadbd did not answer within 30 s"

# Tests that must reach the server without TCP (in a network namespace) use
# "localhost", which the client library resolves to MYSQL_UNIX_PORT.
export MYSQL_UNIX_PORT=$socket
export DATABASE_URL="mysql://root@127.0.0.1:$port/aiblogger"
export TEST_REQUIRE_MYSQL=1
.venv/bin/pytest "$@"
