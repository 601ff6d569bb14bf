#!/usr/bin/env bash
# Dump the database named by DATABASE_URL into a gzip file and keep the newest N.
# Usage: DATABASE_URL=mysql://user:pass@host:3306/name scripts/backup-db.sh BACKUP_DIR [KEEP]
# BACKUP_DATABASE_URL, when set, is dumped instead (a cluster's replica).
# Run nightly by systemd/aiblogger-backup.timer. Exits non-zero with a one-line
# reason on stderr when anything fails; a failed dump never replaces a good one.
set -euo pipefail
# A dump holds every account's hashes and e-mail address: whoever runs this (a
# person with umask 022, or the timer), the files it creates are the owner's only.
umask 077

die() { echo "backup-db: $1" >&2; exit 1; }

# With METRICS_TEXTFILE_DIR set, every run (good or failed) leaves its time,
# duration and outcome for node_exporter's textfile collector, written
# atomically; the names match aiblogger/metrics.py's write_job_metrics().
started=$(date +%s)
write_metrics() {
    local rc=$1 dir=${METRICS_TEXTFILE_DIR:-} now last_success file tmp
    [ -n "$dir" ] && [ -d "$dir" ] && [ -w "$dir" ] || return 0
    now=$(date +%s)
    file="$dir/aiblogger_job_backup.prom"
    last_success=$now
    if [ "$rc" -ne 0 ]; then
        last_success=$(awk '/^aiblogger_job_last_success_timestamp_seconds/{print $2}' "$file" 2>/dev/null || true)
        last_success=${last_success:-0}
    fi
    tmp=$(mktemp "$dir/.aiblogger_job_backup.prom.XXXXXX") || return 0
    {
        echo '# HELP aiblogger_job_last_run_timestamp_seconds When the job last finished (Unix time).'
        echo '# TYPE aiblogger_job_last_run_timestamp_seconds gauge'
        echo "aiblogger_job_last_run_timestamp_seconds{task=\"backup\"} $now"
        echo '# HELP aiblogger_job_last_success_timestamp_seconds When the job last finished successfully (Unix time; 0: never).'
        echo '# TYPE aiblogger_job_last_success_timestamp_seconds gauge'
        echo "aiblogger_job_last_success_timestamp_seconds{task=\"backup\"} $last_success"
        echo '# HELP aiblogger_job_duration_seconds How long the job'"'"'s last run took.'
        echo '# TYPE aiblogger_job_duration_seconds gauge'
        echo "aiblogger_job_duration_seconds{task=\"backup\"} $((now - started))"
        echo '# HELP aiblogger_job_success 1 when the job'"'"'s last run succeeded, 0 when it failed.'
        echo '# TYPE aiblogger_job_success gauge'
        echo "aiblogger_job_success{task=\"backup\"} $([ "$rc" -eq 0 ] && echo 1 || echo 0)"
    } >"$tmp" && chmod 644 "$tmp" && mv -f "$tmp" "$file" || rm -f "$tmp"
}
trap 'write_metrics $?' EXIT

backup_dir=${1:-}
keep=${2:-14}
[ -n "$backup_dir" ] || die "usage: backup-db.sh BACKUP_DIR [KEEP]"
[[ "$keep" =~ ^[1-9][0-9]*$ ]] || die "KEEP must be a positive number, not '$keep'"
# A cluster dumps its replica (BACKUP_DATABASE_URL), sparing the primary.
DATABASE_URL=${BACKUP_DATABASE_URL:-${DATABASE_URL:-}}
[ -n "${DATABASE_URL:-}" ] || die "DATABASE_URL is not set"
mkdir -p "$backup_dir" 2>/dev/null || die "cannot create $backup_dir"
[ -w "$backup_dir" ] || die "$backup_dir is not writable"

dump=$(command -v mariadb-dump || command -v mysqldump || true)
[ -n "$dump" ] || die "neither mariadb-dump nor mysqldump is installed"

# The password goes into a private option file, never onto the command line.
workdir=$(mktemp -d)
trap 'rc=$?; rm -rf "$workdir"; write_metrics $rc' EXIT
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
