#!/bin/sh
# ansible_chroot_exe for the deploy test: the chroot connection calls
# "<exe> <rootfs> <shell> -c <cmd>"; run that inside the booted container
# (its PID 1's namespaces and root) rather than a bare chroot, so systemctl,
# journald and the container's network behave as on a real host.
set -eu
pidfile=${AIBLOGGER_DT_PIDFILE:-/run/aiblogger-deploy-test/leader.pid}
[ -s "$pidfile" ] || { echo "deploy_nsenter: no container leader pid in $pidfile" >&2; exit 1; }
shift  # the rootfs path: the container's own root is used instead
exec nsenter --target "$(cat "$pidfile")" --mount --uts --ipc --net --pid --root --wd -- \
    /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 "$@"
