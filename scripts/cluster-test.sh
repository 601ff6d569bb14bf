#!/usr/bin/env bash
# make cluster-test: converge a cluster of throwaway Debian 12 hosts with the
# playbooks a person runs (ansible/inventories/cluster-test) and check it from
# outside, through the load balancer.
#
# Hosts (systemd-nspawn, real systemd), each a root of its own as an overlay over
# the cached debootstrap root of `make deploy-test`:
#   lb    10.232.0.10  HAProxy (TLS, health checks), monitoring
#   web1  10.232.0.11  gunicorn + Nginx, the newswire worker, the cluster's jobs
#   web2  10.232.0.12  gunicorn + Nginx, the newswire worker
#   db    10.232.0.20  MariaDB primary, Redis, the shared media (SFTP + Nginx)
#   db2   10.232.0.21  MariaDB replica (backups are taken here)
# They share one network namespace with a Linux bridge (10.232.0.1 is the
# bridge); one veth uplink (10.232.1.0/30) and one masquerade rule give them
# apt and PyPI, and a route lets this machine reach them as "a reader".
#
#   scripts/cluster-test.sh          the whole run; tears down always
#   scripts/cluster-test.sh up       boot the hosts and leave them running
#   scripts/cluster-test.sh down     tear down what `up` left
#
# CLUSTER_PREFIX (default aibc) names the namespace, cgroups and state
# directories; CLUSTER_NET (default 10.232) picks the two /24s. Two runs on one
# machine need different values of both. Ends with "N passed, M failed".
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
PREFIX=${CLUSTER_PREFIX:-aibc}
NET=${CLUSTER_NET:-10.232}
case $PREFIX in '' | *[!a-z0-9]* | ??????????*) echo "cluster-test: CLUSTER_PREFIX must be 1-9 of [a-z0-9]" >&2; exit 2 ;; esac
CACHE_DIR=${DEPLOY_TEST_CACHE:-/var/cache/aiblogger-deploy-test}
ROOTFS_CACHE=$CACHE_DIR/rootfs-bookworm
STATE_DIR=/var/lib/aiblogger-cluster-$PREFIX
NETNS=$PREFIX-net
UPLINK=${PREFIX}up
NFT_TABLE=${PREFIX}_cluster
DOMAIN=news.test
VAULT_PASSWORD=aiblogger-test-vault  # public: the test inventory's vault only
HOSTS="lb:10 web1:11 web2:12 db:20 db2:21"
export CLUSTER_STATE_DIR=$STATE_DIR CLUSTER_NET=$NET
export ANSIBLE_CONFIG=$ROOT/ansible/ansible.cfg
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 ANSIBLE_NOCOLOR=1
LB_ADDR=$NET.0.10

passed=0
failed=0
phase_name=""
phase_start=0
started=$(date +%s)

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }
pass() { passed=$((passed + 1)); log "PASS $1"; }
fail() { failed=$((failed + 1)); log "FAIL $1${2:+: $2}"; }
check() {  # check "description" command...: pass when the command succeeds
    local what=$1
    shift
    if "$@" >"$WORK/check.out" 2>&1; then pass "$what"; else fail "$what" "$(tail -n 3 "$WORK/check.out" | tr '\n' ' ')"; fi
}
phase() {
    phase_end
    phase_name=$1
    phase_start=$(date +%s)
    log "=== $phase_name"
}
phase_end() {
    if [ -n "$phase_name" ]; then log "=== $phase_name took $(($(date +%s) - phase_start)) s"; fi
    phase_name=""
}
finish() {
    phase_end
    log "total $(($(date +%s) - started)) s"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
    exit $?
}
abort() { fail "$1" "${2:-}"; finish; }

addr_of() { local h; for h in $HOSTS; do [ "${h%%:*}" = "$1" ] && echo "$NET.0.${h#*:}"; done; }
on() {  # on HOST command...: run in that host's container
    local host=$1
    shift
    "$ROOT/scripts/cluster_nsenter.sh" "$STATE_DIR/$host/root" "$@"
}
export -f on addr_of
export ROOT STATE_DIR HOSTS NET DOMAIN LB_ADDR

# ---------------------------------------------------------------------------
# The hosts.

stop_host() {
    local host=$1 dir=$STATE_DIR/$1 pid
    if [ -s "$dir/nspawn.pid" ]; then
        pid=$(cat "$dir/nspawn.pid")
        if kill -0 "$pid" 2>/dev/null; then
            on "$host" systemctl poweroff >/dev/null 2>&1
            for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
            kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
            for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        fi
    fi
    rm -f "$dir/nspawn.pid" "$dir/leader.pid"
    rmdir "/sys/fs/cgroup/systemd/$PREFIX-$host" "/sys/fs/cgroup/unified/$PREFIX-$host" 2>/dev/null
}

teardown() {
    set +e
    local h host
    for h in $HOSTS; do stop_host "${h%%:*}" & done
    wait
    for h in $HOSTS; do
        host=${h%%:*}
        [ -d "$STATE_DIR/$host" ] || continue
        cp "$STATE_DIR/$host/console.log" "$ARTIFACTS/console-$host.log" 2>/dev/null
        findmnt -rn -o TARGET | grep "^$STATE_DIR/$host/" | sort -r | xargs -r -n1 umount -l
    done
    ip netns del "$NETNS" 2>/dev/null
    ip link del "$UPLINK" 2>/dev/null
    ip route del "$NET.0.0/24" 2>/dev/null
    nft delete table ip "$NFT_TABLE" 2>/dev/null
    rm -rf --one-file-system "$STATE_DIR"
}

network_up() {
    ip netns add "$NETNS" || return 1
    ip link add "$UPLINK" type veth peer name uplink || return 1
    ip link set uplink netns "$NETNS"
    ip addr add "$NET.1.1/30" dev "$UPLINK"
    ip link set "$UPLINK" up
    ip -n "$NETNS" link set lo up
    ip -n "$NETNS" addr add "$NET.1.2/30" dev uplink
    ip -n "$NETNS" link set uplink up
    ip -n "$NETNS" route add default via "$NET.1.1"
    ip -n "$NETNS" link add br0 type bridge
    ip -n "$NETNS" addr add "$NET.0.1/24" dev br0
    ip -n "$NETNS" link set br0 up
    ip netns exec "$NETNS" sysctl -qw net.ipv4.ip_forward=1
    ip route add "$NET.0.0/24" via "$NET.1.2"
    # The machine forwards for the CI's own tests too: switch it on, never off.
    echo 1 >/proc/sys/net/ipv4/ip_forward
    nft -f - <<EOF
table ip $NFT_TABLE {
    chain postrouting {
        type nat hook postrouting priority 100;
        ip saddr { $NET.0.0/24, $NET.1.2 } ip daddr != { $NET.0.0/24, $NET.1.0/30 } masquerade
    }
}
EOF
}

# boot_host NAME NUMBER: an overlay root over the cached Debian root, booted
# with systemd-nspawn on the bridge, in a cgroup of its own.
boot_host() {
    local host=$1 n=$2 dir=$STATE_DIR/$1 addr=$NET.0.$2 leader="" h
    mkdir -p "$dir/upper" "$dir/work" "$dir/root" "$CACHE_DIR/cluster-apt/$host/partial" "$CACHE_DIR/pip"
    mount -t overlay overlay -o "lowerdir=$ROOTFS_CACHE,upperdir=$dir/upper,workdir=$dir/work" "$dir/root" || return 1
    echo "$host" >"$dir/root/etc/hostname"
    {
        echo "127.0.0.1 localhost"
        echo "127.0.1.1 $host"
        for h in $HOSTS; do echo "$NET.0.${h#*:} ${h%%:*}"; done
    } >"$dir/root/etc/hosts"
    # Outbound TLS here is re-signed by a proxy: the hosts must trust its CA too.
    cp /usr/local/share/ca-certificates/*.crt "$dir/root/usr/local/share/ca-certificates/" 2>/dev/null
    chroot "$dir/root" update-ca-certificates >/dev/null 2>&1 || return 1
    # Each host its own apt archive (a shared one's lock fails concurrent
    # installs at once), kept between runs; pip's cache is shared.
    mkdir -p "/sys/fs/cgroup/systemd/$PREFIX-$host" "/sys/fs/cgroup/unified/$PREFIX-$host"
    setsid sh -c 'for g in systemd unified; do echo $$ >"/sys/fs/cgroup/$g/$0/cgroup.procs"; done; exec "$@"' \
        "$PREFIX-$host" nsenter --net="/run/netns/$NETNS" systemd-nspawn --boot --directory="$dir/root" \
        --machine="$host" --register=no --keep-unit --network-bridge=br0 --resolv-conf=copy-host \
        --bind="$CACHE_DIR/cluster-apt/$host:/var/cache/apt/archives" \
        --bind="$CACHE_DIR/pip:/root/.cache/pip" \
        >"$dir/console.log" 2>&1 </dev/null &
    echo $! >"$dir/nspawn.pid"
    for _ in $(seq 60); do
        leader=$(pgrep -P "$(cat "$dir/nspawn.pid")" | head -n 1)
        [ -n "$leader" ] && break
        sleep 0.5
    done
    [ -n "$leader" ] || return 1
    echo "$leader" >"$dir/leader.pid"
    nsenter -t "$leader" -n ip link set host0 up || return 1
    nsenter -t "$leader" -n ip addr add "$addr/24" dev host0
    nsenter -t "$leader" -n ip route add default via "$NET.0.1"
}

wait_booted() {
    local host=$1 state=""
    for _ in $(seq 90); do
        state=$(on "$host" systemctl is-system-running 2>/dev/null)
        case $state in running | degraded) return 0 ;; esac
        sleep 1
    done
    echo "$host: $state"
    return 1
}

cluster_up() {
    local h
    phase "rootfs"
    [ "$(cat "$ROOTFS_CACHE/.aiblogger-rootfs" 2>/dev/null)" = 1 ] \
        || abort "the cached Debian root exists (make deploy-test builds it)" "$ROOTFS_CACHE"
    phase "boot"
    mkdir -p "$STATE_DIR"
    network_up || abort "network namespace, bridge and uplink"
    for h in $HOSTS; do
        boot_host "${h%%:*}" "${h#*:}" || abort "boot ${h%%:*}" "$(tail -n 3 "$STATE_DIR/${h%%:*}/console.log")"
    done
    for h in $HOSTS; do
        check "${h%%:*} booted with systemd" wait_booted "${h%%:*}"
    done
    check "the hosts reach each other over the bridge" on web1 sh -c "ping -c1 -W2 db >/dev/null 2>&1 || curl -s -o /dev/null --max-time 2 telnet://db:9 ; getent hosts db"
    check "the hosts reach the outside (apt's mirror)" on db curl -sS -o /dev/null --max-time 20 http://deb.debian.org/debian/dists/bookworm/Release
}

# ---------------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || { echo "cluster-test: must run as root (overlays, nspawn, netns)" >&2; exit 1; }
ARTIFACTS=$ROOT/artifacts/cluster-test
mkdir -p "$ARTIFACTS" /tmp/aiblogger-cluster
WORK=$(mktemp -d /tmp/aiblogger-cluster/run.XXXXXX)
printf '%s\n' "$VAULT_PASSWORD" >"$WORK/vault-password"
export ANSIBLE_VAULT_PASSWORD_FILE=$WORK/vault-password

case ${1:-all} in
down)
    teardown
    exit 0
    ;;
up)
    [ -d "$STATE_DIR" ] && { echo "cluster-test: $STATE_DIR exists: run '$0 down' first" >&2; exit 1; }
    cluster_up
    phase_end
    log "the hosts are up: $0 down tears them down"
    exit 0
    ;;
all) ;;
*)
    echo "usage: $0 [up|down]" >&2
    exit 2
    ;;
esac

[ -d "$STATE_DIR" ] && { echo "cluster-test: $STATE_DIR exists (another run?): '$0 down' removes it" >&2; exit 1; }
trap 'teardown; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
cluster_up
finish
