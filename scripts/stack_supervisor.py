"""Hold gunicorn's listening socket the way systemd's aiblogger.socket does.

Usage: stack_supervisor.py SOCKET_PATH READY_FILE -- gunicorn -c gunicorn.conf.py

The socket is created once and passed to each gunicorn as fd 3 with
LISTEN_FDS=1 and LISTEN_PID, and gunicorn reports readiness over NOTIFY_SOCKET
(Type=notify). While no gunicorn runs, connections wait in the socket's
backlog. Signals: SIGHUP restarts gunicorn (graceful stop, then a new one on
the same socket, like `systemctl restart`); SIGTERM/SIGINT stop everything.
Each time a gunicorn reports READY=1, its pid is written to READY_FILE.
"""

# ruff: noqa: S606 (exec of the command line given to us is the point)
import grp
import os
import signal
import socket
import sys
import tempfile
import time

LISTEN_FD = 3


def spawn(listener, notify_path, command):
    pid = os.fork()
    if pid == 0:
        # A blocked signal mask survives exec: gunicorn must get its signals.
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        os.dup2(listener.fileno(), LISTEN_FD)
        os.set_inheritable(LISTEN_FD, True)
        env = dict(os.environ, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
        env["NOTIFY_SOCKET"] = notify_path
        os.execvpe(command[0], command, env)
    return pid


def stop(pid, timeout=40):
    """Stop gunicorn gracefully (it finishes requests in flight) and reap it."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def listen(socket_path):
    """The listening socket, owned like SocketGroup=www-data / SocketMode=0660 say."""
    if os.path.exists(socket_path):
        os.unlink(socket_path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    group = grp.getgrnam(os.environ.get("STACK_SOCKET_GROUP", "www-data")).gr_gid
    os.chown(socket_path, -1, group)
    os.chmod(socket_path, 0o660)
    listener.listen(1024)
    return listener


def mark_ready(ready_file, pid):
    with open(ready_file + ".tmp", "w") as f:
        f.write(str(pid))
    os.replace(ready_file + ".tmp", ready_file)


def supervise(listener, notify, notify_path, ready_file, command):
    """Run gunicorn until told to stop; return the exit status for this process."""
    handled = {signal.SIGHUP, signal.SIGTERM, signal.SIGINT, signal.SIGCHLD}
    signal.pthread_sigmask(signal.SIG_BLOCK, handled)
    child = spawn(listener, notify_path, command)
    try:
        while True:
            try:
                message = notify.recv(4096).decode()
            except BlockingIOError:
                message = ""
            if "READY=1" in message:
                mark_ready(ready_file, child)
            info = signal.sigtimedwait(handled, 0.05)
            if info is None:
                continue
            if info.si_signo == signal.SIGHUP:
                stop(child)
                child = spawn(listener, notify_path, command)
            elif info.si_signo == signal.SIGCHLD:
                done, code = os.waitpid(child, os.WNOHANG)
                if done:
                    print(f"stack_supervisor: gunicorn exited ({code})", file=sys.stderr)
                    child = None
                    return 1
            else:
                return 0
    finally:
        if child:
            stop(child)


def main(argv):
    if len(argv) < 4 or argv[2] != "--":
        sys.exit("usage: stack_supervisor.py SOCKET_PATH READY_FILE -- COMMAND...")
    socket_path, ready_file, command = argv[0], argv[1], argv[3:]
    listener = listen(socket_path)
    notify_dir = tempfile.mkdtemp(prefix="stack-notify-")
    notify_path = os.path.join(notify_dir, "notify")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.setblocking(False)
    try:
        status = supervise(listener, notify, notify_path, ready_file, command)
    finally:
        listener.close()
        notify.close()
        for path in (socket_path, notify_path):
            if os.path.exists(path):
                os.unlink(path)
        os.rmdir(notify_dir)
    sys.exit(status)


if __name__ == "__main__":
    main(sys.argv[1:])
