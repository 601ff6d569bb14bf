# Pass/fail bookkeeping shared by the deploy and cluster tests: source it after WORK is set.
# check "what" cmd... runs a check; phase NAME times a phase; finish prints the pytest-style
# closing line ("N passed, N failed") and exits non-zero on any failure or on no check at all.
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

# container_leader NSPAWN_PID: the container's PID 1, the child of systemd-nspawn that has
# become systemd; waits up to a minute. nspawn's own short-lived children come first (its
# outer child, before the container's init is started): a test that took one of those
# entered a process that was gone, and every command "in the guest" failed.
container_leader() {
    local leader=""
    for _ in $(seq 120); do
        leader=$(pgrep -x systemd -P "$1" | head -n 1)
        [ -n "$leader" ] && break
        sleep 0.5
    done
    [ -n "$leader" ] && echo "$leader"
}
