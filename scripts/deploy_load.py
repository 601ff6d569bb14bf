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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("address")
    parser.add_argument("hostname")
    parser.add_argument("cafile")
    parser.add_argument("stopfile")
    parser.add_argument("--max", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=4)
    # Seconds between one worker's requests, so the loop outlasts the deploy.
    parser.add_argument("--pause", type=float, default=0.0)
    args = parser.parse_args()

    context = ssl.create_default_context(cafile=args.cafile)
    lock = threading.Lock()
    counts = {"requests": 0, "failed": 0}
    errors = []

    def worker():
        conn = None
        while not os.path.exists(args.stopfile):
            with lock:
                if counts["requests"] >= args.max:
                    return
                counts["requests"] += 1
            try:
                conn = conn or SNIConnection(args.address, args.hostname, context)
                conn.request("GET", "/", headers={"Cookie": "sessionid=deploy-test-load"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                detail = f"HTTP {response.status}"
            except (OSError, http.client.HTTPException) as exc:
                ok, detail = False, f"{type(exc).__name__}: {exc}"
                conn = None
            if not ok:
                with lock:
                    counts["failed"] += 1
                    errors.append(f"{time.strftime('%H:%M:%S')} {detail}")
            time.sleep(args.pause)
            # A new connection now and then, as separate readers would make.
            if conn is not None and counts["requests"] % 20 == 0:
                conn.close()
                conn = None

    threads = [threading.Thread(target=worker) for _ in range(args.workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for line in errors[:10]:
        print(line)
    print(f"requests={counts['requests']} failed={counts['failed']}")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
