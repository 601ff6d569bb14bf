#!/usr/bin/env bash
# make deploy-test: converge a throwaway Debian 12 host with ansible/site.yml and
# check it from outside, through its own network.
#
# The host is a debootstrap root filesystem (cached in $CACHE_DIR) booted with
# real systemd by systemd-nspawn in a network namespace of ours, joined to this
# machine by a veth pair on 10.231.0.0/30 (NAT lets it reach apt and PyPI).
# Ansible reaches it through the chroot connection and scripts/deploy_nsenter.sh.
# Checks: lint and syntax, convergence and idempotence, HTTPS through Nginx and
# the gunicorn socket, utf8mb4, monitoring (monitoring.yml: every target up, the
# dashboards' metrics exported, TargetDown fires when gunicorn stops and resolves
# when it starts), the newswire's timer and worker polling a feed served in the
# guest, backup + restore, a deploy under load without a failed request,
# rollback. Ends with "N passed, M failed"; tears down always.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
# DEPLOY_TEST_INSTANCE lets two runs share a machine: instance 0 (the default)
# uses the names below, instance N appends -N to the directories, netns,
# interface and nft table, and takes 10.231.N.0/30.
INSTANCE=${DEPLOY_TEST_INSTANCE:-0}
case $INSTANCE in '' | *[!0-9]*) echo "deploy-test: DEPLOY_TEST_INSTANCE must be 0-255" >&2; exit 2 ;; esac
[ "$INSTANCE" -le 255 ] || { echo "deploy-test: DEPLOY_TEST_INSTANCE must be 0-255" >&2; exit 2; }
if [ "$INSTANCE" = 0 ]; then suffix=""; else suffix="-$INSTANCE"; fi
CACHE_DIR=${DEPLOY_TEST_CACHE:-/var/cache/aiblogger-deploy-test}
STATE_DIR=/var/lib/aiblogger-deploy-test$suffix
RUN_DIR=/run/aiblogger-deploy-test$suffix
MACHINE=$STATE_DIR/machine            # also ansible_host in ansible/inventories/test
export DEPLOY_TEST_MACHINE=$MACHINE   # ...which reads it from here
ROOTFS_CACHE=$CACHE_DIR/rootfs-bookworm
ROOTFS_VERSION=1                      # bump when the cached rootfs recipe changes
MIRROR=${DEPLOY_TEST_MIRROR:-}
NETNS=aiblogger-dt$suffix
HOST_IF=aibdt$INSTANCE
HOST_ADDR=10.231.$INSTANCE.1
GUEST_ADDR=10.231.$INSTANCE.2
NFT_TABLE=aiblogger_dt${suffix//-/_}
DOMAIN=news.test
VAULT_PASSWORD=aiblogger-test-vault  # public: the test inventory's vault only
WORK=$(mktemp -d /tmp/aiblogger-deploy-test.XXXXXX)
export AIBLOGGER_DT_PIDFILE=$RUN_DIR/leader.pid
export ANSIBLE_CONFIG=$ROOT/ansible/ansible.cfg
export ANSIBLE_VAULT_PASSWORD_FILE=$WORK/vault-password
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 ANSIBLE_NOCOLOR=1

# shellcheck source=scripts/check_lib.sh
. "$ROOT/scripts/check_lib.sh"
# shellcheck source=scripts/acme_lib.sh
. "$ROOT/scripts/acme_lib.sh"

in_guest() { "$ROOT/scripts/deploy_nsenter.sh" "$MACHINE" "$@"; }
playbook() {  # playbook NAME.yml LOGNAME [ansible args...]
    local book=$1 name=$2
    shift 2
    (cd "$ROOT/ansible" && "$VENV/bin/ansible-playbook" -i inventories/test "$book" \
        -e "app_source_dir=$WORK/src" "$@") >"$WORK/$name.log" 2>&1
    local rc=$?
    cp "$WORK/$name.log" "$ARTIFACTS/" 2>/dev/null
    grep -A3 '^PLAY RECAP' "$WORK/$name.log" | sed -n '2,3p'
    return $rc
}
recap_changed() { awk '/^PLAY RECAP/{r=1} r && /changed=/{sub(/.*changed=/,""); sub(/ .*/,""); s+=$0} END{print s+0}' "$WORK/$1.log"; }
https() {  # https PATH [curl args...]: a request from this machine to the guest's Nginx
    local path=$1
    shift
    curl --silent --show-error --max-time 20 --resolve "$DOMAIN:443:$GUEST_ADDR" \
        --cacert "$MACHINE/etc/ssl/aiblogger/fullchain.pem" "$@" "https://$DOMAIN$path"
}
status_of() { https "$1" --output /dev/null --write-out '%{http_code}' -H 'Cookie: sessionid=deploy-test'; }
expect_status() { [ "$(status_of "$1")" = "$2" ]; }
sql() { in_guest mysql --batch --skip-column-names -e "$1" aiblogger; }
row_counts() {  # "table count" for every table of the application database
    local tables query=""
    tables=$(sql "SELECT table_name FROM information_schema.tables WHERE table_schema='aiblogger' ORDER BY table_name")
    for t in $tables; do query+="${query:+ UNION ALL }SELECT '$t', COUNT(*) FROM \`$t\`"; done
    sql "$query"
}

# The checks below run some commands through `bash -c`.
export -f in_guest https status_of expect_status sql
export ROOT MACHINE DOMAIN GUEST_ADDR

network_down() {
    ip netns del "$NETNS" 2>/dev/null
    ip link del "$HOST_IF" 2>/dev/null
    nft delete table ip "$NFT_TABLE" 2>/dev/null
}

teardown() {
    set +e
    [ -d "$WORK/acme" ] && acme_down "$WORK/acme"
    if [ -s "$RUN_DIR/nspawn.pid" ]; then
        local pid
        pid=$(cat "$RUN_DIR/nspawn.pid")
        if kill -0 "$pid" 2>/dev/null; then
            in_guest systemctl poweroff >/dev/null 2>&1
            for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
            kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
            for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        fi
        cp "$RUN_DIR/console.log" "$ARTIFACTS/console.log" 2>/dev/null
    fi
    rm -f "$RUN_DIR/nspawn.pid" "$RUN_DIR/leader.pid"
    network_down
    if [ -f "$RUN_DIR/ip_forward" ]; then cat "$RUN_DIR/ip_forward" >/proc/sys/net/ipv4/ip_forward; rm -f "$RUN_DIR/ip_forward"; fi
    if [ -d "$MACHINE" ]; then
        findmnt -rn -o TARGET | grep "^$MACHINE" | sort -r | xargs -r -n1 umount -l
        rm -rf --one-file-system "$MACHINE"
    fi
    rm -rf "$WORK"
}

# ---------------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || { echo "deploy-test: must run as root (debootstrap, nspawn, netns)" >&2; exit 1; }
ARTIFACTS=$ROOT/artifacts/deploy-test
mkdir -p "$ARTIFACTS" "$CACHE_DIR" "$STATE_DIR" "$RUN_DIR"
printf '%s\n' "$VAULT_PASSWORD" >"$WORK/vault-password"
if [ -s "$RUN_DIR/nspawn.pid" ] && kill -0 "$(cat "$RUN_DIR/nspawn.pid")" 2>/dev/null; then
    echo "deploy-test: another run is active (pid $(cat "$RUN_DIR/nspawn.pid"))" >&2
    exit 1
fi
# A run killed before its teardown (SIGKILL, the end of the session that
# started it) leaves its namespace, interface and NAT table behind, and the next
# run's boot would fail on "File exists": no run is active, so they are stale.
network_down
trap teardown EXIT
trap 'exit 130' INT TERM

phase "tools"
missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v systemd-nspawn >/dev/null || missing+=(systemd-container)
command -v nft >/dev/null || missing+=(nftables)
command -v curl >/dev/null || missing+=(curl)
command -v pebble >/dev/null || missing+=(pebble)
if [ ${#missing[@]} -gt 0 ]; then
    { apt-get install -y -q "${missing[@]}" || { apt-get update -q && apt-get install -y -q "${missing[@]}"; }; } \
        >"$WORK/apt.log" 2>&1 || abort "install ${missing[*]}" "$(tail -n 2 "$WORK/apt.log")"
fi
"$VENV/bin/pip" install -q -r "$ROOT/requirements-deploy.txt" || abort "pip install -r requirements-deploy.txt"

phase "lint"
check "ansible-lint --profile production" \
    bash -c "cd '$ROOT/ansible' && '$VENV/bin/ansible-lint' --profile production --nocolor"
for book in site deploy rollback backup restore monitoring; do
    check "syntax-check $book.yml" \
        bash -c "cd '$ROOT/ansible' && '$VENV/bin/ansible-playbook' -i inventories/test $book.yml --syntax-check"
done

phase "rootfs"
if [ "$(cat "$ROOTFS_CACHE/.aiblogger-rootfs" 2>/dev/null)" != "$ROOTFS_VERSION" ]; then
    if [ -z "$MIRROR" ]; then
        # The Debian mirror this machine's apt already uses.
        MIRROR=$(grep -rhoE '^(URIs:|deb)\s+\S+' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
            | awk '{print $2}' | grep -E '/debian/?$' | head -n 1)
        MIRROR=${MIRROR:-http://deb.debian.org/debian}
    fi
    log "building the Debian 12 rootfs from $MIRROR (cached in $ROOTFS_CACHE)"
    rm -rf "$ROOTFS_CACHE.new"
    debootstrap --variant=minbase \
        --include=systemd,systemd-sysv,dbus,python3,python3-apt,ca-certificates,iproute2,procps,curl,sudo,locales \
        bookworm "$ROOTFS_CACHE.new" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
        || abort "debootstrap" "$(tail -n 2 "$WORK/debootstrap.log")"
    echo aiblogger-test >"$ROOTFS_CACHE.new/etc/hostname"
    echo "$ROOTFS_VERSION" >"$ROOTFS_CACHE.new/.aiblogger-rootfs"
    rm -rf "$ROOTFS_CACHE"
    mv "$ROOTFS_CACHE.new" "$ROOTFS_CACHE"
fi
pass "Debian 12 rootfs ready"

phase "boot"
rm -rf --one-file-system "$MACHINE"
cp -a "$ROOTFS_CACHE" "$MACHINE" || abort "copy the rootfs"
# Outbound TLS here is re-signed by a proxy: the guest must trust its CA too.
cp /usr/local/share/ca-certificates/*.crt "$MACHINE/usr/local/share/ca-certificates/" 2>/dev/null
chroot "$MACHINE" update-ca-certificates >/dev/null 2>&1 || abort "update-ca-certificates in the rootfs"
# Downloads survive between runs: apt's packages and pip's wheels (mysqlclient
# compiles from source) live in the cache, bind-mounted into the guest.
mkdir -p "$CACHE_DIR/apt-archives/partial" "$CACHE_DIR/pip"
ip netns add "$NETNS" || abort "create the network namespace"
ip link add "$HOST_IF" type veth peer name host0 || abort "create the veth pair"
ip link set host0 netns "$NETNS"
ip addr add "$HOST_ADDR/30" dev "$HOST_IF"
ip link set "$HOST_IF" up
ip -n "$NETNS" link set lo up
ip -n "$NETNS" addr add "$GUEST_ADDR/30" dev host0
ip -n "$NETNS" link set host0 up
ip -n "$NETNS" route add default via "$HOST_ADDR"
# A stale run's saved value is the machine's own; the current one may be its 1.
[ -f "$RUN_DIR/ip_forward" ] || cat /proc/sys/net/ipv4/ip_forward >"$RUN_DIR/ip_forward"
echo 1 >/proc/sys/net/ipv4/ip_forward
nft -f - <<EOF || abort "NAT for the guest"
table ip $NFT_TABLE {
    chain postrouting {
        type nat hook postrouting priority 100;
        ip saddr $GUEST_ADDR masquerade
    }
}
EOF
setsid systemd-nspawn --boot --directory="$MACHINE" --machine=aiblogger-test \
    --register=no --keep-unit --network-namespace-path="/run/netns/$NETNS" \
    --resolv-conf=copy-host \
    --bind="$CACHE_DIR/apt-archives:/var/cache/apt/archives" \
    --bind="$CACHE_DIR/pip:/root/.cache/pip" \
    >"$RUN_DIR/console.log" 2>&1 </dev/null &
echo $! >"$RUN_DIR/nspawn.pid"
leader=$(container_leader "$(cat "$RUN_DIR/nspawn.pid")") ||
    abort "systemd-nspawn started the guest's systemd" "$(tail -n 3 "$RUN_DIR/console.log")"
echo "$leader" >"$AIBLOGGER_DT_PIDFILE"
state=""
for _ in $(seq 60); do
    state=$(in_guest systemctl is-system-running 2>/dev/null)
    case $state in running | degraded) break ;; esac
    sleep 1
done
check "guest booted with systemd (state: $state)" test "$state" = running -o "$state" = degraded

phase "converge"
# A snapshot of the committed tree: what `git archive` deploys, fixed for this run.
git clone --quiet --no-hardlinks "$ROOT" "$WORK/src" || abort "clone the repository"
git -C "$WORK/src" config user.email deploy-test@localhost
git -C "$WORK/src" config user.name "deploy test"
if playbook site.yml converge; then pass "site.yml converges the host"; else
    grep -E '^(fatal|failed):' -A 5 "$WORK/converge.log" | head -n 30
    abort "site.yml converges the host" "see artifacts/deploy-test/converge.log"
fi

phase "idempotence"
playbook site.yml converge-again
check "a second site.yml run changes nothing (changed=$(recap_changed converge-again))" \
    test "$(recap_changed converge-again)" = 0

phase "checks"
check "HTTPS home page answers 200 through Nginx, certificate verified" expect_status / 200
check "plain HTTP redirects to HTTPS" \
    bash -c "curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --resolve $DOMAIN:80:$GUEST_ADDR http://$DOMAIN/ | grep -qx '301 https://$DOMAIN/'"
check "an unknown host name gets no certificate" \
    bash -c "! curl -s -k --max-time 10 --resolve other.test:443:$GUEST_ADDR https://other.test/ -o /dev/null"
check "gunicorn socket and service are active" in_guest systemctl is-active --quiet aiblogger.socket aiblogger.service
check "Nginx proxies to the gunicorn unix socket" \
    bash -c "in_guest test -S /run/aiblogger/gunicorn.sock && in_guest grep -q 'server unix:/run/aiblogger/gunicorn.sock' /etc/nginx/sites-enabled/aiblogger.conf"
static_file=$(in_guest find /srv/aiblogger/current/staticfiles/ -name '*.css' | head -n 1)
static_file=${static_file#/srv/aiblogger/current/staticfiles/}
check "a collected static file is served by Nginx ($static_file)" \
    bash -c "[ -n '$static_file' ] && expect_status '/static/$static_file' 200"
check "the environment file is 0640 root:aiblogger" \
    bash -c "[ \"\$(stat -c '%a %U' '$MACHINE/etc/aiblogger/aiblogger.env')\" = '640 root' ] && [ \"\$(in_guest stat -c %G /etc/aiblogger/aiblogger.env)\" = aiblogger ]"
check "the firewall admits only SSH, HTTP and HTTPS" \
    bash -c "in_guest ufw status | grep -q 'Status: active' && [ \"\$(in_guest ufw status | grep -cE '^(22|80|443)/tcp +ALLOW')\" = 3 ] && [ \"\$(in_guest ufw status | grep -c ALLOW)\" = 6 ]"
check "fail2ban guards sshd from the journal" \
    bash -c "in_guest fail2ban-client status sshd | grep -q 'Journal matches'"
check "the database and its tables are utf8mb4" \
    bash -c "[ \"\$(sql \"SELECT default_character_set_name FROM information_schema.schemata WHERE schema_name='aiblogger'\")\" = utf8mb4 ] && [ \"\$(sql \"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='aiblogger' AND table_collation NOT LIKE 'utf8mb4%'\")\" = 0 ]"
check "the application user may touch its own database only" \
    bash -c "sql \"SHOW GRANTS FOR 'aiblogger'@'localhost'\" | grep -q 'ON \`aiblogger\`.\\*' && ! sql \"SHOW GRANTS FOR 'aiblogger'@'localhost'\" | grep -q 'ON \\*\\.\\*.*ALL'"
emoji=$'Deploy test \xf0\x9f\x93\xb0 caf\xc3\xa9'
in_guest aiblogger-manage shell -c "
from articles.models import Tag
Tag.objects.update_or_create(slug='deploy-test-emoji', defaults={'name': '$emoji'})
print(Tag.objects.get(slug='deploy-test-emoji').name)" >"$WORK/emoji.out" 2>&1
check "an emoji round-trips through Django and MariaDB" \
    bash -c "[ \"\$(tail -n 1 '$WORK/emoji.out')\" = '$emoji' ] && sql \"SELECT HEX(name) FROM articles_tag WHERE slug='deploy-test-emoji'\" | grep -q F09F93B0"
in_guest aiblogger-manage seed_demo --articles 12 >"$WORK/seed.log" 2>&1 || log "seed_demo failed: $(tail -n 1 "$WORK/seed.log")"

phase "newswire"
# A feed served from inside the guest, on its loopback (the test inventory sets
# NEWSWIRE_ALLOW_PRIVATE_NETWORKS): the timer queues the poll, the worker runs it.
mkdir -p "$MACHINE/srv/newswire-feed"
cat >"$MACHINE/srv/newswire-feed/feed.xml" <<'FEED'
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Deploy wire</title><link>http://127.0.0.1:8765/</link>
<item><guid>dw-1</guid><title>Ferry service resumes</title><link>http://127.0.0.1:8765/1</link><description>Boats sail again.</description></item>
<item><guid>dw-2</guid><title>Café reopens on the quay</title><link>http://127.0.0.1:8765/2</link><description>Coffee is back.</description></item>
</channel></rss>
FEED
in_guest systemd-run --unit=newswire-feed --property=DynamicUser=yes \
    python3 -m http.server 8765 --bind 127.0.0.1 --directory /srv/newswire-feed >/dev/null 2>&1
in_guest aiblogger-manage shell -c "
from newswire.models import Source
Source.objects.update_or_create(feed_url='http://127.0.0.1:8765/feed.xml', defaults={'poll_minutes': 1})" \
    >"$WORK/newswire-source.log" 2>&1 || fail "add a newswire source" "$(tail -n 1 "$WORK/newswire-source.log")"
check "the newswire poll timer is active" in_guest systemctl is-active --quiet aiblogger-newswire-poll.timer
check "the task worker service is active" in_guest systemctl is-active --quiet aiblogger-newswire-worker.service
newswire_items=0
for _ in $(seq 75); do  # the timer fires every minute, at :30
    # This feed's items only: seed_demo's sample feeds put items of their own in the desk.
    newswire_items=$(sql "SELECT COUNT(*) FROM newswire_item i JOIN newswire_source s ON s.id = i.source_id WHERE s.feed_url = 'http://127.0.0.1:8765/feed.xml'" 2>/dev/null)
    [ "${newswire_items:-0}" -ge 2 ] && break
    sleep 2
done
check "the timer and the worker polled the feed served in the guest ($newswire_items items)" \
    test "${newswire_items:-0}" -ge 2
check "the poll ran as a task in the worker" \
    bash -c "[ \"\$(sql \"SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE task_path='newswire.tasks.poll_source_task' AND status='SUCCESSFUL'\")\" -ge 1 ]"
# The timer may fire again (at :30) just as this looks: a run in progress has no exit yet,
# so wait for it to finish (a oneshot, seconds) before reading how the last one ended.
for _ in $(seq 60); do
    case "$(in_guest systemctl show -p ActiveState --value aiblogger-newswire-poll.service)" in
        activating | active | deactivating) sleep 1 ;;
        *) break ;;
    esac
done
check "the timer started the poll service by itself" \
    bash -c "[ \"\$(in_guest systemctl show -p Result --value aiblogger-newswire-poll.service)\" = success ] && [ \"\$(in_guest systemctl show -p ExecMainExitTimestampMonotonic --value aiblogger-newswire-poll.service)\" != 0 ]"
check "the source's health says it succeeded" \
    bash -c "sql \"SELECT name, last_error, last_success_at IS NOT NULL FROM newswire_source\" | grep -qP '^Deploy wire\t\t1$'"
# Quiet from here on, so the backup and restore compare fixed row counts.
in_guest aiblogger-manage shell -c "from newswire.models import Source; Source.objects.update(enabled=False)" >/dev/null 2>&1
in_guest systemctl stop newswire-feed >/dev/null 2>&1

phase "monitoring"
# What DNS gives a real host: its own site name resolves (the blackbox probe).
in_guest sh -c "grep -q ' $DOMAIN\$' /etc/hosts || echo '127.0.0.1 $DOMAIN' >>/etc/hosts"
# Grafana comes from Grafana's apt repository, which this machine cannot reach.
if playbook monitoring.yml monitoring --skip-tags grafana; then pass "monitoring.yml converges the host"; else
    grep -E '^(fatal|failed):' -A 5 "$WORK/monitoring.log" | head -n 30
    fail "monitoring.yml converges the host" "see artifacts/deploy-test/monitoring.log"
fi
playbook monitoring.yml monitoring-again --skip-tags grafana
check "a second monitoring.yml run succeeds and changes nothing (changed=$(recap_changed monitoring-again))" \
    bash -c "[ '$(recap_changed monitoring-again)' = 0 ] && grep -A2 '^PLAY RECAP' '$WORK/monitoring-again.log' | grep -q ' failed=0 '"
check "/metrics: a reader gets 404" bash -c "[ \"\$(status_of /metrics)\" = 404 ]"
check "/metrics: loopback gets the app's metrics over HTTPS" \
    in_guest sh -c "curl -sf --resolve $DOMAIN:443:127.0.0.1 --cacert /etc/ssl/aiblogger/fullchain.pem https://$DOMAIN/metrics | grep -q '^aiblogger_newsroom_metrics_up 1.0'"
# prom_query EXPR: the instant query's result as "labels value" lines (Prometheus's HTTP API).
prom_query() {
    in_guest curl -sfG --max-time 10 --data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query \
        | python3 -c 'import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    print(",".join(f"{k}={v}" for k, v in sorted(r["metric"].items())), r["value"][1])'
}
firing() {  # firing ALERTNAME JOB: succeeds when Prometheus has the alert firing for the job
    in_guest curl -sf --max-time 10 http://127.0.0.1:9090/api/v1/alerts | python3 -c 'import json, sys
alerts = json.load(sys.stdin)["data"]["alerts"]
sys.exit(0 if any(a["labels"].get("alertname") == sys.argv[1] and a["labels"].get("job") == sys.argv[2]
                  and a["state"] == "firing" for a in alerts) else 1)' "$1" "$2"
}
export -f prom_query firing
jobs_expected="aiblogger alertmanager blackbox mysqld nginx node prometheus search site"
up_jobs=""
for _ in $(seq 60); do
    up_jobs=$(prom_query 'up == 1' 2>/dev/null | sed -E 's/.*job=([^ ,]+).*/\1/' | sort -u | tr '\n' ' ' | sed 's/ $//')
    [ "$up_jobs" = "$jobs_expected" ] && [ "$(prom_query 'probe_success{job="site"}' 2>/dev/null | awk '{print $2}')" = 1 ] && break
    sleep 2
done
check "Prometheus scrapes every target with up == 1 ($up_jobs)" test "$up_jobs" = "$jobs_expected"
check "the blackbox exporter reaches the site over HTTPS and reads the certificate's expiry" \
    bash -c "[ \"\$(prom_query 'probe_success{job=\"site\"}' | awk '{print \$2}')\" = 1 ] && prom_query 'probe_ssl_earliest_cert_expiry - time() > 14 * 86400' | grep -q site"
check "the alert rules are loaded, and no target, probe or MySQL alert is pending" \
    bash -c "in_guest curl -sf http://127.0.0.1:9090/api/v1/rules | grep -q TargetDown && [ -z \"\$(prom_query 'ALERTS{alertname=~\"TargetDown|SiteProbeFailing|MySQLDown\"}')\" ]"
# The dashboards' metric names against what this host's exporters really export.
# The app's series start afresh with each restart, and the cache's hit counter
# appears with its first hit: render pages past both caches more times than there
# are workers, so some worker reads its cached section menu again.
for n in $(seq 12); do https "/?dashboards=$n" --output /dev/null || true; done
mkdir -p "$WORK/scrapes" "$ARTIFACTS/scrapes"
for target in aiblogger:8089 node:9100 nginx:9113 mysqld:9104 alertmanager:9093 prometheus:9090; do
    in_guest curl -sf --max-time 10 "http://127.0.0.1:${target#*:}/metrics" >"$WORK/scrapes/${target%%:*}.prom"
done
in_guest curl -sf --max-time 20 "http://127.0.0.1:9115/probe?module=https_2xx&target=https://$DOMAIN/" >"$WORK/scrapes/blackbox.prom"
cp "$WORK"/scrapes/*.prom "$ARTIFACTS/scrapes/"
# Optional: series that appear with their first event (exceptions, errors), apps
# this tree may not have (newswire, tasks) and Redis, which the test host does not use.
check "every metric the dashboards query is exported here ($(ls "$WORK/scrapes" | wc -l) scrapes)" \
    "$VENV/bin/python" "$ROOT/scripts/check_dashboards.py" \
    --optional django_http_exceptions_ --optional django_db_errors --optional django_db_new_connection_errors \
    --optional django_db_execute_many --optional django_cache_get_fail --optional aiblogger_newswire_ \
    --optional aiblogger_task --optional redis_ --optional aiblogger_job_ \
    "$ROOT/ansible/roles/monitoring/files/dashboards" "$WORK"/scrapes/*.prom
cp "$WORK/check.out" "$ARTIFACTS/dashboard-check.txt" 2>/dev/null
# Stopping gunicorn (its socket too, or the next scrape would start it again).
in_guest systemctl stop aiblogger.socket aiblogger.service
down_at=$(date +%s)
for _ in $(seq 60); do firing TargetDown aiblogger && break; sleep 3; done
check "stopping gunicorn fires TargetDown for the app (after $(($(date +%s) - down_at)) s)" firing TargetDown aiblogger
check "...and Alertmanager has it" \
    bash -c "in_guest curl -sf http://127.0.0.1:9093/api/v2/alerts | grep -q '\"alertname\":\"TargetDown\"'"
in_guest systemctl start aiblogger.socket aiblogger.service
up_at=$(date +%s)
for _ in $(seq 30); do firing TargetDown aiblogger || break; sleep 2; done
check "starting it again resolves TargetDown (after $(($(date +%s) - up_at)) s)" bash -c "! firing TargetDown aiblogger"
check "the site answers 200 again" expect_status / 200

phase "search"
check "searchd answers SphinxQL" in_guest mysql -h127.0.0.1 -P9306 -e "SHOW TABLES"
check "the search reconcile timer is active" in_guest systemctl is-active --quiet aiblogger-search-reconcile.timer
check "its service reconciles the index with the articles" \
    in_guest systemctl start aiblogger-search-reconcile.service
check "search_reconcile left its last run for node_exporter (aiblogger_job_success 1)" \
    bash -c "in_guest curl -sf http://127.0.0.1:9100/metrics | grep -qx 'aiblogger_job_success{task=\"search_reconcile\"} 1'"

phase "backup and restore"
row_counts >"$WORK/rows-before" || fail "count rows before the backup"
rm -f "$MACHINE"/var/backups/aiblogger/*.sql.gz
check "the backup timer's service writes a dump" \
    bash -c "in_guest systemctl start aiblogger-backup.service && ls '$MACHINE'/var/backups/aiblogger/aiblogger-*.sql.gz"
check "the backup timer is active" in_guest systemctl is-active --quiet aiblogger-backup.timer
check "the backup left its last run for node_exporter (aiblogger_job_success 1)" \
    bash -c "in_guest curl -sf http://127.0.0.1:9100/metrics | grep -qx 'aiblogger_job_success{task=\"backup\"} 1'"
check "publish_due left its last run too" \
    bash -c "in_guest curl -sf http://127.0.0.1:9100/metrics | grep -qx 'aiblogger_job_success{task=\"publish_due\"} 1'"
# Lose data after the dump: the restore must bring it back exactly.
sql "DELETE FROM articles_tag WHERE slug='deploy-test-emoji'; DELETE FROM django_session; DELETE FROM articles_articletag;" >/dev/null 2>&1
row_counts >"$WORK/rows-damaged"
check "the damage is visible before the restore" bash -c "! cmp -s '$WORK/rows-before' '$WORK/rows-damaged'"
if playbook restore.yml restore; then pass "restore.yml runs"; else fail "restore.yml runs" "see artifacts/deploy-test/restore.log"; fi
row_counts >"$WORK/rows-after"
check "restore.yml restores every table with equal row counts ($(wc -l <"$WORK/rows-before") tables)" \
    bash -c "[ -s '$WORK/rows-before' ] && diff '$WORK/rows-before' '$WORK/rows-after'"
check "the emoji survived backup and restore" \
    bash -c "sql \"SELECT HEX(name) FROM articles_tag WHERE slug='deploy-test-emoji'\" | grep -q F09F93B0"
check "the site answers after the restore" expect_status / 200

phase "deploy under load"
token="release-$(date +%s)-$RANDOM"
echo "$token" >"$WORK/src/static/deploy-test-marker.txt"
git -C "$WORK/src" add static/deploy-test-marker.txt
git -C "$WORK/src" commit --quiet -m "deploy test: a visible change" || fail "commit the changed release"
check "the marker is not served before the deploy" expect_status /static/deploy-test-marker.txt 404
old_release=$(in_guest readlink /srv/aiblogger/current)
"$VENV/bin/python" "$ROOT/scripts/deploy_load.py" "$GUEST_ADDR" "$DOMAIN" \
    "$MACHINE/etc/ssl/aiblogger/fullchain.pem" "$WORK/stop-load" --max 40000 --workers 4 --pause 0.01 \
    >"$WORK/load.out" 2>&1 &
load_pid=$!
sleep 2
if playbook deploy.yml deploy; then pass "deploy.yml deploys the changed release"; else fail "deploy.yml deploys the changed release" "see artifacts/deploy-test/deploy.log"; fi
sleep 2
touch "$WORK/stop-load"
wait "$load_pid"
load_rc=$?
log "load: $(tail -n 1 "$WORK/load.out")"
check "zero failed requests while deploying ($(tail -n 1 "$WORK/load.out"))" \
    bash -c "[ $load_rc = 0 ] && [ \$(tail -n 1 '$WORK/load.out' | sed -E 's/requests=([0-9]+).*/\1/') -ge 100 ]"
new_release=$(in_guest readlink /srv/aiblogger/current)
check "current points to a new release" test "$new_release" != "$old_release"
check "the new release is served" bash -c "[ \"\$(https /static/deploy-test-marker.txt)\" = '$token' ]"
check "the gunicorn service runs from the new release" \
    bash -c "[ \"\$(in_guest sh -c 'readlink /proc/\$(systemctl show -p MainPID --value aiblogger.service)/cwd')\" = '$new_release' ]"
check "the task worker runs from the new release" \
    bash -c "[ \"\$(in_guest sh -c 'readlink /proc/\$(systemctl show -p MainPID --value aiblogger-newswire-worker.service)/cwd')\" = '$new_release' ]"

phase "failed deploys"
releases_before=$(in_guest ls /srv/aiblogger/releases | sort | tr '\n' ' ')
# Before the switch: a release that fails `check --deploy` (HSTS switched off).
echo "SECURE_HSTS_SECONDS = 0" >>"$WORK/src/aiblogger/settings/prod.py"
git -C "$WORK/src" commit --quiet -am "deploy test: fails check --deploy"
playbook deploy.yml deploy-bad-check
check "deploy.yml stops a release that fails check --deploy" test "$?" -ne 0
check "...and removes it, leaving the live release alone" \
    bash -c "[ \"\$(in_guest ls /srv/aiblogger/releases | sort | tr '\n' ' ')\" = '$releases_before' ] && [ \"\$(in_guest readlink /srv/aiblogger/current)\" = '$new_release' ]"
git -C "$WORK/src" revert --quiet --no-edit HEAD >/dev/null
# After the switch: a release whose pages fail (a broken base template, Jinja2's
# since the reader pages moved to jinja2/: an unknown tag fails every page).
echo "{% no_such_tag %}" >>"$WORK/src/jinja2/base.html"
git -C "$WORK/src" commit --quiet -am "deploy test: home page fails"
playbook deploy.yml deploy-bad-smoke
check "deploy.yml notices the failed smoke test" test "$?" -ne 0
check "...and rolls back to the live release by itself" \
    bash -c "[ \"\$(in_guest readlink /srv/aiblogger/current)\" = '$new_release' ] && [ \"\$(in_guest ls /srv/aiblogger/releases | sort | tr '\n' ' ')\" = '$releases_before' ]"
check "...which answers 200 again" expect_status / 200
check "...and still serves the changed release" bash -c "[ \"\$(https /static/deploy-test-marker.txt)\" = '$token' ]"

phase "rollback"
if playbook rollback.yml rollback; then pass "rollback.yml runs"; else fail "rollback.yml runs" "see artifacts/deploy-test/rollback.log"; fi
check "current points to the previous release again" test "$(in_guest readlink /srv/aiblogger/current)" = "$old_release"
check "the previous release is served again" expect_status /static/deploy-test-marker.txt 404
check "the home page answers 200 after the rollback" expect_status / 200

phase "Let's Encrypt"
# Let's Encrypt cannot be reached from here: Pebble (scripts/acme_lib.sh) stands in
# for it on this machine's end of the veth, fetching the HTTP-01 challenge from the
# guest's port 80 as Let's Encrypt would. Last: readers see Pebble's certificate
# from here on.
# site.yml ends with deploy.yml: its HEAD must be a good release again (the
# failed-deploy phase left a broken template there).
git -C "$WORK/src" revert --quiet --no-edit HEAD >/dev/null
acme_up "$WORK/acme" "$HOST_ADDR" "$GUEST_ADDR" || abort "start Pebble" "$(tail -n 2 "$WORK/acme/pebble.log")"
cp "$WORK/acme/ca.pem" "$MACHINE/usr/local/share/ca-certificates/deploy-test-acme.crt"
if in_guest update-ca-certificates >/dev/null 2>&1; then pass "Pebble (ACME) listens on $HOST_ADDR:14000, the host trusts it"; else abort "the host trusts Pebble's listener"; fi
letsencrypt_vars=(-e tls_mode=letsencrypt -e "tls_letsencrypt_server=https://$HOST_ADDR:14000/dir" -e tls_letsencrypt_email=ops@news.test)
if playbook site.yml letsencrypt "${letsencrypt_vars[@]}"; then
    pass "site.yml with tls_mode=letsencrypt converges: certbot's webroot answered the challenge through Nginx"
else
    grep -E '^(fatal|failed):' -A 5 "$WORK/letsencrypt.log" | head -n 30
    fail "site.yml with tls_mode=letsencrypt converges" "see artifacts/deploy-test/letsencrypt.log"
fi
served_cert() { openssl s_client -connect "$GUEST_ADDR:443" -servername "$DOMAIN" </dev/null 2>/dev/null | openssl x509 -noout "$@"; }
check "readers get the certificate Pebble issued for $DOMAIN ($(served_cert -issuer))" \
    bash -c "openssl s_client -connect $GUEST_ADDR:443 -servername $DOMAIN </dev/null 2>/dev/null | openssl x509 -noout -issuer -ext subjectAltName | tr '\n' ' ' | grep -q 'Pebble Intermediate CA.*DNS:$DOMAIN'"
acme_root "$WORK/acme"
pebble_status() { curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/acme/root.pem" --resolve "$DOMAIN:443:$GUEST_ADDR" -H 'Cookie: sessionid=x' "https://$DOMAIN/"; }
check "the home page answers 200 over HTTPS, verified against Pebble's root" test "$(pebble_status)" = 200
check "certbot's renewal timer is active" in_guest systemctl is-active --quiet certbot.timer
playbook site.yml letsencrypt-again "${letsencrypt_vars[@]}"
check "a second run changes nothing (changed=$(recap_changed letsencrypt-again))" \
    test "$(recap_changed letsencrypt-again)" = 0
serial_before=$(served_cert -serial)
in_guest certbot renew --force-renewal --no-random-sleep-on-renew >"$ARTIFACTS/renew.log" 2>&1
for _ in $(seq 20); do  # Nginx's reload is a signal: its new workers take a moment
    serial_after=$(served_cert -serial)
    [ "$serial_after" != "$serial_before" ] && break
    sleep 0.5
done
check "a renewal (certbot renew, as the timer runs it) reaches readers: the deploy hook reloaded Nginx ($serial_before -> $serial_after)" \
    bash -c "[ -n '$serial_after' ] && [ '$serial_before' != '$serial_after' ] && [ '$(pebble_status)' = 200 ]"
acme_down "$WORK/acme"

finish
