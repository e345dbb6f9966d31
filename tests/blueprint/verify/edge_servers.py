"""Local edges for the HTTP checks: ``http.server`` on 127.0.0.1 (a free port), one behaviour each."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DISALLOW_ALL = "User-agent: *\nDisallow: /\n"
ALLOW_ALL = "User-agent: *\nDisallow:\n"


def handler(
    *, auth: bool = True, header: bool = True, robots: str = DISALLOW_ALL, public_robots: bool = True
) -> type[BaseHTTPRequestHandler]:
    """A request handler: ``robots`` at /robots.txt (public unless ``public_robots`` is off); everything
    else is 401 without ``Authorization`` (when ``auth``); every response carries ``X-Robots-Tag: noindex,
    nofollow`` (when ``header``)."""

    class Edge(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/robots.txt" and public_robots:
                self.answer(200, robots, "text/plain")
            elif auth and "Authorization" not in self.headers:
                self.answer(
                    401,
                    "authentication required",
                    "text/plain",
                    {"WWW-Authenticate": 'Basic realm="staging"'},
                )
            else:
                self.answer(200, "<h1>staging</h1>", "text/html")

        def answer(self, status: int, body: str, kind: str, extra: dict[str, str] | None = None) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            if header:
                self.send_header("X-Robots-Tag", "noindex, nofollow")
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass

    return Edge


@contextlib.contextmanager
def serve_on_loopback(handler_class: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler_class`` on 127.0.0.1 (a free port) in a thread; yields ``http://127.0.0.1:<port>``
    and stops the server whatever happens."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def edge(**behaviour: object) -> Iterator[str]:
    """An edge server for the block; yields its base URL ``http://127.0.0.1:<port>``."""
    with serve_on_loopback(handler(**behaviour)) as url:  # type: ignore[arg-type]
        yield url
