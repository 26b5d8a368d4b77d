"""The one HTTP client every sync download goes through: limits, politeness, plain errors."""

from __future__ import annotations

import http
import re
import ssl
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Any

import httpcore
import httpx

from reader.errors import (
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    HttpStatusError,
    ResponseTooLarge,
    RetryLater,
    SourceGone,
    TooManyRedirects,
    UnsafeURL,
)

__all__ = ["USER_AGENT", "FetchResult", "Fetcher", "parse_retry_after"]


def _user_agent() -> str:
    """Publishers block anonymous scrapers; a named agent with a contact URL is the polite way."""
    try:
        release = version("broadsheet")
    except PackageNotFoundError:
        release = "0.1"
    return f"Broadsheet/{release} (offline news reader; +https://example.invalid/broadsheet)"


USER_AGENT = _user_agent()

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_RETRYABLE = frozenset({429, 503})
_PIECE = 64 * 1024  # the most a decompressor may produce in one step, so bombs stay small
_GZIP = frozenset({"gzip", "x-gzip"})
_DEFLATE = frozenset({"deflate"})
_ERRNO_PREFIX = re.compile(r"^\[Errno -?\d+\]\s*")


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What a download produced; the validators let the next sync ask "has it changed?"."""

    url: str
    status: int
    content: bytes
    content_type: str | None
    charset: str | None
    etag: str | None
    last_modified: str | None
    permanent_url: str | None
    not_modified: bool


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if unreadable.

    A date in the past means "now" (0). ``now`` exists so tests need not race the clock.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:  # some Python versions return None instead of raising
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC)
    if current.tzinfo is None:
        current = current.replace(tzinfo=UTC)
    return max(0.0, (when - current).total_seconds())


# --- the overall deadline -----------------------------------------------------------------------
#
# httpx only has per-operation timeouts: a server that sends one byte every 19 s never trips a
# 20 s read timeout. So every socket operation goes through a stream that clamps its timeout to
# what is left of the calling thread's deadline. Sync httpx does all I/O on the calling thread,
# which makes a thread-local deadline exact, even for pooled connections reused by another thread.


class _Deadline:
    """The calling thread's deadline (a time.monotonic() value), if it is inside a fetch."""

    def __init__(self) -> None:
        self._local = threading.local()

    def remaining(self) -> float | None:
        ends: float | None = getattr(self._local, "ends", None)
        return None if ends is None else ends - time.monotonic()

    def passed(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0.05

    @contextmanager
    def until(self, ends: float) -> Iterator[None]:
        previous = getattr(self._local, "ends", None)
        self._local.ends = ends
        try:
            yield
        finally:
            self._local.ends = previous

    def clamp(self, timeout: float | None, expired: type[Exception]) -> float | None:
        left = self.remaining()
        if left is None:
            return timeout
        if left <= 0:
            raise expired("the overall deadline has passed")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        upgraded = self._inner.start_tls(ssl_context, server_hostname, timeout)
        return _DeadlineStream(upgraded, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, deadline: _Deadline) -> None:
        self._inner = httpcore.SyncBackend()
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_unix_socket(path, timeout, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _CoreStream(httpx.SyncByteStream):
    def __init__(self, inner: Iterable[bytes]) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


@cache
def _ssl_context() -> ssl.SSLContext:
    """Shared: loading the CA bundle takes ~50 ms, and a client context is safe to share."""
    return httpx.create_ssl_context()


class _Transport(httpx.BaseTransport):
    """httpx.HTTPTransport cannot take a network backend, so this is its few lines again.

    httpcore errors pass through unmapped; Fetcher translates both families itself.
    """

    def __init__(self, deadline: _Deadline) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=None,  # concurrency is bounded by the callers and per-host slots
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_DeadlineBackend(deadline),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(request.stream, httpx.SyncByteStream):  # pragma: no cover - a bug
            raise TypeError("the sync transport needs a sync request body")
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        core_response = self._pool.handle_request(core_request)
        if not isinstance(core_response.stream, Iterable):  # pragma: no cover - a bug
            raise TypeError("the sync transport got an async response body")
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_CoreStream(core_response.stream),
            extensions=core_response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


# --- politeness -------------------------------------------------------------------------------


class _Host:
    """Per-host slots and start times: one feed farm must not see a sync run as an attack."""

    def __init__(self, slots: int) -> None:
        self.slots = threading.BoundedSemaphore(slots)
        self.next_start = 0.0


# --- the fetcher --------------------------------------------------------------------------------


class Fetcher:
    """Thread-safe; one per sync run, so connections are pooled and politeness is shared.

    Limits, all enforced here so no caller can forget one: connect and read timeouts, an
    overall ``deadline`` per fetch (a server dripping bytes cannot hold a worker forever),
    ``max_redirects`` with loop detection, ``max_bytes`` on the decompressed body (an endless
    body or a gzip bomb is cut off as soon as it passes the cap), at most ``per_host``
    concurrent requests to one host and ``host_interval`` seconds between request starts to it.
    Every failure is a FetchError subclass whose message names the problem in one line.
    """

    def __init__(
        self,
        *,
        timeout: float = 20.0,
        connect_timeout: float = 10.0,
        deadline: float = 60.0,
        max_bytes: int = 30 * 1024 * 1024,
        max_redirects: int = 5,
        per_host: int = 2,
        host_interval: float = 0.2,
        user_agent: str = USER_AGENT,
    ) -> None:
        if min(timeout, connect_timeout, deadline) <= 0:
            raise ValueError("timeouts and the deadline must be positive")
        if max_bytes <= 0 or max_redirects < 0 or per_host < 1 or host_interval < 0:
            raise ValueError("max_bytes and per_host must be positive; the rest not negative")
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._deadline_seconds = deadline
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects
        self._per_host = per_host
        self._host_interval = host_interval
        self._deadline = _Deadline()
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._client = httpx.Client(
            transport=_Transport(self._deadline),
            timeout=httpx.Timeout(timeout, connect=connect_timeout, pool=None),
            follow_redirects=False,
            trust_env=False,  # the custom transport ignores proxy variables; be explicit
            headers={
                "User-Agent": user_agent,
                # Only what _decoded() can inflate with a size cap; httpx would add br/zstd.
                "Accept-Encoding": "gzip, deflate",
            },
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Closes pooled connections; safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._client.close()

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """GET ``url``, following redirects; conditional when validators are given.

        Raises a FetchError subclass for every failure; never retries (the caller knows
        whether a retry is worth it, and RetryLater says when the server wants one).
        """
        if self._closed:
            raise RuntimeError("this Fetcher has been closed")
        cap = self._max_bytes if max_bytes is None else max_bytes
        if cap <= 0:
            raise ValueError("max_bytes must be positive")
        current = _checked_url(url)
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept

        seen = {str(current)}
        permanent_url: str | None = None
        still_permanent = True  # permanent_url only while every hop so far was permanent
        ends: float | None = None  # the deadline starts once the first request may go out
        for _hop in range(self._max_redirects + 1):
            with self._polite(current.host):
                if ends is None:
                    ends = time.monotonic() + self._deadline_seconds
                with self._deadline.until(ends):
                    hop = self._request(current, headers, cap)
            if isinstance(hop, FetchResult):
                if hop.not_modified:  # a 304 may omit the validators; the old ones still hold
                    hop = replace(hop, etag=hop.etag or etag,
                                  last_modified=hop.last_modified or last_modified)
                return replace(hop, permanent_url=permanent_url)
            status, location = hop
            target = _redirect_target(current, location, status)
            if status in _PERMANENT and still_permanent:
                permanent_url = str(target)
            else:
                still_permanent = False
            if str(target) in seen:
                raise TooManyRedirects(f"redirect loop: {target} was already visited "
                                       f"on the way from {url}")
            seen.add(str(target))
            current = target
        raise TooManyRedirects(f"more than {self._max_redirects} redirects starting at {url}")

    # --- one request ----------------------------------------------------------------------------

    @contextmanager
    def _polite(self, host: str) -> Iterator[None]:
        with self._lock:
            slot = self._hosts.get(host)
            if slot is None:
                slot = self._hosts[host] = _Host(self._per_host)
        with slot.slots:
            with self._lock:
                now = time.monotonic()
                start = max(now, slot.next_start)
                slot.next_start = start + self._host_interval
            if start > now:
                time.sleep(start - now)
            yield

    def _request(
        self, url: httpx.URL, headers: dict[str, str], cap: int
    ) -> FetchResult | tuple[int, str | None]:
        """One GET: a result, or (status, Location) for a redirect the caller follows."""
        shown = str(url)
        phase = "connect"
        try:
            request = self._client.build_request("GET", url, headers=headers)
            response = self._client.send(request, stream=True)
            phase = "body"
            try:
                return self._handle(response, shown, cap)
            finally:
                response.close()
        except FetchError:
            raise
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, httpcore.TimeoutException,
                httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol,
                httpcore.ProxyError) as exc:
            raise self._translate(exc, url, phase) from exc

    def _handle(
        self, response: httpx.Response, url: str, cap: int
    ) -> FetchResult | tuple[int, str | None]:
        status = response.status_code
        if status in _REDIRECTS:
            return status, response.headers.get("Location")
        if status == 304:
            return _result(response, url, b"")
        if status == 410:
            raise SourceGone(_status_message(response, url), status)
        if status in _RETRYABLE:
            wait = parse_retry_after(response.headers.get("Retry-After"))
            if wait is not None:
                raise RetryLater(
                    f"{_status_message(response, url)}; retry after {wait:g} s", status, wait
                )
        if not 200 <= status < 300:
            raise HttpStatusError(_status_message(response, url), status)
        return _result(response, url, self._read(response, url, cap))

    def _read(self, response: httpx.Response, url: str, cap: int) -> bytes:
        """The decoded body, refused as soon as it passes ``cap`` bytes (raw or decoded)."""
        declared = response.headers.get("Content-Length", "")
        if declared.strip().isdigit() and int(declared) > cap:
            raise ResponseTooLarge(f"response larger than {_size(cap)} from {url} "
                                   f"(it announces {_size(int(declared))})")
        raw_total = 0

        def raw() -> Iterator[bytes]:
            nonlocal raw_total
            for chunk in response.iter_raw():
                raw_total += len(chunk)
                if raw_total > cap:
                    raise ResponseTooLarge(f"response larger than {_size(cap)} from {url}")
                if self._deadline.passed():
                    raise FetchTimeout(self._deadline_message(url))
                yield chunk

        body = bytearray()
        for piece in _decoded(raw(), response.headers.get("Content-Encoding"), url):
            body += piece
            if len(body) > cap:
                raise ResponseTooLarge(f"response larger than {_size(cap)} from {url}")
        return bytes(body)

    def _deadline_message(self, url: str) -> str:
        return f"timed out after {self._deadline_seconds:g} s: {url} sent its response too slowly"

    def _translate(self, exc: Exception, url: httpx.URL, phase: str) -> FetchError:
        shown = str(url)
        if isinstance(exc, (httpx.TimeoutException, httpcore.TimeoutException)):
            if self._deadline.passed():
                return FetchTimeout(self._deadline_message(shown))
            if isinstance(exc, (httpx.ConnectTimeout, httpcore.ConnectTimeout)):
                return FetchTimeout(
                    f"timed out after {self._connect_timeout:g} s connecting to {url.host}"
                )
            return FetchTimeout(f"timed out after {self._timeout:g} s waiting for {shown}")
        reason = _ERRNO_PREFIX.sub("", str(exc)).strip() or type(exc).__name__
        if isinstance(exc, (httpx.ConnectError, httpcore.ConnectError)):
            return ConnectionFailed(f"could not connect to {url.host}: {reason}")
        if isinstance(exc, (httpx.RemoteProtocolError, httpcore.RemoteProtocolError)):
            if phase == "body":
                return ConnectionFailed(
                    f"connection closed before the whole response arrived from {shown}"
                )
            if "disconnect" in reason.lower():
                return ConnectionFailed(f"{url.host} closed the connection without answering")
            return FetchError(f"{url.host} sent a malformed HTTP response ({reason})")
        if isinstance(exc, (httpx.NetworkError, httpcore.NetworkError)):
            if phase == "body":
                return ConnectionFailed(
                    f"connection closed before the whole response arrived from {shown} "
                    f"({reason})"
                )
            return ConnectionFailed(f"connection to {url.host} failed: {reason}")
        if isinstance(exc, (httpx.UnsupportedProtocol, httpcore.UnsupportedProtocol)):
            return UnsafeURL(f"not a web address we fetch: {shown}")
        return FetchError(f"could not download {shown}: {reason}")


# --- helpers ------------------------------------------------------------------------------------


def _checked_url(url: str) -> httpx.URL:
    """Refuses anything but http(s) before any I/O: feeds must not make us read local files."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise UnsafeURL(f"not a valid web address: {url!r}") from exc
    if not parsed.scheme:
        raise UnsafeURL(f"not a web address (no http:// or https://): {url!r}")
    if parsed.scheme not in ("http", "https"):
        raise UnsafeURL(f"refusing to fetch {url!r}: only http and https addresses are fetched")
    if not parsed.host:
        raise UnsafeURL(f"not a valid web address (no host): {url!r}")
    return parsed


def _redirect_target(current: httpx.URL, location: str | None, status: int) -> httpx.URL:
    if not location or not location.strip():
        raise HttpStatusError(
            f"HTTP {status} redirect without a Location header from {current}", status
        )
    try:
        target = current.join(location.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError(f"{current} redirected to an invalid address: {location!r}") from exc
    if target.scheme not in ("http", "https") or not target.host:
        raise UnsafeURL(f"{current} redirected to a non-web address: {location!r}")
    return target


def _decoded(chunks: Iterator[bytes], content_encoding: str | None, url: str) -> Iterator[bytes]:
    """Undoes Content-Encoding (applied in order, so undone in reverse), in bounded pieces."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
    stream: Iterator[bytes] = chunks
    for coding in reversed([c for c in codings if c and c != "identity"]):
        if coding in _GZIP or coding in _DEFLATE:
            stream = _inflate(stream, coding, url)
        else:
            raise FetchError(f"{url} sent its response in an encoding we cannot read ({coding})")
    return stream


def _inflate(chunks: Iterator[bytes], coding: str, url: str) -> Iterator[bytes]:
    """Inflates at most _PIECE bytes per step, so the caller's cap stops a bomb early.

    gzip may hold several members; "deflate" is zlib-wrapped by the RFC but raw in practice.
    """
    gzip = coding in _GZIP
    wbits = 16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)
    started = received = False
    for chunk in chunks:
        data = chunk
        while data:
            received = True
            if inflater.eof:
                if not (gzip and data.startswith(b"\x1f\x8b")):
                    break  # trailing bytes after the stream: ignored, like browsers do
                inflater = zlib.decompressobj(wbits)
            try:
                out = inflater.decompress(data, _PIECE)
            except zlib.error as exc:
                if gzip or started:
                    raise FetchError(f"could not decode the {coding} response from {url}") from exc
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                started = True
                continue
            started = True
            if out:
                yield out
            if inflater.eof:
                data = inflater.unused_data
            else:
                data = inflater.unconsumed_tail
                while not data and len(out) == _PIECE:  # output still pending in zlib
                    out = inflater.decompress(b"", _PIECE)
                    if out:
                        yield out
                    data = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
    if received and not inflater.eof:
        raise ConnectionFailed(f"connection closed before the whole response arrived from {url} "
                               f"(the {coding} stream is incomplete)")


def _result(response: httpx.Response, url: str, content: bytes) -> FetchResult:
    content_type, charset = _parse_content_type(response.headers.get("Content-Type"))
    return FetchResult(
        url=url,
        status=response.status_code,
        content=content,
        content_type=content_type,
        charset=charset,
        etag=response.headers.get("ETag") or None,
        last_modified=response.headers.get("Last-Modified") or None,
        permanent_url=None,
        not_modified=response.status_code == 304,
    )


def _parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    media, _, params = value.partition(";")
    charset: str | None = None
    for param in params.split(";"):
        name, _, raw = param.partition("=")
        if name.strip().lower() == "charset":
            charset = raw.strip().strip("\"'").strip().lower() or None
            break
    return media.strip().lower() or None, charset


def _status_message(response: httpx.Response, url: str) -> str:
    status = response.status_code
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = response.reason_phrase
    return f"HTTP {status} {phrase} from {url}" if phrase else f"HTTP {status} from {url}"


def _size(count: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= factor:
            return f"{count / factor:.4g} {unit}"
    return f"{count} bytes"
