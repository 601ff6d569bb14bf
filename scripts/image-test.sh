#!/usr/bin/env bash
# make image-test: build the Dockerfile with buildah from a local Debian 12 base and
# run the image under systemd-nspawn against MariaDB: the pytest tests marked
# `image` in tests/image/ (their session fixtures build and run the image with
# scripts/image_lib.py).
# Ends with "N passed, M failed"; everything it starts is torn down, also on Ctrl-C.
set -uo pipefail
cd "$(dirname "$0")/.."

fail() { echo "FAIL  image-test: $1"; echo "0 passed, 1 failed"; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "must run as root (debootstrap, buildah's storage, systemd-nspawn)"

# What a fresh machine lacks (.ci/run installs the same list).
missing=()
command -v buildah >/dev/null || missing+=(buildah)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v systemd-nspawn >/dev/null || missing+=(systemd-container)
command -v nsenter >/dev/null || missing+=(util-linux)
command -v nginx >/dev/null || missing+=(nginx-light)
command -v openssl >/dev/null || missing+=(openssl)
command -v mysql >/dev/null || missing+=(mariadb-client)
if [ ${#missing[@]} -gt 0 ]; then
    echo "image-test: installing ${missing[*]}"
    apt_log=$(mktemp /tmp/image-test-apt.XXXXXX.log)
    { apt-get install -y -q --no-install-recommends "${missing[@]}" \
        || { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; }; } \
        >"$apt_log" 2>&1 || fail "apt-get install ${missing[*]} (see $apt_log)"
fi
MYSQL_PWD="${CI_DATABASE_PASSWORD:-}" mysql -h127.0.0.1 -u"${CI_DATABASE_USER:-root}" -e 'SELECT 1' >/dev/null 2>&1 \
    || fail "MariaDB does not answer on 127.0.0.1:3306"

# pytest tears the container down in its session fixtures; TERM from the time
# limit or this trap reaches it as INT, never leaving a mount, a buildah
# container or an nspawn behind.
# -s: the fixtures log their progress (debootstrap, build) as they go.
timeout --signal=INT --kill-after=60 2700 .venv/bin/pytest -s -p no:cacheprovider -m image tests/image "$@" &
child=$!
trap 'kill -INT "$child" 2>/dev/null; wait "$child"; exit 130' INT TERM
wait "$child"
status=$?
[ "$status" -eq 124 ] && echo "FAIL  image-test: over the 2700 s limit"
exit "$status"
