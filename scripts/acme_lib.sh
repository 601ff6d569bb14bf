# Pebble, Let's Encrypt's ACME test server (Debian's pebble), standing in for Let's Encrypt,
# which these machines cannot reach: the deploy and cluster tests' hosts ask it for their
# certificate as they would ask Let's Encrypt. Source it after check_lib.sh.
#
# acme_up DIR ADDRESS SITE_ADDRESS: Pebble's directory at https://ADDRESS:14000/dir (its
# management API, with its roots, on :15000), its DNS (pebble-challtestsrv, :8053) answering
# every name with SITE_ADDRESS, where it fetches the HTTP-01 challenge on port 80. Its
# listener's certificate is signed by a CA made for this run, DIR/ca.pem: the host asking
# must trust it (a real host trusts Let's Encrypt through its system store).
# acme_root DIR: Pebble's root (a new one every start) into DIR/root.pem.
# acme_down DIR: stops both.
acme_up() {
    local dir=$1 address=$2 site=$3
    mkdir -p "$dir"
    echo "$address" >"$dir/address"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj "/CN=aiblogger test ACME CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null || return 1
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$address" \
        -keyout "$dir/key.pem" -out "$dir/csr.pem" 2>/dev/null || return 1
    printf 'subjectAltName=IP:%s\n' "$address" >"$dir/san.cnf"
    openssl x509 -req -in "$dir/csr.pem" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
        -days 2 -extfile "$dir/san.cnf" -out "$dir/cert.pem" 2>/dev/null || return 1
    cat >"$dir/pebble.json" <<JSON
{"pebble": {"listenAddress": "$address:14000", "managementListenAddress": "$address:15000",
 "certificate": "$dir/cert.pem", "privateKey": "$dir/key.pem", "httpPort": 80, "tlsPort": 443,
 "ocspResponderURL": "", "externalAccountBindingRequired": false}}
JSON
    setsid pebble-challtestsrv -defaultIPv4 "$site" -defaultIPv6 "" -dns01 "$address:8053" \
        -http01 "" -https01 "" -tlsalpn01 "" -management "$address:8055" >"$dir/dns.log" 2>&1 </dev/null &
    echo $! >"$dir/dns.pid"
    PEBBLE_VA_NOSLEEP=1 setsid pebble -config "$dir/pebble.json" -dnsserver "$address:8053" \
        >"$dir/pebble.log" 2>&1 </dev/null &
    echo $! >"$dir/pebble.pid"
    for _ in $(seq 30); do
        curl -sf --cacert "$dir/ca.pem" "https://$address:14000/dir" >/dev/null && return 0
        sleep 0.5
    done
    return 1
}
acme_root() {
    local dir=$1
    curl -sf --cacert "$dir/ca.pem" "https://$(cat "$dir/address"):15000/roots/0" >"$dir/root.pem"
}
acme_down() {
    local f
    for f in "$1"/*.pid; do [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null && rm -f "$f"; done
    return 0
}
