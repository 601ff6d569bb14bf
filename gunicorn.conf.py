"""gunicorn settings shared by systemd, Docker, the stack test and the benchmark.

Every value can be overridden from the environment, so one file serves them all.
"""

import multiprocessing
import os

# GUNICORN_WSGI_APP serves another project with the same settings (make bench-peers).
wsgi_app = os.environ.get("GUNICORN_WSGI_APP", "aiblogger.wsgi:application")

# Under systemd the listening socket arrives as fd 3 (LISTEN_FDS) and gunicorn
# adopts it without a bind; elsewhere GUNICORN_BIND names a unix socket
# ("unix:/run/aiblogger/gunicorn.sock") or a host:port ("0.0.0.0:8000").
if os.environ.get("GUNICORN_BIND"):
    bind = os.environ["GUNICORN_BIND"].split(",")

# The usual rule for CPU-bound sync workers; `make bench` is where to question it.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
# gthread, measured by `make bench` (README "Benchmark"): a cold page spends
# most of its time waiting for MariaDB, and threads overlap those waits
# (+30-80% requests/s on cold pages, the same on the no-database view). Nginx
# buffers slow clients, so no thread is tied up by a slow reader.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", 4))

# A render slower than this is a bug; the worker is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = 5
# Recycle workers now and then so a slow leak can never grow; the jitter keeps
# them from all restarting at the same moment. Each new worker imports Django and
# warms up again, about 0.6 s of CPU: every 1,000 requests that was 0.65 ms a
# request, more than the hello view itself (README "Benchmark").
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 10000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 1000))
# The heartbeat file lives in RAM: a worker must not stall on a slow disk.
worker_tmp_dir = "/dev/shm"  # noqa: S108 (gunicorn makes its own mkstemp files)

# Logs go to stdout/stderr: journald or Docker collect them.
# GUNICORN_ACCESS_LOG="" turns it off (the benchmark measures serving, not logging).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# %(h)s is the reader's address: aiblogger.middleware rewrites REMOTE_ADDR from
# X-Forwarded-For in production. %(M)s is the request's duration in ms.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'

# One master per host runs under systemd; the runtime control socket would be
# one more writable path, and several stacks on one machine would fight over it.
control_socket_disable = True
proc_name = os.environ.get("GUNICORN_PROC_NAME", "aiblogger")


# Prometheus multiprocess mode (aiblogger/metrics.py): each worker writes its
# counters to files in PROMETHEUS_MULTIPROC_DIR, which systemd empties on every
# start. A dead worker's live gauges must stop counting; its counters stay.
def child_exit(server, worker):
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    try:
        from prometheus_client import multiprocess
    except ImportError:  # another project served with this file (make bench-peers)
        return
    multiprocess.mark_process_dead(worker.pid)
