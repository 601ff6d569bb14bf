import hashlib
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FEEDS = Path(__file__).parent / "feeds"
LAST_MODIFIED = "Sat, 21 Nov 2026 08:00:00 GMT"


def feed_file(name):
    return (FEEDS / name).read_bytes()


class FeedServer:
    """A loopback HTTP server serving feeds from memory, with conditional GET."""

    def __init__(self):
        self.routes = {}
        self.requests = []
        self.lock = threading.Lock()
        self.active = Counter()
        self.max_active = Counter()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                path = self.path.split("?", 1)[0]
                with server.lock:
                    server.requests.append((self.path, dict(self.headers)))
                    server.active[path] += 1
                    server.max_active[path] = max(server.max_active[path], server.active[path])
                try:
                    route = server.routes.get(path)
                    if route is None:
                        self.send_error(404)
                    elif callable(route):
                        route(self)
                    else:
                        server._static(self, route)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with server.lock:
                        server.active[path] -= 1

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def _static(self, handler, route):
        body, content_type, conditional, delay = route
        if delay:
            time.sleep(delay)
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'  # noqa: S324
        # If-None-Match wins over If-Modified-Since when both are sent (RFC 9110).
        match = handler.headers.get("If-None-Match")
        if match is None:
            fresh = handler.headers.get("If-Modified-Since") == LAST_MODIFIED
        else:
            fresh = match == etag
        if conditional and fresh:
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.end_headers()
            return
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        if conditional:
            handler.send_header("ETag", etag)
            handler.send_header("Last-Modified", LAST_MODIFIED)
        handler.end_headers()
        handler.wfile.write(body)

    def add(self, path, body, content_type="application/rss+xml; charset=utf-8",
            conditional=True, delay=0):  # fmt: skip
        if isinstance(body, str):
            body = body.encode()
        self.routes[path] = (body, content_type, conditional, delay)
        return self.url(path)

    def add_handler(self, path, handler):
        self.routes[path] = handler
        return self.url(path)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path):
        return [headers for p, headers in self.requests if p.split("?", 1)[0] == path]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed_server():
    server = FeedServer()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _newswire_settings(settings):
    """Tests fetch from loopback; production refuses it (NEWSWIRE_ALLOW_PRIVATE_NETWORKS)."""
    settings.NEWSWIRE_ALLOW_PRIVATE_NETWORKS = True
    settings.NEWSWIRE_CONCURRENCY = 1
    settings.NEWSWIRE_FETCH_TIMEOUT = 5
    return settings


def rss(items, title="Test wire"):
    """A small RSS 2.0 document from (guid, title, link, description) tuples."""
    from xml.sax.saxutils import escape

    body = "".join(
        f"<item><guid>{escape(g)}</guid><title>{escape(t)}</title><link>{escape(link)}</link>"
        f"<description>{escape(d)}</description></item>"
        for g, t, link, d in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://wire.example/</link>{body}</channel></rss>"
    )
