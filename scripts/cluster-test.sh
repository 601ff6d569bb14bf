#!/usr/bin/env bash
# make cluster-test: converge a cluster of throwaway Debian 12 hosts with the
# playbooks a person runs (ansible/inventories/cluster-test) and check it from
# outside, through the load balancer.
#
# Hosts (systemd-nspawn, real systemd), each a root of its own as an overlay over
# the cached debootstrap root of `make deploy-test`:
#   lb1   10.232.0.10  HAProxy (TLS, health checks), monitoring (Prometheus)
#   web1  10.232.0.11  gunicorn + Nginx, the newswire worker, the cluster's jobs
#   web2  10.232.0.12  gunicorn + Nginx, the newswire worker
#   db1   10.232.0.20  MariaDB primary, Redis, the shared media (SFTP + Nginx),
#                      searchd
#   db2   10.232.0.21  MariaDB replica (backups are taken here)
# Every host runs its exporters for lb1's Prometheus (monitoring.yml).
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
WHEELHOUSE=$CACHE_DIR/wheelhouse
STATE_DIR=/var/lib/aiblogger-cluster-$PREFIX
NETNS=$PREFIX-net
UPLINK=${PREFIX}up
NFT_TABLE=${PREFIX}_cluster
DOMAIN=news.test
VAULT_PASSWORD=aiblogger-test-vault  # public: the test inventory's vault only
HOSTS="lb1:10 web1:11 web2:12 db1:20 db2:21"
export CLUSTER_STATE_DIR=$STATE_DIR CLUSTER_NET=$NET
export ANSIBLE_CONFIG=$ROOT/ansible/ansible.cfg
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 ANSIBLE_NOCOLOR=1
LB_ADDR=$NET.0.10

# shellcheck source=scripts/check_lib.sh
. "$ROOT/scripts/check_lib.sh"
# shellcheck source=scripts/acme_lib.sh
. "$ROOT/scripts/acme_lib.sh"

addr_of() { local h; for h in $HOSTS; do [ "${h%%:*}" = "$1" ] && echo "$NET.0.${h#*:}"; done; }
on() {  # on HOST command...: run in that host's container
    local host=$1
    shift
    "$ROOT/scripts/cluster_nsenter.sh" "$STATE_DIR/$host/root" "$@"
}
export -f on addr_of

playbook() {  # playbook NAME.yml LOGNAME [ansible args...]
    local book=$1 name=$2
    shift 2
    (cd "$ROOT/ansible" && "$VENV/bin/ansible-playbook" -i inventories/cluster-test "$book" \
        -e "app_source_dir=$WORK/src" "$@") >"$WORK/$name.log" 2>&1
    local rc=$?
    cp "$WORK/$name.log" "$ARTIFACTS/" 2>/dev/null
    grep -A6 '^PLAY RECAP' "$WORK/$name.log" | sed -n '2,6p'
    return $rc
}
recap_changed() { awk '/^PLAY RECAP/{r=1} r && /changed=/{sub(/.*changed=/,""); sub(/ .*/,""); s+=$0} END{print s+0}' "$WORK/$1.log"; }
lb_https() {  # lb_https PATH [curl args...]: a reader's request through the load balancer
    local path=$1
    shift
    curl --silent --show-error --max-time 20 --resolve "$DOMAIN:443:$LB_ADDR" \
        --cacert "$STATE_DIR/lb1/root/etc/ssl/aiblogger/fullchain.pem" "$@" "https://$DOMAIN$path"
}
web_https() {  # web_https HOST PATH [curl args...]: straight to one web host's Nginx
    local host=$1 path=$2
    shift 2
    curl --silent --show-error --max-time 20 --insecure --resolve "$DOMAIN:443:$(addr_of "$host")" "$@" "https://$DOMAIN$path"
}
status_of() { lb_https "$1" --output /dev/null --write-out '%{http_code}' -H 'Cookie: sessionid=cluster-test'; }
sql() {  # sql HOST QUERY
    on "$1" mysql --batch --skip-column-names -e "$2" aiblogger
}
lb_state() {  # lb_state: "web1 UP" lines from HAProxy's CSV statistics
    on lb1 curl -sf --max-time 5 'http://127.0.0.1:8404/stats;csv' | awk -F, '$1 == "web" && $2 != "BACKEND" {print $2, $18}'
}
manage() {  # manage HOST ARGS...: manage.py of the live release on that host
    local host=$1
    shift
    on "$host" aiblogger-manage "$@"
}
export -f lb_https web_https status_of sql lb_state manage
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

hosts_alive() {  # true when a host of a run in STATE_DIR still has its nspawn
    local pidfile
    for pidfile in "$STATE_DIR"/*/nspawn.pid; do
        [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && return 0
    done
    return 1
}

teardown() {
    set +e
    [ -d "$WORK/acme" ] && acme_down "$WORK/acme"
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
    # Every release's virtualenv takes its wheels from the wheelhouse built once
    # on this machine (Debian 12, Python 3.11: mysqlclient compiled once), and
    # from PyPI what this machine's newer 3.11 did not need (async-timeout for
    # redis below 3.11.3). The test's hosts only; a real host uses PyPI.
    printf '[global]\nfind-links = /var/cache/aiblogger-wheelhouse\n' >"$dir/root/etc/pip.conf"
    # Each host its own apt archive (a shared one's lock fails concurrent
    # installs at once), kept between runs; pip's cache is shared. A cold
    # machine's first run starts each archive from the packages `make
    # deploy-test` downloaded (hard links, so no copy): apt checks their hashes
    # and fetches only what is missing.
    find "$CACHE_DIR/apt-archives" -maxdepth 1 -name '*.deb' \
        -exec cp --link --no-clobber -t "$CACHE_DIR/cluster-apt/$host/" {} + 2>/dev/null
    mkdir -p "/sys/fs/cgroup/systemd/$PREFIX-$host" "/sys/fs/cgroup/unified/$PREFIX-$host"
    setsid sh -c 'for g in systemd unified; do echo $$ >"/sys/fs/cgroup/$g/$0/cgroup.procs"; done; exec "$@"' \
        "$PREFIX-$host" nsenter --net="/run/netns/$NETNS" systemd-nspawn --boot --directory="$dir/root" \
        --machine="$host" --register=no --keep-unit --network-bridge=br0 --resolv-conf=copy-host \
        --bind="$CACHE_DIR/cluster-apt/$host:/var/cache/apt/archives" \
        --bind="$CACHE_DIR/pip:/root/.cache/pip" \
        --bind-ro="$WHEELHOUSE:/var/cache/aiblogger-wheelhouse" \
        >"$dir/console.log" 2>&1 </dev/null &
    echo $! >"$dir/nspawn.pid"
    leader=$(container_leader "$(cat "$dir/nspawn.pid")") || return 1
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
    phase "tools"
    # Pebble, Let's Encrypt's ACME test server, for the load balancer's certificate.
    if ! command -v pebble >/dev/null; then
        { apt-get install -y -q pebble || { apt-get update -q && apt-get install -y -q pebble; }; } \
            >"$WORK/apt.log" 2>&1 || abort "install pebble" "$(tail -n 2 "$WORK/apt.log")"
    fi
    pass "pebble installed"
    phase "rootfs"
    [ "$(cat "$ROOTFS_CACHE/.aiblogger-rootfs" 2>/dev/null)" = 1 ] \
        || abort "the cached Debian root exists (make deploy-test builds it)" "$ROOTFS_CACHE"
    phase "wheelhouse"
    # The pinned requirements as wheels, once for every host (mysqlclient is
    # compiled here once instead of on each web host).
    mkdir -p "$WHEELHOUSE"
    if [ "$(cat "$WHEELHOUSE/.requirements" 2>/dev/null)" != "$(sha256sum <"$ROOT/requirements.txt")" ]; then
        "$VENV/bin/pip" wheel --quiet --disable-pip-version-check -r "$ROOT/requirements.txt" -w "$WHEELHOUSE" \
            >"$WORK/wheelhouse.log" 2>&1 || abort "build the wheelhouse" "$(tail -n 2 "$WORK/wheelhouse.log")"
        sha256sum <"$ROOT/requirements.txt" >"$WHEELHOUSE/.requirements"
    fi
    pass "wheelhouse of requirements.txt ($(ls "$WHEELHOUSE" | wc -l) wheels)"
    phase "boot"
    mkdir -p "$STATE_DIR"
    network_up || abort "network namespace, bridge and uplink"
    for h in $HOSTS; do
        boot_host "${h%%:*}" "${h#*:}" || abort "boot ${h%%:*}" "$(tail -n 3 "$STATE_DIR/${h%%:*}/console.log")"
    done
    for h in $HOSTS; do
        check "${h%%:*} booted with systemd" wait_booted "${h%%:*}"
    done
    # A refused connection is an answer: the bridge carried it there and back.
    check "the hosts reach each other over the bridge" on web1 python3 -c "
import socket
try:
    socket.create_connection(('db1', 9), 3)
except ConnectionRefusedError:
    pass"
    check "the hosts reach the outside (apt's mirror)" on db1 curl -sS -o /dev/null --max-time 20 http://deb.debian.org/debian/dists/bookworm/Release
}

# ---------------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || { echo "cluster-test: must run as root (overlays, nspawn, netns)" >&2; exit 1; }
ARTIFACTS=$ROOT/artifacts/cluster-test
mkdir -p "$ARTIFACTS" /tmp/aiblogger-cluster
WORK=$(mktemp -d /tmp/aiblogger-cluster/run.XXXXXX)
printf '%s\n' "$VAULT_PASSWORD" >"$WORK/vault-password"
export ANSIBLE_VAULT_PASSWORD_FILE=$WORK/vault-password
export WORK VENV ARTIFACTS

trap 'rm -rf "$WORK"' EXIT
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
checks)
    # Debugging: the checks again on hosts that `up` left running and a
    # converge made (from CLUSTER_CHECKS_FROM, a phase name), no teardown.
    [ -d "$STATE_DIR" ] || { echo "cluster-test: no hosts in $STATE_DIR: run '$0 up' and converge first" >&2; exit 1; }
    ;;
*)
    echo "usage: $0 [up|down|checks]" >&2
    exit 2
    ;;
esac

if [ "${1:-all}" = all ]; then
    if [ -d "$STATE_DIR" ]; then
        if hosts_alive; then
            echo "cluster-test: another run's hosts are up in $STATE_DIR: '$0 down' removes them" >&2
            exit 1
        fi
        # A run killed before its teardown (SIGKILL, the end of the session that
        # started it) leaves its roots, mounts, namespace and NAT table behind.
        log "clearing the leftovers of a run that was killed ($STATE_DIR)"
        teardown
    fi
    trap 'teardown; rm -rf "$WORK"' EXIT
    trap 'exit 130' INT TERM
    cluster_up
else
    trap 'rm -rf "$WORK"' EXIT
fi

# A snapshot of the committed tree: what `git archive` deploys, fixed for this run.
git clone --quiet --no-hardlinks "$ROOT" "$WORK/src" || abort "clone the repository"
git -C "$WORK/src" config user.email cluster-test@localhost
git -C "$WORK/src" config user.name "cluster test"
if [ "${1:-all}" = all ]; then
phase "lint"
for book in site deploy promote rollback backup restore; do
    check "syntax-check $book.yml (cluster inventory)" \
        bash -c "cd '$ROOT/ansible' && '$VENV/bin/ansible-playbook' -i inventories/cluster-test $book.yml --syntax-check"
done

phase "converge"
if playbook site.yml converge; then pass "site.yml converges lb1, web1, web2, db1 and db2"; else
    grep -E '^(fatal|failed):' -A 5 "$WORK/converge.log" | head -n 30
    abort "site.yml converges the cluster" "see artifacts/cluster-test/converge.log"
fi

phase "idempotence"
playbook site.yml converge-again
check "a second site.yml run changes nothing (changed=$(recap_changed converge-again))" \
    test "$(recap_changed converge-again)" = 0
fi

phase "monitoring"
# Prometheus on lb1 (group monitoring) scrapes every host over the private
# network. What DNS gives a real host: the site's name is the load balancer's.
on lb1 sh -c "grep -q ' $DOMAIN\$' /etc/hosts || echo '$LB_ADDR $DOMAIN' >>/etc/hosts"
# Grafana comes from Grafana's apt repository, which this machine cannot reach.
if playbook monitoring.yml monitoring --skip-tags grafana; then pass "monitoring.yml converges every host (Prometheus on lb1)"; else
    grep -E '^(fatal|failed):' -A 5 "$WORK/monitoring.log" | head -n 30
    fail "monitoring.yml converges every host" "see artifacts/cluster-test/monitoring.log"
fi
if [ "${1:-all}" = all ]; then
    playbook monitoring.yml monitoring-again --skip-tags grafana
    check "a second monitoring.yml run changes nothing (changed=$(recap_changed monitoring-again))" \
        bash -c "[ '$(recap_changed monitoring-again)' = 0 ] && ! grep -A6 '^PLAY RECAP' '$WORK/monitoring-again.log' | grep -qE '(failed|unreachable)=[1-9]'"
fi
prom_query() {  # prom_query EXPR: "label=value,... value" lines from Prometheus on lb1
    on lb1 curl -sfG --max-time 10 --data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query \
        | python3 -c 'import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    print(",".join(f"{k}={v}" for k, v in sorted(r["metric"].items())), r["value"][1])'
}
up_targets() {  # "job/instance" of every target Prometheus scrapes now whose last scrape succeeded
    on lb1 curl -sf --max-time 10 http://127.0.0.1:9090/api/v1/targets | python3 -c 'import json, sys
for t in json.load(sys.stdin)["data"]["activeTargets"]:
    if t["health"] == "up":
        print(t["labels"]["job"] + "/" + t["labels"]["instance"])' | sort | tr '\n' ' ' | sed 's/ $//'
}
export -f prom_query
targets_expected=$(printf '%s\n' aiblogger/web1 aiblogger/web2 nginx/web1 nginx/web2 node/lb1 node/web1 node/web2 node/db1 node/db2 \
    mysqld/db1 mysqld/db2 redis/db1 haproxy/lb1 blackbox/127.0.0.1:9115 prometheus/127.0.0.1:9090 \
    alertmanager/127.0.0.1:9093 "search/$(addr_of db1):9306" "site/https://$DOMAIN/" | sort | tr '\n' ' ' | sed 's/ $//')
up_now=""
for _ in $(seq 45); do
    up_now=$(up_targets 2>/dev/null)
    [ "$up_now" = "$targets_expected" ] && break
    sleep 2
done
check "Prometheus on lb1 scrapes every host's targets, each with up == 1 ($(echo "$up_now" | wc -w) of $(echo "$targets_expected" | wc -w): $up_now)" \
    test "$up_now" = "$targets_expected"
probes=""
for _ in $(seq 15); do
    probes=$(prom_query 'probe_success' 2>/dev/null | sed -E 's/.*job=([^ ,]+).* ([0-9]+)$/\1=\2/' | sort | tr '\n' ' ')
    [ "$probes" = "search=1 site=1 " ] && break
    sleep 2
done
check "...the blackbox probes see the site through the load balancer and searchd on db1 ($probes)" \
    test "$probes" = "search=1 site=1 "
check "...the replica's lag is scraped (mysql_slave_status_seconds_behind_master on db2: $(prom_query 'mysql_slave_status_seconds_behind_master' 2>/dev/null | awk '{print $2}'))" \
    bash -c "prom_query 'mysql_slave_status_seconds_behind_master{instance=\"db2\"}' | grep -q ' 0$'"
check "...and HAProxy's own metrics count both web hosts up" \
    bash -c "prom_query 'haproxy_backend_active_servers{proxy=\"web\"}' | grep -q ' 2$'"
check "the web hosts' status server answers the monitoring host only; /metrics through the load balancer is 404" \
    bash -c "on lb1 curl -sf --max-time 5 http://$(addr_of web1):8089/metrics -o /dev/null && ! on db1 curl -sf --max-time 3 http://$(addr_of web1):8089/metrics -o /dev/null && [ \"\$(status_of /metrics)\" = 404 ]"

phase "load balancer"
manage web1 seed_demo --articles 6 >"$WORK/seed.log" 2>&1 || fail "seed_demo" "$(tail -n 1 "$WORK/seed.log")"
check "HTTPS home page answers 200 through HAProxy, certificate verified" \
    bash -c "[ \"\$(status_of /)\" = 200 ]"
check "plain HTTP at the load balancer redirects to HTTPS" \
    bash -c "curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --resolve $DOMAIN:80:$LB_ADDR http://$DOMAIN/ | grep -qx '301 https://$DOMAIN/'"
check "another host name gets 421 from the load balancer" \
    bash -c "[ \"\$(curl -s -k -o /dev/null -w '%{http_code}' --resolve other.test:443:$LB_ADDR https://other.test/)\" = 421 ]"
check "HAProxy's health checks see both web hosts up ($(lb_state | tr '\n' ' '))" \
    bash -c "[ \"\$(lb_state | tr '\n' ' ')\" = 'web1 UP web2 UP ' ]"
check "each web host answers on its own Nginx" \
    bash -c "[ \"\$(web_https web1 / -o /dev/null -w '%{http_code}' -H 'Cookie: sessionid=x')\" = 200 ] && [ \"\$(web_https web2 / -o /dev/null -w '%{http_code}' -H 'Cookie: sessionid=x')\" = 200 ]"

phase "the reader's address"
# This machine is the reader: 10.x.1.1, routed (not masqueraded) to the bridge.
reader=$NET.1.1
token=reader-$RANDOM$RANDOM
for _ in 1 2 3 4; do lb_https "/?$token" -o /dev/null -H "Cookie: sessionid=cluster-test" -H "X-Forwarded-For: 203.0.113.66"; done
web_https web1 "/?$token-direct" -o /dev/null -H "Cookie: sessionid=cluster-test" -H "X-Forwarded-For: 203.0.113.77"
for host in web1 web2; do on "$host" journalctl -q -u aiblogger.service --no-pager -n 300 >"$WORK/gunicorn-$host.log" 2>&1; done
check "gunicorn on both web hosts logs the reader's address for requests through the load balancer" \
    bash -c "grep -q '$reader \"GET /?$token ' '$WORK/gunicorn-web1.log' && grep -q '$reader \"GET /?$token ' '$WORK/gunicorn-web2.log'"
check "...never the load balancer's, nor the address the reader forged" \
    bash -c "! grep -E '(10\\.[0-9.]+\\.10|203\\.0\\.113\\.66) \"GET /\\?$token ' '$WORK'/gunicorn-web*.log"
check "a forged X-Forwarded-For sent to a web host directly is not believed" \
    bash -c "grep -q '$reader \"GET /?$token-direct ' '$WORK/gunicorn-web1.log' && ! grep -q '203.0.113.77' '$WORK/gunicorn-web1.log'"

phase "sessions, CSRF and the admin on either host"
manage web1 shell -c "
from django.contrib.auth import get_user_model
User = get_user_model()
u, _ = User.objects.get_or_create(username='cluster-admin', defaults={'email': 'admin@news.test'})
u.is_staff = u.is_superuser = True
u.set_password('cluster-test-password-1')
u.save()" >"$WORK/admin.log" 2>&1 || fail "create an admin" "$(tail -n 1 "$WORK/admin.log")"
jar=$WORK/cookies
lb_https /admin/login/ -c "$jar" -b "$jar" -o "$WORK/login.html"
csrf=$(grep -o 'name="csrfmiddlewaretoken" value="[^"]*"' "$WORK/login.html" | head -n 1 | sed 's/.*value="//; s/"$//')
login_status=$(lb_https /admin/login/ -c "$jar" -b "$jar" -o /dev/null -w '%{http_code} %{redirect_url}' \
    -H "Referer: https://$DOMAIN/admin/login/" --data-urlencode "csrfmiddlewaretoken=$csrf" \
    --data-urlencode username=cluster-admin --data-urlencode password=cluster-test-password-1 --data-urlencode next=/admin/)
check "the admin login (CSRF token from one host, POST to the next) succeeds ($login_status)" \
    test "$login_status" = "302 https://$DOMAIN/admin/"
admin_ok=0
for _ in 1 2 3 4 5 6; do
    lb_https /admin/ -b "$jar" -o "$WORK/admin.html" -w '%{http_code}' | grep -qx 200 && grep -q 'cluster-admin' "$WORK/admin.html" && admin_ok=$((admin_ok + 1))
done
for host in web1 web2; do on "$host" journalctl -q -u aiblogger.service --no-pager -n 300 >"$WORK/gunicorn-$host.log" 2>&1; done
check "the session holds on whichever host answers (6 of $admin_ok admin pages, both hosts served some)" \
    bash -c "[ $admin_ok = 6 ] && grep -q '\"GET /admin/ HTTP/1.[01]\" 200' '$WORK/gunicorn-web1.log' && grep -q '\"GET /admin/ HTTP/1.[01]\" 200' '$WORK/gunicorn-web2.log'"

phase "shared media"
# An image saved through web2 (renditions are made on save), served by web1,
# web2 and the load balancer; after web2 is lost, still served (further down).
manage web2 shell -c "
import io
from PIL import Image
from django.core.files.base import ContentFile
from articles.models import Article
buf = io.BytesIO()
Image.new('RGB', (900, 600), (200, 30, 30)).save(buf, 'PNG')
a = Article.objects.published().order_by('published_at').first()
a.featured_image.save('cluster-media.png', ContentFile(buf.getvalue()), save=True)
a = Article.objects.get(pk=a.pk)
print(a.featured_image.url)
print(a.image_medium.url)" >"$WORK/media.out" 2>&1
media_url=$(tail -n 2 "$WORK/media.out" | head -n 1)
rendition_url=$(tail -n 1 "$WORK/media.out")
export media_url rendition_url
check "an image saved on web2 lands on the media host, with its renditions ($media_url, $rendition_url)" \
    bash -c "case '$media_url' in /media/articles/*cluster-media*.png) ;; *) exit 1 ;; esac && on db1 test -s /srv/aiblogger-media'$media_url' && on db1 test -s /srv/aiblogger-media'$rendition_url' && ! on web2 find /srv/aiblogger/shared/media -name '*cluster-media*' | grep -q ."
check "the load balancer and both web hosts serve the image and its rendition" \
    bash -c "for url in '$media_url' '$rendition_url'; do
        [ \"\$(lb_https \"\$url\" -o /dev/null -w '%{http_code} %{content_type}')\" = \"200 \$(case \$url in *.png) echo image/png ;; *) echo image/webp ;; esac)\" ] || exit 1
        for h in web1 web2; do [ \"\$(web_https \$h \"\$url\" -o /dev/null -w '%{http_code}')\" = 200 ] || exit 1; done
    done"
check "the media host's temporary upload names are never served" \
    bash -c "[ \"\$(lb_https /media/articles/.upload-x.part -o /dev/null -w '%{http_code}')\" = 404 ]"

phase "jobs once per cluster"
for timer in publish-due newswire-poll assist-refresh search-reconcile backup; do
    check "aiblogger-$timer.timer runs on web1 only" \
        bash -c "on web1 systemctl is-active --quiet aiblogger-$timer.timer && ! on web2 systemctl is-active --quiet aiblogger-$timer.timer && ! on web2 systemctl is-enabled --quiet aiblogger-$timer.timer"
done
check "the task worker runs on both web hosts" \
    bash -c "on web1 systemctl is-active --quiet aiblogger-newswire-worker.service && on web2 systemctl is-active --quiet aiblogger-newswire-worker.service"

phase "replication and backups"
manage web1 shell -c "
from articles.models import Tag
Tag.objects.update_or_create(slug='cluster-replicated', defaults={'name': 'Replicated \U0001F4F0'})" >"$WORK/tag.log" 2>&1
replicated=""
for _ in $(seq 20); do
    replicated=$(sql db2 "SELECT HEX(name) FROM articles_tag WHERE slug='cluster-replicated'" 2>/dev/null)
    [ -n "$replicated" ] && break
    sleep 0.5
done
check "a write on the primary reaches the replica, emoji intact" bash -c "echo '$replicated' | grep -q F09F93B0"
check "the replica is read-only and replicating" \
    bash -c "[ \"\$(on db2 mysql -N -e 'SELECT @@read_only')\" = 1 ] && on db2 mysql -e 'SHOW SLAVE STATUS\G' | grep -q 'Slave_SQL_Running: Yes'"
rm -f "$STATE_DIR"/web1/root/var/backups/aiblogger/*.sql.gz
check "the backup service on the jobs host dumps the replica" \
    bash -c "on web1 systemctl start aiblogger-backup.service && zcat '$STATE_DIR'/web1/root/var/backups/aiblogger/aiblogger-*.sql.gz | head -n 5 | grep -q 'Host: $NET.0.21'"

phase "takedown within 10 s on every host's microcache"
article=$(manage web1 shell -c "
from articles.models import Article
print(Article.objects.published().order_by('-published_at').first().get_absolute_url())" 2>/dev/null | tail -n 1)
for _ in 1 2 3 4; do
    lb_https "$article" -o /dev/null
    web_https web1 "$article" -o /dev/null
    web_https web2 "$article" -o /dev/null
done
check "the article is in both microcaches ($article)" \
    bash -c "web_https web1 '$article' -D - -o /dev/null | grep -qi '^x-cache-status: hit' && web_https web2 '$article' -D - -o /dev/null | grep -qi '^x-cache-status: hit'"
manage web1 shell -c "
from articles.models import Article
a = Article.objects.get(pk=Article.objects.published().order_by('-published_at').first().pk)
a.status = Article.Status.DRAFT
a.save()" >"$WORK/takedown.log" 2>&1
taken=$(date +%s.%N)
gone=""
while :; do
    now=$(date +%s.%N)
    [ "$(lb_https "$article" -o /dev/null -w '%{http_code}')" != 200 ] \
        && [ "$(web_https web1 "$article" -o /dev/null -w '%{http_code}')" != 200 ] \
        && [ "$(web_https web2 "$article" -o /dev/null -w '%{http_code}')" != 200 ] && { gone=$now; break; }
    python3 -c "import sys; sys.exit(0 if $now - $taken < 15 else 1)" || break
    sleep 0.25
done
elapsed=$(python3 -c "print(round(${gone:-999} - $taken, 1))")
check "the unpublished article is gone from the load balancer and both web hosts within 10 s (${elapsed} s)" \
    python3 -c "import sys; sys.exit(0 if $elapsed <= 10 else 1)"

phase "search shared by the web hosts"
# One searchd (role search, group search: db1) behind every web host's SEARCH_URL.
search_url="sphinx://$(addr_of db1):9306/articles"
check "searchd runs on db1 only, and both web hosts' SEARCH_URL is db1's ($search_url)" \
    bash -c "on db1 systemctl is-active --quiet aiblogger-searchd && ! on web1 systemctl is-active --quiet aiblogger-searchd \
        && on web1 grep -qxE \"SEARCH_URL='?$search_url'?\" /etc/aiblogger/aiblogger.env && on web2 grep -qxE \"SEARCH_URL='?$search_url'?\" /etc/aiblogger/aiblogger.env"
word=clusterword$RANDOM$RANDOM
story=$(manage web1 shell -c "
from datetime import timedelta
from django.utils import timezone
from articles.models import Article
a = Article(title='Tram line $word opens', standfirst='A story for the cluster test.',
            body='The $word tram line opened today.', status=Article.Status.PUBLISHED,
            published_at=timezone.now() - timedelta(minutes=1))
a.save()
print(a.get_absolute_url())" 2>"$WORK/story.err" | tail -n 1)
published=$(date +%s.%N)
found=""
while :; do
    web_https web2 "/search/?q=$word" -o "$WORK/found.html" && grep -qF "href=\"$story\"" "$WORK/found.html" && { found=$(date +%s.%N); break; }
    python3 -c "import sys; sys.exit(0 if $(date +%s.%N) - $published < 15 else 1)" || break
    sleep 0.25
done
found_after=$(python3 -c "print(round(${found:-999} - $published, 1))")
check "a story published through web1 is found by a search on web2 (after $found_after s: $story)" \
    bash -c "[ -n '$found' ] && case '$story' in /*) ;; *) exit 1 ;; esac"
check "...and by a reader's search through the load balancer, on both hosts' turns" \
    bash -c "for i in 1 2 3 4; do lb_https '/search/?q=$word' | grep -qF 'href=\"$story\"' || exit 1; done"
# Unpublished: gone from the results, microcaches included, within 10 s (the
# same searches a moment ago are in both hosts' caches).
for _ in 1 2 3 4; do lb_https "/search/?q=$word" -o /dev/null; web_https web1 "/search/?q=$word" -o /dev/null; done
manage web1 shell -c "
from articles.models import Article
a = Article.objects.get(title='Tram line $word opens')
a.status = Article.Status.DRAFT
a.save()" >"$WORK/unpublish.log" 2>&1
taken=$(date +%s.%N)
gone=""
while :; do
    now=$(date +%s.%N)
    hits=0
    for _ in 1 2; do lb_https "/search/?q=$word" | grep -qF "href=\"$story\"" && hits=$((hits + 1)); done
    for h in web1 web2; do web_https $h "/search/?q=$word" | grep -qF "href=\"$story\"" && hits=$((hits + 1)); done
    [ "$hits" = 0 ] && { gone=$now; break; }
    python3 -c "import sys; sys.exit(0 if $now - $taken < 15 else 1)" || break
    sleep 0.25
done
elapsed=$(python3 -c "print(round(${gone:-999} - $taken, 1))")
check "the unpublished story leaves the search results on the load balancer and both hosts within 10 s (${elapsed} s)" \
    python3 -c "import sys; sys.exit(0 if $elapsed <= 10 else 1)"
on db1 systemctl stop aiblogger-searchd
search_down=$(lb_https "/search/?q=$word-down" -o "$WORK/search-down.html" -w '%{http_code}')
check "searchd stopped: the designed 'Search is unavailable' page (status $search_down), not a 500" \
    bash -c "[ '$search_down' = 503 ] && grep -q 'Search is unavailable' '$WORK/search-down.html'"
check "...while the rest of the site answers 200 through the load balancer" bash -c "[ \"\$(status_of /)\" = 200 ]"
on db1 systemctl start aiblogger-searchd
search_back=""
for _ in $(seq 20); do
    [ "$(lb_https "/search/?q=$word-back$RANDOM" -o /dev/null -w '%{http_code}')" = 200 ] && { search_back=1; break; }
    sleep 0.5
done
check "searchd started again: search answers 200 again" test -n "$search_back"

phase "rolling deploy under load"
token="release-$(date +%s)-$RANDOM"
echo "$token" >"$WORK/src/static/cluster-test-marker.txt"
git -C "$WORK/src" add static/cluster-test-marker.txt
git -C "$WORK/src" commit --quiet -m "cluster test: a visible change" || fail "commit the changed release"
old_release=$(on web1 readlink /srv/aiblogger/current)
old_release2=$(on web2 readlink /srv/aiblogger/current)
LB_CA=$STATE_DIR/lb1/root/etc/ssl/aiblogger/fullchain.pem
"$VENV/bin/python" "$ROOT/scripts/deploy_load.py" "$LB_ADDR" "$DOMAIN" "$LB_CA" "$WORK/stop-load" \
    --max 100000 --workers 4 --pause 0.01 >"$WORK/load.out" 2>&1 &
load_pid=$!
sleep 2
if playbook deploy.yml deploy; then pass "deploy.yml rolls the new release over both web hosts"; else
    fail "deploy.yml rolls the new release over both web hosts" "see artifacts/cluster-test/deploy.log"
fi
sleep 2
touch "$WORK/stop-load"
wait "$load_pid"
load_rc=$?
log "load: $(tail -n 1 "$WORK/load.out")"
check "zero failed requests through the load balancer while both hosts were redeployed ($(tail -n 1 "$WORK/load.out"))" \
    bash -c "[ $load_rc = 0 ] && [ \$(tail -n 1 '$WORK/load.out' | sed -E 's/requests=([0-9]+).*/\1/') -ge 100 ]"
check "each host was drained in HAProxy, then put back" \
    bash -c "[ \$(grep -c '^changed: \[web[12] -> lb1' '$WORK/deploy.log') = 4 ]"
check "the migrations ran once, on web1" \
    bash -c "grep -A2 'Ensure the database schema is migrated' '$WORK/deploy.log' | grep -qE '^(ok|changed): \[web1\]' && ! grep -A2 'Ensure the database schema is migrated' '$WORK/deploy.log' | grep -qE '^(ok|changed): \[web2\]'"
check "both hosts serve the new release" \
    bash -c "[ \"\$(web_https web1 /static/cluster-test-marker.txt)\" = '$token' ] && [ \"\$(web_https web2 /static/cluster-test-marker.txt)\" = '$token' ]"
new_release=$(on web1 readlink /srv/aiblogger/current)
new_release2=$(on web2 readlink /srv/aiblogger/current)

phase "a failed host stops the roll"
# A release whose pages fail (an unknown tag in the base template): web1 fails
# its smoke test, rolls back, returns to HAProxy; web2 is never touched.
echo "{% no_such_tag %}" >>"$WORK/src/jinja2/base.html"
git -C "$WORK/src" commit --quiet -am "cluster test: every page fails"
"$VENV/bin/python" "$ROOT/scripts/deploy_load.py" "$LB_ADDR" "$DOMAIN" "$LB_CA" "$WORK/stop-load2" \
    --max 100000 --workers 4 --pause 0.01 >"$WORK/load2.out" 2>&1 &
load_pid=$!
playbook deploy.yml deploy-bad
bad_rc=$?
touch "$WORK/stop-load2"
wait "$load_pid"
load_rc=$?
check "deploy.yml fails on the broken release" test "$bad_rc" -ne 0
check "...web1 rolled back to its live release, web2 was never touched" \
    bash -c "[ \"\$(on web1 readlink /srv/aiblogger/current)\" = '$new_release' ] && [ \"\$(on web2 readlink /srv/aiblogger/current)\" = '$new_release2' ] && ! grep -q 'TASK.*\[web2\]\|: \[web2\]' '$WORK/deploy-bad.log'"
# Right after the rollback's restart one health check may still fail ("UP 1/2":
# up, one failed check; seen once in five runs); both must settle at a plain UP.
state=""
for _ in $(seq 15); do
    state=$(lb_state | tr '\n' ' ')
    [ "$state" = "web1 UP web2 UP " ] && break
    sleep 1
done
check "...both are back in HAProxy and up ($state)" test "$state" = "web1 UP web2 UP "
check "...and readers never saw the broken release ($(tail -n 1 "$WORK/load2.out"))" test "$load_rc" = 0
git -C "$WORK/src" revert --quiet --no-edit HEAD

phase "the database primary restarted"
on db1 systemctl stop mariadb
# A reader with a session: past Nginx's microcache and the app's page cache
# (which serve anonymous readers a page they already had, by design).
lb_https / -H 'Cookie: __Host-sessionid=cluster-test' -o "$WORK/503.html" -w '%{http_code}' >"$WORK/503.status"
check "with the primary down, readers get the designed 503 page through the load balancer ($(cat "$WORK/503.status"))" \
    bash -c "[ \"\$(cat '$WORK/503.status')\" = 503 ] && grep -q 'Back in a moment' '$WORK/503.html'"
check "...and HAProxy keeps both web hosts in (their 503 is the right answer)" \
    bash -c "sleep 3; [ \"\$(lb_state | tr '\n' ' ')\" = 'web1 UP web2 UP ' ]"
on db1 systemctl start mariadb
ok_again=""
for _ in $(seq 30); do [ "$(status_of /)" = 200 ] && { ok_again=1; break; }; sleep 1; done
check "the site answers 200 again when the primary is back" test -n "$ok_again"
check "the replica reconnects by itself" \
    bash -c "for i in \$(seq 45); do on db2 mysql -e 'SHOW SLAVE STATUS\G' | grep -q 'Slave_IO_Running: Yes' && exit 0; sleep 1; done; exit 1"

phase "scale: cold pages through the load balancer, one web host against two"
# Cold: every request carries the session cookie's name, so neither the
# microcache nor the app's page cache answers; gunicorn renders each one. Interleaved rounds of a
# fixed number of requests, web2 taken out of HAProxy for the one-host rounds.
bench_round() {  # bench_round N: requests per second of N cold home pages, 8 readers
    local t0 t1
    rm -f "$WORK/stop-bench"
    t0=$(date +%s.%N)
    "$VENV/bin/python" "$ROOT/scripts/deploy_load.py" "$LB_ADDR" "$DOMAIN" "$LB_CA" "$WORK/stop-bench" \
        --max "$1" --workers 8 --cookie "__Host-sessionid=cluster-bench" >"$WORK/bench.out" 2>&1 || return 1
    t1=$(date +%s.%N)
    python3 -c "print(round($1 / ($t1 - $t0), 1))"
}
haproxy_cmd() { on lb1 sh -c "echo '$1' | python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(\"/run/haproxy/admin.sock\"); s.sendall(sys.stdin.buffer.read()); print(s.recv(65536).decode())'"; }
one=() two=()
for round in 1 2 3; do
    haproxy_cmd "disable server web/web2" >/dev/null
    sleep 1
    one+=("$(bench_round 300)")
    haproxy_cmd "enable server web/web2" >/dev/null
    for _ in $(seq 10); do [ "$(lb_state | tr '\n' ' ')" = 'web1 UP web2 UP ' ] && break; sleep 1; done
    two+=("$(bench_round 300)")
done
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
log "cold home pages/s through HAProxy: one web host ${one[*]} (median $(median "${one[@]}")), two web hosts ${two[*]} (median $(median "${two[@]}")); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "one=${one[*]} two=${two[*]} loadavg=$(cut -d' ' -f1-3 /proc/loadavg)" >"$ARTIFACTS/scale.txt"
check "the cold-page rounds ran without a failed request (one: ${one[*]}; two: ${two[*]})" \
    bash -c "[ ${#one[@]} = 3 ] && [ ${#two[@]} = 3 ] && ! printf '%s\n' ${one[*]} ${two[*]} | grep -qv '^[0-9.]*$'"

phase "promote the replica"
if playbook promote.yml promote; then pass "promote.yml makes db2 the primary and moves the web hosts to it"; else
    fail "promote.yml" "see artifacts/cluster-test/promote.log"
fi
on db1 systemctl stop mariadb
check "db2 takes writes" bash -c "[ \"\$(on db2 mysql -N -e 'SELECT @@read_only')\" = 0 ]"
for host in web1 web2; do
    manage $host shell -c "
from articles.models import Tag
Tag.objects.update_or_create(slug='after-promotion-$host', defaults={'name': 'After promotion ($host)'})" >"$WORK/promoted-$host.log" 2>&1 \
        || log "the write through $host failed: $(tail -n 1 "$WORK/promoted-$host.log")"
done
promoted_rows=$(sql db2 "SELECT COUNT(*) FROM articles_tag WHERE slug LIKE 'after-promotion-%'" 2>&1)
promoted_status=""
for _ in $(seq 20); do promoted_status=$(status_of /); [ "$promoted_status" = 200 ] && break; sleep 0.5; done
check "with the old primary stopped, both web hosts write to db2 ($promoted_rows of 2 rows) and the site answers $promoted_status" \
    bash -c "[ '$promoted_rows' = 2 ] && [ '$promoted_status' = 200 ]"

phase "a web host lost under load"
# Last (promote.yml needs both web hosts), on the promoted database: web2
# vanishes: its container's init is killed, so its processes and its network
# link are gone at once, with no goodbye to the requests it was serving.
"$VENV/bin/python" "$ROOT/scripts/deploy_load.py" "$LB_ADDR" "$DOMAIN" "$LB_CA" "$WORK/stop-load3" \
    --max 100000 --workers 4 --pause 0.01 >"$WORK/load3.out" 2>&1 &
load_pid=$!
sleep 3
killed_at=$(date +%s.%N)
kill -KILL "$(cat "$STATE_DIR/web2/leader.pid")"
down_at=""
for _ in $(seq 100); do
    [ "$(lb_state | awk '$1 == "web2" {print $2}')" = DOWN ] && { down_at=$(date +%s.%N); break; }
    sleep 0.1
done
down_after=$(python3 -c "print(round(${down_at:-0} - $killed_at, 1) if '${down_at}' else 'never')")
sleep 5
touch "$WORK/stop-load3"
wait "$load_pid"
# Requests that failed, and those of them that started after HAProxy took web2 out.
lost_total=$(sed -nE 's/.* failed=([0-9]+)$/\1/p' "$WORK/load3.out")
lost_after=$(grep -oE 'started=[0-9.]+' "$WORK/load3.out" | cut -d= -f2 | awk -v t="${down_at:-0}" '$1 > t' | wc -l)
log "load with web2 lost: $(tail -n 1 "$WORK/load3.out"); HAProxy marked it down after $down_after s; failed after that: $lost_after"
cp "$WORK/load3.out" "$ARTIFACTS/host-lost-load.txt"
check "HAProxy's health check takes the lost host out within 5 s ($down_after s)" \
    python3 -c "import sys; sys.exit(0 if '$down_after' != 'never' and float('$down_after') <= 5 else 1)"
check "no request that started after that failed; the ones in flight on web2 did ($lost_total, at most the 4 readers)" \
    bash -c "[ '$lost_after' = 0 ] && [ '${lost_total:-99}' -le 4 ]"
check "the site answers from web1 alone" bash -c "[ \"\$(status_of /)\" = 200 ]"
web2_down=""
for _ in $(seq 20); do
    web2_down=$(prom_query 'up{instance="web2"} == 0' 2>/dev/null | sed -E 's/.*job=([^ ,]+).*/\1/' | sort | tr '\n' ' ')
    [ "$web2_down" = "aiblogger nginx node " ] && break
    sleep 1
done
check "Prometheus on lb1 sees web2's targets down ($web2_down)" test "$web2_down" = "aiblogger nginx node "
check "the image uploaded through the lost host is still served, rendition too" \
    bash -c "[ \"\$(lb_https '$media_url' -o /dev/null -w '%{http_code}')\" = 200 ] && [ \"\$(lb_https '$rendition_url' -o /dev/null -w '%{http_code}')\" = 200 ]"

phase "Let's Encrypt at the load balancer"
# Let's Encrypt cannot be reached from here. Pebble, its ACME test server
# (Debian's pebble), stands in for it on this machine: it validates the HTTP-01
# challenge by fetching it from lb1's port 80, as Let's Encrypt would, and
# pebble-challtestsrv answers its DNS queries with lb1's address. Its own HTTPS
# listener has a certificate from a CA made for this run, which lb1 trusts (a
# real host trusts Let's Encrypt through its system store). Last: from here on
# readers see Pebble's certificate.
ACME_ADDR=$NET.1.1  # this machine's end of the uplink
acme_up "$WORK/acme" "$ACME_ADDR" "$LB_ADDR" || abort "start Pebble" "$(tail -n 2 "$WORK/acme/pebble.log")"
cp "$WORK/acme/ca.pem" "$STATE_DIR/lb1/root/usr/local/share/ca-certificates/cluster-test-acme.crt"
if on lb1 update-ca-certificates >/dev/null 2>&1; then pass "Pebble (ACME) listens on $ACME_ADDR:14000, lb1 trusts it"; else abort "lb1 trusts Pebble's listener"; fi
letsencrypt_vars=(-e lb_tls_mode=letsencrypt -e "lb_letsencrypt_server=https://$ACME_ADDR:14000/dir" -e lb_letsencrypt_email=ops@news.test)
if playbook site.yml letsencrypt --limit lb1 "${letsencrypt_vars[@]}"; then
    pass "site.yml with lb_tls_mode=letsencrypt converges lb1: certbot answered the challenge through HAProxy"
else
    grep -E '^(fatal|failed):' -A 5 "$WORK/letsencrypt.log" | head -n 30
    fail "site.yml with lb_tls_mode=letsencrypt converges lb1" "see artifacts/cluster-test/letsencrypt.log"
fi
check "plain HTTP: the challenge path goes to certbot (503 between renewals), the rest is redirected to HTTPS" \
    bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --resolve $DOMAIN:80:$LB_ADDR http://$DOMAIN/.well-known/acme-challenge/x)\" = 503 ] && [ \"\$(curl -s -o /dev/null -w '%{http_code}' --resolve $DOMAIN:80:$LB_ADDR http://$DOMAIN/)\" = 301 ]"
served_cert() { openssl s_client -connect "$LB_ADDR:443" -servername "$DOMAIN" </dev/null 2>/dev/null | openssl x509 -noout "$@"; }
check "readers get the certificate Pebble issued for $DOMAIN ($(served_cert -issuer))" \
    bash -c "openssl s_client -connect $LB_ADDR:443 -servername $DOMAIN </dev/null 2>/dev/null | openssl x509 -noout -issuer -ext subjectAltName | tr '\n' ' ' | grep -q 'Pebble Intermediate CA.*DNS:$DOMAIN'"
acme_root "$WORK/acme"
check "the home page answers 200 over HTTPS, verified against Pebble's root" \
    bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --cacert $WORK/acme/root.pem --resolve $DOMAIN:443:$LB_ADDR https://$DOMAIN/ -H 'Cookie: sessionid=x')\" = 200 ]"
check "certbot's renewal timer is active" on lb1 systemctl is-active --quiet certbot.timer
playbook site.yml letsencrypt-again --limit lb1 "${letsencrypt_vars[@]}"
check "a second run changes nothing (changed=$(recap_changed letsencrypt-again))" \
    test "$(recap_changed letsencrypt-again)" = 0
serial_before=$(served_cert -serial)
on lb1 certbot renew --force-renewal --no-random-sleep-on-renew >"$WORK/renew.log" 2>&1
serial_after=$(served_cert -serial)
check "a renewal (certbot renew, as the timer runs it) reaches readers: the deploy hook rebuilt HAProxy's bundle and reloaded it ($serial_before -> $serial_after)" \
    bash -c "[ -n '$serial_after' ] && [ '$serial_before' != '$serial_after' ] && [ \"\$(curl -s -o /dev/null -w '%{http_code}' --cacert $WORK/acme/root.pem --resolve $DOMAIN:443:$LB_ADDR https://$DOMAIN/ -H 'Cookie: sessionid=x')\" = 200 ]"
acme_down "$WORK/acme"

finish
