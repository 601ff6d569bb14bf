"""Bounded HTTPS request loop for the deploy test: count every failed request.

Usage: deploy_load.py ADDRESS HOSTNAME CAFILE STOPFILE [--max N] [--workers W] [--pause S]

Each worker asks ADDRESS:443 for "/" with HOSTNAME as SNI and Host, sending a
session cookie so Nginx's microcache is bypassed and every request reaches
gunicorn. Runs until STOPFILE exists or N requests were made, then prints
"requests=<n> failed=<m>" and exits 1 when any request failed.
"""

import argparse
import http.client
import os
import socket
import ssl
import threading
import time


class SNIConnection(http.client.HTTPSConnection):
    """An HTTPS connection to a fixed address that presents another name."""

    def __init__(self, address, hostname, context):
        super().__init__(hostname, 443, context=context, timeout=30)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, 443), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class Load:
    """Workers sharing one request budget and one tally of failures."""

    def __init__(self, args):
        self.args = args
        self.context = ssl.create_default_context(cafile=args.cafile)
        self.lock = threading.Lock()
        self.requests = 0
        self.failed = 0
        self.errors = []

    def _take_one(self):
        with self.lock:
            if self.requests >= self.args.max:
                return False
            self.requests += 1
            return True

    def _get(self, conn):
        """(ok, detail, connection to reuse or None) for one GET /."""
        try:
            conn = conn or SNIConnection(self.args.address, self.args.hostname, self.context)
            conn.request("GET", "/", headers={"Cookie": self.args.cookie})
            response = conn.getresponse()
            response.read()
            return response.status == 200, f"HTTP {response.status}", conn
        except (OSError, http.client.HTTPException) as exc:
            return False, f"{type(exc).__name__}: {exc}", None

    def worker(self):
        conn = None
        while not os.path.exists(self.args.stopfile) and self._take_one():
            started = time.time()
            ok, detail, conn = self._get(conn)
            if not ok:
                with self.lock:
                    self.failed += 1
                    when = time.strftime("%H:%M:%S")
                    self.errors.append(f"{when} started={started:.3f} {detail}")
            time.sleep(self.args.pause)
            # A new connection now and then, as separate readers would make.
            if conn is not None and self.requests % 20 == 0:
                conn.close()
                conn = None


def main():
    parser = argparse.ArgumentParser()
    for name in ("address", "hostname", "cafile", "stopfile"):
        parser.add_argument(name)
    parser.add_argument("--max", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=4)
    # Seconds between one worker's requests, so the loop outlasts the deploy.
    parser.add_argument("--pause", type=float, default=0.0)
    # "sessionid" passes Nginx's microcache; the real cookie's name
    # (__Host-sessionid in production) passes the app's page cache too.
    parser.add_argument("--cookie", default="sessionid=deploy-test-load")
    load = Load(parser.parse_args())
    threads = [threading.Thread(target=load.worker) for _ in range(load.args.workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for line in load.errors[:10]:
        print(line)
    print(f"requests={load.requests} failed={load.failed}")
    return 1 if load.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
