"""A tiny HTTP server on 127.0.0.1 whose every answer a test scripts, run in a thread.

It plays a broken platform (HTML error pages, invalid JSON, huge bodies, silence, a dropped
connection) or sits in front of a real server as a proxy that can lose an answer after the
server has acted on the request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds of silence before answering
    drop: bool = False  # close the connection without answering


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Route = Callable[[Seen], Reply]


class LoopbackServer:
    def __init__(self, route: Route) -> None:
        self.route = route
        self.seen: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Seen(self.command, self.path, dict(self.headers.items()), body)
                server.seen.append(request)
                reply = server.route(request)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                try:
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    # The client stopped reading (size cap, timeout): that is the point.
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815  # http.server's names

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                """A client that hangs up mid-answer is what these tests provoke: quiet."""

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> LoopbackServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def loopback_server(route: Route) -> Iterator[LoopbackServer]:
    server = LoopbackServer(route).start()
    try:
        yield server
    finally:
        server.stop()


def forward(upstream: str, request: Seen) -> Reply:
    """Pass a request to the real server and return its answer."""
    headers = {
        key: value
        for key, value in request.headers.items()
        if key.lower() not in {"host", "content-length", "connection", "accept-encoding"}
    }
    answer = httpx.request(
        request.method, upstream + request.path, headers=headers, content=request.body
    )
    kept = {
        key: value
        for key, value in answer.headers.items()
        if key.lower()
        not in {"content-length", "transfer-encoding", "connection", "content-encoding"}
    }
    return Reply(status=answer.status_code, body=answer.content, headers=kept)
