#!/usr/bin/env bash
# Dump the database named by DATABASE_URL into a gzip file and keep the newest N.
# Usage: DATABASE_URL=mysql://user:pass@host:3306/name scripts/backup-db.sh BACKUP_DIR [KEEP]
# Run nightly by systemd/aiblogger-backup.timer. Exits non-zero with a one-line
# reason on stderr when anything fails; a failed dump never replaces a good one.
set -euo pipefail

die() { echo "backup-db: $1" >&2; exit 1; }

backup_dir=${1:-}
keep=${2:-14}
[ -n "$backup_dir" ] || die "usage: backup-db.sh BACKUP_DIR [KEEP]"
[[ "$keep" =~ ^[1-9][0-9]*$ ]] || die "KEEP must be a positive number, not '$keep'"
[ -n "${DATABASE_URL:-}" ] || die "DATABASE_URL is not set"
mkdir -p "$backup_dir" 2>/dev/null || die "cannot create $backup_dir"
[ -w "$backup_dir" ] || die "$backup_dir is not writable"

dump=$(command -v mariadb-dump || command -v mysqldump || true)
[ -n "$dump" ] || die "neither mariadb-dump nor mysqldump is installed"

# The password goes into a private option file, never onto the command line.
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
chmod 700 "$workdir"
database=$(
    python3 - "$workdir/my.cnf" <<'PY'
import os, sys
from urllib.parse import unquote, urlsplit

url = urlsplit(os.environ["DATABASE_URL"])
if url.scheme not in ("mysql", "mysql2", "mariadb") or not url.path.strip("/"):
    sys.exit("backup-db: DATABASE_URL is not a mysql://user:password@host/name URL")
with open(os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
    f.write("[client]\n")
    f.write(f"user={unquote(url.username or 'root')}\n")
    if url.password:
        secret = unquote(url.password).replace("\\", "\\\\").replace('"', '\\"')
        f.write(f'password="{secret}"\n')
    f.write(f"host={url.hostname or 'localhost'}\n")
    f.write(f"port={url.port or 3306}\n")
print(unquote(url.path.strip("/")))
PY
) || exit 1

stamp=$(date -u +%Y%m%dT%H%M%SZ)
target="$backup_dir/$database-$stamp.sql.gz"
partial="$target.partial"
if ! "$dump" --defaults-extra-file="$workdir/my.cnf" --single-transaction --quick \
        --routines --triggers --hex-blob --no-tablespaces --default-character-set=utf8mb4 \
        "$database" 2>"$workdir/err" | gzip -6 >"$partial"; then
    rm -f "$partial"
    die "dump of $database failed: $(grep -v '^$' "$workdir/err" | tail -n 1)"
fi
mv "$partial" "$target"

# Keep the newest $keep dumps of this database.
find "$backup_dir" -maxdepth 1 -name "$database-*.sql.gz" -printf '%f\n' | sort -r \
    | tail -n +"$((keep + 1))" | while read -r old; do rm -f "$backup_dir/$old"; done
echo "backup-db: wrote $target ($(du -h "$target" | cut -f1))"
