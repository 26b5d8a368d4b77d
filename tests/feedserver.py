"""A loopback HTTP server for tests: feeds on 127.0.0.1, with misbehaviour on demand."""

from __future__ import annotations

import contextlib
import email.message
import gzip
import hashlib
import socket
import struct
import sys
import threading
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

__all__ = ["KINDS", "FeedServer", "RecordedRequest", "Route", "gzip_bomb"]

KINDS = frozenset({
    "slow", "drip", "truncated", "wrong_type", "redirect", "redirect_loop", "status",
    "endless", "gzip", "gzip_bomb", "raw",
})

@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it; ``headers`` looks names up case-insensitively."""

    method: str
    path: str  # with the query string, exactly as sent
    headers: email.message.Message  # an http.client.HTTPMessage: case-insensitive lookups
    started: float  # time.monotonic() when the request line arrived


@dataclass
class Route:
    """What one path serves; ``misbehaviour`` is (kind, options) or None."""

    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    misbehaviour: tuple[str, dict[str, Any]] | None = None


_bombs: dict[int, bytes] = {}
_bombs_lock = threading.Lock()


def gzip_bomb(size: int = 101 * 1024 * 1024) -> bytes:
    """A ~100 KB gzip member that inflates to ``size`` zero bytes (rounded up to MiB).

    Built from one deflate block repeated after full flushes, so it takes milliseconds
    instead of compressing 100 MB for every test run.
    """
    with _bombs_lock:
        cached = _bombs.get(size)
        if cached is not None:
            return cached
        mib = 1024 * 1024
        count = -(-size // mib)
        zeros = bytes(mib)
        deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        block = deflater.compress(zeros) + deflater.flush(zlib.Z_FULL_FLUSH)
        crc = 0
        for _ in range(count):
            crc = zlib.crc32(zeros, crc)
        header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
        trailer = struct.pack("<II", crc, (count * mib) & 0xFFFFFFFF)
        bomb = header + block * count + deflater.flush() + trailer
        _bombs[size] = bomb
        return bomb


class FeedServer:
    """A ThreadingHTTPServer on 127.0.0.1 (a free port) in a background thread.

    Use ``with FeedServer() as server:``; ``server.add(...)`` routes, ``server.misbehave(...)``
    to make one route fail in a chosen way, ``server.requests`` to see what clients sent.
    Stopping wakes every sleeping or streaming handler and joins all threads, so tests leak
    nothing even when a client walked away from an endless body.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        """``host`` is the loopback address to serve on (any of 127.0.0.0/8 works on Linux:
        a second server on 127.0.0.2 is "another machine" for address checks)."""
        self.host = host
        self._routes: dict[str, Route] = {}
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = {}
        self._peak: dict[str, int] = {}
        self._in_flight_total = 0
        self._peak_total = 0
        self._connections: set[socket.socket] = set()
        self.stopping = threading.Event()
        self._httpd = _Server((host, 0), _Handler, self)
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FeedServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                name=f"FeedServer:{self.port}", daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving, wakes handlers (sleeping, dripping, idle keep-alive) and joins them."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()  # joins the handler threads (block_on_close)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- configuration ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def url(self, path: str = "/") -> str:
        if not path.startswith("/"):
            path = "/" + path
        return f"http://{self.host}:{self.port}{path}"

    def add(
        self,
        path: str,
        body: bytes,
        content_type: str = "application/rss+xml; charset=utf-8",
        etag: bool | str = True,
        last_modified: str | None = None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> Route:
        """Serves ``body`` at ``path`` (with or without a query string); replaces any route.

        ``etag=True`` computes a strong ETag from the body; a string is used as given.
        Conditional requests get 304 when the ETag (or, without If-None-Match, the date) matches.
        """
        if etag is True:
            tag: str | None = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        elif etag is False:
            tag = None
        else:
            tag = etag
        route = Route(body=body, content_type=content_type, etag=tag,
                      last_modified=last_modified, status=status, headers=dict(headers or {}))
        with self._lock:
            self._routes[path] = route
        return route

    def misbehave(self, path: str, kind: str, **options: Any) -> None:
        """Makes ``path`` misbehave; creates an empty route if there is none yet.

        kinds and options (defaults in brackets):
          slow (delay=5.0): sleep before the headers, then serve normally.
          drip (rate=4 bytes/s, chunk=1, headers=False): send the body slowly, with its full
              Content-Length; headers=True drips the status line and headers as well.
          truncated (send=half the body): announce the whole body, send part of it, close.
          wrong_type (content_type="text/html; charset=utf-8"): same body, an HTML type.
          redirect (to="/elsewhere", status=302): Location exactly as given (relative is fine).
          redirect_loop (status=302): /p -> /p?loop -> /p -> ...
          status (status=500, retry_after=None, body=b"..."): an error answer.
          endless (chunk=65536): a chunked body that never ends.
          gzip (): the body gzip-compressed, Content-Encoding: gzip.
          gzip_bomb (size=101 MiB): ~100 KB of gzip inflating to ``size`` zero bytes.
          raw (response=b"HTTP/1.1 200 OK\\r\\n..."): exactly these bytes, then close: for
              header values no well-behaved server would send.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown misbehaviour {kind!r}; known: {sorted(KINDS)}")
        with self._lock:
            route = self._routes.setdefault(path, Route(etag=None))
            route.misbehaviour = (kind, dict(options))

    def behave(self, path: str) -> None:
        """Clears a route's misbehaviour."""
        with self._lock:
            route = self._routes.get(path)
            if route is not None:
                route.misbehaviour = None

    # --- what happened ------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def hits(self, path: str) -> int:
        """Requests whose path (query string ignored) is ``path``."""
        return sum(1 for r in self.requests if urlsplit(r.path).path == path)

    def peak_concurrency(self, path: str | None = None) -> int:
        """The most requests handled at once (for one path, or overall).

        A request counts from its arrival until its response starts, so a client that waits
        for the response before sending its next request can never be counted twice.
        """
        with self._lock:
            return self._peak_total if path is None else self._peak.get(path, 0)

    # --- used by the handler ------------------------------------------------------------------

    def _route(self, target: str) -> Route | None:
        with self._lock:
            return self._routes.get(target) or self._routes.get(urlsplit(target).path)

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _enter(self, path: str) -> None:
        with self._lock:
            self._in_flight_total += 1
            self._peak_total = max(self._peak_total, self._in_flight_total)
            count = self._in_flight.get(path, 0) + 1
            self._in_flight[path] = count
            self._peak[path] = max(self._peak.get(path, 0), count)

    def _leave(self, path: str) -> None:
        with self._lock:
            self._in_flight_total -= 1
            self._in_flight[path] -= 1

    def _track(self, connection: socket.socket, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # so server_close() can join them: no thread outlives a test
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[_Handler], owner: FeedServer):
        self.owner = owner
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-response is the point of several tests; only bugs are shown."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # a safety net: no socket operation blocks a handler thread for longer
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.owner._track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: test output is for assertions."""

    def do_GET(self) -> None:
        owner = self.server.owner
        owner._record(RecordedRequest(self.command, self.path, self.headers, time.monotonic()))
        path = urlsplit(self.path).path
        route = owner._route(self.path)
        owner._enter(path)
        entered = True

        def leave() -> None:
            nonlocal entered
            if entered:
                entered = False
                owner._leave(path)

        try:
            if route is None:
                leave()
                self._send(404, b"not found\n", "text/plain; charset=utf-8", {})
                return
            kind, options = route.misbehaviour or ("", {})
            if kind == "slow":
                if owner.stopping.wait(float(options.get("delay", 5.0))):
                    self.close_connection = True
                    return
                kind = ""
            leave()
            self._serve(route, kind, options)
        except OSError:  # the client hung up (often the point of the test)
            self.close_connection = True
        finally:
            leave()

    # --- responses ----------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str | None,
              headers: Mapping[str, str], length: int | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def _serve(self, route: Route, kind: str, options: dict[str, Any]) -> None:
        owner = self.server.owner
        if kind == "status":
            status = int(options.get("status", 500))
            extra = dict(route.headers)
            if options.get("retry_after") is not None:
                extra["Retry-After"] = str(options["retry_after"])
            body = options.get("body", f"error {status}\n".encode())
            self._send(status, body, "text/plain; charset=utf-8", extra)
            return
        if kind == "raw":
            self.close_connection = True
            self.wfile.write(bytes(options["response"]))
            self.wfile.flush()
            return
        if kind in ("redirect", "redirect_loop"):
            status = int(options.get("status", 302))
            if kind == "redirect":
                location = str(options.get("to", "/elsewhere"))
            else:
                split = urlsplit(self.path)
                location = split.path if split.query == "loop" else split.path + "?loop"
            self._send(status, b"", None, {"Location": location})
            return

        validators: dict[str, str] = {}
        if route.etag:
            validators["ETag"] = route.etag
        if route.last_modified:
            validators["Last-Modified"] = route.last_modified
        if route.status == 200 and kind not in ("endless", "gzip_bomb") and self._unchanged(route):
            self.send_response(304)
            for name, value in {**validators, **route.headers}.items():
                self.send_header(name, value)
            self.end_headers()
            return

        headers = {**validators, **route.headers}
        content_type = route.content_type
        body = route.body
        if kind == "wrong_type":
            content_type = str(options.get("content_type", "text/html; charset=utf-8"))
        elif kind == "gzip":
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        elif kind == "gzip_bomb":
            body = gzip_bomb(int(options.get("size", 101 * 1024 * 1024)))
            headers["Content-Encoding"] = "gzip"
        elif kind == "truncated":
            sent = body[: int(options.get("send", len(body) // 2))]
            self.close_connection = True
            self._send(route.status, sent, content_type, headers, length=len(body))
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            return
        elif kind == "drip":
            rate = float(options.get("rate", 4.0))
            chunk = max(1, int(options.get("chunk", 1)))
            if options.get("headers"):  # drip the status line and headers too
                fields = {"Content-Type": content_type, **headers,
                          "Content-Length": str(len(body))}
                head = f"HTTP/1.1 {route.status} Whatever\r\n" + "".join(
                    f"{name}: {value}\r\n" for name, value in fields.items()
                ) + "\r\n"
                body = head.encode("latin-1") + body
            else:
                self._send(route.status, b"", content_type, headers, length=len(body))
            for start in range(0, len(body), chunk):
                if owner.stopping.wait(chunk / rate):
                    self.close_connection = True
                    return
                self.wfile.write(body[start:start + chunk])
                self.wfile.flush()
            return
        elif kind == "endless":
            size = int(options.get("chunk", 65536))
            piece = (b"<item><title>again</title></item>\n" * (size // 34 + 1))[:size]
            frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
            self.send_response(route.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Transfer-Encoding", "chunked")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.close_connection = True
            while not owner.stopping.is_set():
                self.wfile.write(frame)
            return
        self._send(route.status, body, content_type, headers)

    def _unchanged(self, route: Route) -> bool:
        """RFC 9110: If-None-Match wins; If-Modified-Since only counts without it."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            if route.etag is None:
                return False
            wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in wanted or route.etag.removeprefix("W/") in wanted
        since = self.headers.get("If-Modified-Since")
        if since is None or route.last_modified is None:
            return False
        try:
            return parsedate_to_datetime(route.last_modified) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
