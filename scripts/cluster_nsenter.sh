#!/bin/sh
# ansible_chroot_exe for the cluster test (scripts/cluster-test.sh): the chroot
# connection calls "<exe> <rootfs> <shell> -c <cmd>". Each host's root is
# <state>/<host>/root and its container's PID 1 is in <state>/<host>/leader.pid;
# run the command inside that container's namespaces, as deploy_nsenter.sh does
# for the single-host test.
set -eu
pidfile=$(dirname "$1")/leader.pid
[ -s "$pidfile" ] || { echo "cluster_nsenter: no container leader pid in $pidfile" >&2; exit 1; }
shift
exec nsenter --target "$(cat "$pidfile")" --mount --uts --ipc --net --pid --root --wd -- \
    /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 "$@"
