#!/usr/bin/env bash
# Seed a large archive into a fresh MariaDB database and check that every reader
# list query reads an index in order (no filesort, no temporary table).
#
#   EXPLAIN_DATABASE_URL  database to (re)create  [mysql://root@127.0.0.1:3306/aiblogger_explain]
#   EXPLAIN_ARTICLES      articles to seed        [100000]
#   EXPLAIN_REUSE=1       keep an already seeded database instead of starting afresh
#
# The database is dropped first, so this never reads DATABASE_URL: pointing it at
# the development or CI database by accident would wipe that.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
export DATABASE_URL=${EXPLAIN_DATABASE_URL:-mysql://root@127.0.0.1:3306/aiblogger_explain}
export DJANGO_SETTINGS_MODULE=aiblogger.settings.dev
export DJANGO_DEBUG=false
ARTICLES=${EXPLAIN_ARTICLES:-100000}

case "$DATABASE_URL" in
    mysql://*) ;;
    *) echo "explain-check: EXPLAIN_DATABASE_URL must be a mysql:// URL, not $DATABASE_URL" >&2; exit 2 ;;
esac

# Create (or recreate) the database with the server's credentials from the URL.
"$PY" - "${EXPLAIN_REUSE:-0}" <<'PYTHON'
import os
import sys

import environ
import MySQLdb

reuse = sys.argv[1] == "1"
config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
name = config["NAME"]
if not name.replace("_", "").isalnum():
    sys.exit(f"explain-check: refusing the database name {name!r}")
try:
    server = MySQLdb.connect(
        host=config["HOST"] or "127.0.0.1",
        port=int(config["PORT"] or 3306),
        user=config["USER"],
        password=config["PASSWORD"] or "",
    )
except MySQLdb.OperationalError as exc:
    sys.exit(f"explain-check: cannot reach MySQL/MariaDB: {exc.args[-1]}")
with server.cursor() as cursor:
    if not reuse:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    cursor.execute(
        f"CREATE DATABASE IF NOT EXISTS `{name}` "
        "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    )
print(f"explain-check: database {name} {'kept' if reuse else 'created afresh'}")
PYTHON

"$PY" manage.py migrate --noinput --verbosity 0
echo "explain-check: seeding $ARTICLES articles (a few minutes for 100,000)"
time "$PY" manage.py seed_demo --articles "$ARTICLES" --verbosity 0 >/dev/null
"$PY" manage.py explain_lists --analyze
