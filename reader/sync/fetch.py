"""The one HTTP client every sync download goes through: limits, politeness, plain errors."""

from __future__ import annotations

import http
import ipaddress
import math
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Any, Literal

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
from reader.validators import MAX_VALIDATOR_LENGTH, kept_validator

__all__ = [
    "GIVE_UP_IMAGES", "GIVE_UP_PAGES", "IMAGE_DEADLINE", "MAX_RETRY_AFTER", "MAX_URL_LENGTH",
    "MAX_VALIDATOR_LENGTH", "MIN_RATE", "PAGE_DEADLINE", "RATE_GRACE", "SOURCE_BYTES",
    "SOURCE_DEADLINE", "SOURCE_SECONDS", "USER_AGENT", "FetchKind", "FetchResult", "Fetcher",
    "SourceBudget", "address_kind", "parse_retry_after",
]

# --- the limits, all in one place --------------------------------------------------------------

#: The whole of one download (every redirect, the headers and the body), by what it is for:
#: a source's own document (a feed, or a page saved with ``add --page``), a page an entry
#: links to (its full text), an image. Past it the download is given up, however steadily
#: the bytes come.
SOURCE_DEADLINE = 30.0
PAGE_DEADLINE = 20.0
IMAGE_DEADLINE = 15.0
#: A response that has been arriving for RATE_GRACE seconds must average MIN_RATE bytes a
#: second from its first byte on, or it is given up: a server that drips a byte a second
#: costs 5 s, not the whole deadline. Time to the first byte is bounded by the read timeout.
RATE_GRACE = 5.0
MIN_RATE = 1024
#: What one source's sync may spend on downloads in all (its feed, linked pages and images):
#: time (waiting for a polite slot included: 2,000 linked pages on one host cost 400 s of
#: waits alone) and bytes received. A download that would pass either fails like any other
#: (a page keeps its summary, an image becomes a placeholder; the feed itself fails the
#: source).
SOURCE_SECONDS = 180.0
SOURCE_BYTES = 200 * 1024 * 1024
#: A source whose last GIVE_UP_PAGES linked pages in a row gave nothing (a failed download,
#: no article, no more text than the feed's), or whose last GIVE_UP_IMAGES images in a row
#: failed to download, is not asked for more of them in this sync: a feed of 2,000 entries
#: linking to pages that 404 costs five requests, not 2,000 polite waits.
GIVE_UP_PAGES = 5
GIVE_UP_IMAGES = 10
#: The longest Retry-After kept (a server asking for more is waited out this long).
MAX_RETRY_AFTER = 7 * 24 * 3600.0
#: ETag and Last-Modified values are kept (and sent back) only when they are printable ASCII
#: and at most this long; anything else is dropped, so the next sync simply fetches in full.
#: Redirect targets longer than this are refused (a permanent one would become the stored URL).
MAX_URL_LENGTH = 8192

#: What a download is for: decides its deadline and where it may connect (see ``Fetcher``).
FetchKind = Literal["source", "page", "image"]


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
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() accepts "²", which int() refuses
_REACH_KEY = "broadsheet.reach"  # the request extension naming where a request may connect


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

    What the server asked for, never more than a float holds (absurd values may be inf):
    the Fetcher clamps it to MAX_RETRY_AFTER. A date in the past means "now" (0). ``now``
    exists so tests need not race the clock.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if _DIGITS.fullmatch(text):
        return float(text)  # never int(): 5,000 digits raise; float() gives inf, clamped later
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


# --- the clock: a whole-response deadline and a minimum rate ------------------------------------
#
# httpx only has per-operation timeouts: a server that sends one byte every 19 s never trips a
# 20 s read timeout. So every socket operation goes through a stream that clamps its timeout to
# what is left of the calling thread's fetch: its deadline, and the moment the response would
# fall below the minimum rate. Sync httpx does all I/O on the calling thread, which makes a
# thread-local clock exact, even for pooled connections reused by another thread.


class _Meter:
    """One fetch on one thread: when it must end, and what has arrived (socket bytes, headers
    included, so a server dripping its headers is measured like one dripping its body)."""

    __slots__ = ("ends", "first_byte", "grace", "hop_bytes", "min_rate", "received", "slow")

    def __init__(self, ends: float, min_rate: float, grace: float) -> None:
        self.ends = ends
        self.min_rate = min_rate
        self.grace = grace
        self.received = 0  # the whole fetch, every redirect included
        self.first_byte: float | None = None  # of the current hop's response
        self.hop_bytes = 0
        self.slow = False  # the rate floor, not the deadline, is what runs out first

    def new_hop(self) -> None:
        self.first_byte = None
        self.hop_bytes = 0

    def got(self, count: int) -> None:
        if count:
            if self.first_byte is None:
                self.first_byte = time.monotonic()
            self.hop_bytes += count
            self.received += count

    def left(self) -> float:
        """Seconds until the deadline, or until the average rate would drop below the floor
        if nothing more arrived; ``slow`` says whether the floor is the nearer of the two."""
        now = time.monotonic()
        left = self.ends - now
        self.slow = False
        if self.first_byte is not None and self.min_rate > 0:
            due = self.first_byte + max(self.grace, self.hop_bytes / self.min_rate)
            if due < self.ends:
                left, self.slow = due - now, True
        return left

    def hop_seconds(self) -> float:
        return 0.0 if self.first_byte is None else time.monotonic() - self.first_byte


class _Clock:
    """The calling thread's meter, if it is inside a fetch."""

    def __init__(self) -> None:
        self._local = threading.local()

    def meter(self) -> _Meter | None:
        found: _Meter | None = getattr(self._local, "meter", None)
        return found

    def passed(self) -> bool:
        meter = self.meter()
        return meter is not None and meter.left() <= 0.05

    @contextmanager
    def running(self, meter: _Meter) -> Iterator[_Meter]:
        previous = getattr(self._local, "meter", None)
        self._local.meter = meter
        try:
            yield meter
        finally:
            self._local.meter = previous

    def clamp(self, timeout: float | None, expired: type[Exception]) -> float | None:
        meter = self.meter()
        if meter is None:
            return timeout
        left = meter.left()
        if left <= 0:
            raise expired("the overall deadline has passed")
        return left if timeout is None else min(timeout, left)

    def got(self, count: int) -> None:
        meter = self.meter()
        if meter is not None:
            meter.got(count)


class _ClockedStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, clock: _Clock) -> None:
        self._inner = inner
        self._clock = clock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = self._inner.read(max_bytes, self._clock.clamp(timeout, httpcore.ReadTimeout))
        self._clock.got(len(data))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._clock.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._clock.clamp(timeout, httpcore.ConnectTimeout)
        upgraded = self._inner.start_tls(ssl_context, server_hostname, timeout)
        return _ClockedStream(upgraded, self._clock)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


# --- where a request may connect --------------------------------------------------------------
#
# Pages and images a feed names may not reach the reader's own machine or network (a feed must
# not make the reader probe its router, its printer or a cloud metadata service) unless the
# source itself lives there. The check is made on the addresses a name resolves to, at
# connection time, and the connection is made to the address that was checked (resolve, then
# pin: no second lookup a DNS rebinding could answer differently). Each set of allowed address
# kinds has its own connection pool, so a connection made under a looser rule is never reused
# under a stricter one.

#: The kinds of address ``address_kind`` names; only "public" is open to every download.
AddressKind = Literal["public", "private", "loopback", "link-local", "reserved"]
_PUBLIC: frozenset[str] = frozenset({"public"})
_KIND_NAMES = {"private": "a private-network", "loopback": "a loopback",
               "link-local": "a link-local", "reserved": "a reserved", "public": "a public"}


def address_kind(ip: str) -> AddressKind:
    """What kind of address ``ip`` is (IPv4 or IPv6; IPv4-mapped IPv6 counts as its IPv4)."""
    try:
        address = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return "reserved"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback or address.is_unspecified:  # 0.0.0.0 reaches this machine too
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast or address.is_reserved:
        return "reserved"
    return "public" if address.is_global else "private"


class _Refused(Exception):
    """Raised at connection time: every address ``host`` resolves to is out of reach."""

    def __init__(self, host: str, ip: str, kind: str) -> None:
        super().__init__(f"{host} is {ip}")
        self.host, self.ip, self.kind = host, ip, kind


@cache
def _lookups() -> ThreadPoolExecutor:
    """Threads for name lookups, so a resolver that does not answer costs a fetch its
    connect timeout (and deadline), not the resolver's own minutes."""
    return ThreadPoolExecutor(max_workers=8, thread_name_prefix="name-lookup")


def _resolve(host: str, port: int, timeout: float | None) -> list[str]:
    """The addresses to try for ``host``, in the resolver's order (as create_connection would).

    A name the resolver cannot even encode (a label over 63 characters, a bad IDNA form) or a
    port out of range is a failed connection, not a crash.
    """
    try:
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:  # a name: looked up on a lookup thread, for at most ``timeout``
            lookup = _lookups().submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
            try:
                found = lookup.result(timeout)
            except FutureTimeout:
                raise httpcore.ConnectTimeout(f"looking up {host} took too long") from None
        else:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise httpcore.ConnectError(str(exc)) from exc
    except (UnicodeError, ValueError, OverflowError) as exc:
        raise httpcore.ConnectError(f"not a usable host name or port ({exc})") from exc
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in found:
        ip = str(sockaddr[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise httpcore.ConnectError(f"{host} has no address")
    return addresses


class _Backend(httpcore.NetworkBackend):
    """Connects only to addresses whose kind is in ``reach`` (None: anywhere), each socket
    operation clamped by the clock."""

    def __init__(self, clock: _Clock, reach: frozenset[str] | None) -> None:
        self._inner = httpcore.SyncBackend()
        self._clock = clock
        self._reach = reach

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = _resolve(host, port, self._clock.clamp(timeout, httpcore.ConnectTimeout))
        if self._reach is not None:
            allowed = [ip for ip in addresses if address_kind(ip) in self._reach]
            if not allowed:
                raise _Refused(host, addresses[0], address_kind(addresses[0]))
            addresses = allowed
        failure: Exception | None = None
        for ip in addresses:
            try:
                stream = self._inner.connect_tcp(
                    ip, port, self._clock.clamp(timeout, httpcore.ConnectTimeout),
                    local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
                continue
            return _ClockedStream(stream, self._clock)
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:  # pragma: no cover - no URL we fetch names a socket
        raise httpcore.ConnectError("unix sockets are never fetched")

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
    """httpx.HTTPTransport cannot take a network backend, so this is its few lines again, with
    one connection pool per reach (the request's ``broadsheet.reach`` extension).

    httpcore errors pass through unmapped; Fetcher translates both families itself.
    """

    def __init__(self, clock: _Clock) -> None:
        self._clock = clock
        self._pools: dict[frozenset[str] | None, httpcore.ConnectionPool] = {}
        self._lock = threading.Lock()

    def _pool(self, reach: frozenset[str] | None) -> httpcore.ConnectionPool:
        with self._lock:
            pool = self._pools.get(reach)
            if pool is None:
                pool = self._pools[reach] = httpcore.ConnectionPool(
                    ssl_context=_ssl_context(),
                    max_connections=None,  # bounded by the callers and per-host slots
                    max_keepalive_connections=20,
                    keepalive_expiry=5.0,
                    network_backend=_Backend(self._clock, reach),
                )
            return pool

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(request.stream, httpx.SyncByteStream):  # pragma: no cover - a bug
            raise TypeError("the sync transport needs a sync request body")
        extensions = dict(request.extensions)
        reach = extensions.pop(_REACH_KEY, None)
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
            extensions=extensions,
        )
        core_response = self._pool(reach).handle_request(core_request)
        if not isinstance(core_response.stream, Iterable):  # pragma: no cover - a bug
            raise TypeError("the sync transport got an async response body")
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_CoreStream(core_response.stream),
            extensions=core_response.extensions,
        )

    def close(self) -> None:
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.close()


# --- politeness -------------------------------------------------------------------------------


class _Host:
    """Per-host slots and start times: one feed farm must not see a sync run as an attack."""

    def __init__(self, slots: int) -> None:
        self.slots = threading.BoundedSemaphore(slots)
        self.next_start = 0.0


# --- the fetcher --------------------------------------------------------------------------------


@dataclass(slots=True)
class SourceBudget:
    """What one source may still download in this sync (``Fetcher.source``), and where from.

    ``reach`` is None until the source's own document has been fetched; then it is the
    address kinds its pages and images may connect to: public ones, and the kind of address
    the source itself answered from (a feed on 127.0.0.1 may load its images from there).
    """

    seconds: float
    max_bytes: int
    used_seconds: float = 0.0
    used_bytes: int = 0
    reach: frozenset[str] | None = None
    #: Pages and images in a row that gave nothing, by kind (see GIVE_UP_PAGES).
    misses: dict[str, int] = field(default_factory=dict)

    def missed(self, kind: str) -> None:
        self.misses[kind] = self.misses.get(kind, 0) + 1

    def hit(self, kind: str) -> None:
        self.misses[kind] = 0


_WHAT: dict[str, str] = {"source": "", "page": "the linked page ", "image": "the image "}
_GIVE_UP = {"page": (GIVE_UP_PAGES, "linked pages"), "image": (GIVE_UP_IMAGES, "images")}
#: Connection failures that say the host cannot be reached, remembered for the run.
_UNREACHABLE = (httpx.ConnectError, httpcore.ConnectError, httpx.ConnectTimeout,
                httpcore.ConnectTimeout)


class Fetcher:
    """Thread-safe; one per sync run, so connections are pooled and politeness is shared.

    Limits, all enforced here so no caller can forget one (the values: the constants above):

    - connect and read timeouts; a whole-response ``deadline`` per fetch by its ``kind``
      (``deadline`` for a source's own document, ``page_deadline``, ``image_deadline``), and
      a minimum average rate (``min_rate`` bytes a second once a response has been arriving
      for ``rate_grace`` seconds), so a server dripping bytes cannot hold a worker;
    - ``max_redirects`` with loop detection, and redirect targets of at most MAX_URL_LENGTH;
    - ``max_bytes`` on the decompressed body (an endless body or a gzip bomb is cut off as soon
      as it passes the cap);
    - inside ``with fetcher.source():`` a budget for all of one source's downloads together
      (``source_seconds``, ``source_bytes``);
    - pages and images (``kind="page"``/``"image"``) never connect to a private, loopback,
      link-local or reserved address unless the source's own document came from that kind of
      address (see ``source``); outside ``source`` they reach public addresses only. A
      source's own document may be anywhere (the person named it), but its redirects are held
      to the same rule;
    - Retry-After is clamped to MAX_RETRY_AFTER; ETag and Last-Modified are kept only when
      short printable ASCII (MAX_VALIDATOR_LENGTH), and so are the ones sent back;
    - at most ``per_host`` concurrent requests to one host, ``host_interval`` seconds between
      request starts to it (images excepted, see ``_polite``); a host that could not be
      connected to (no such name, refused, silent) is not tried again by this Fetcher: later
      requests fail at once, no wait.

    Every failure is a FetchError subclass whose message names the problem in one line.
    """

    def __init__(
        self,
        *,
        timeout: float = 20.0,
        connect_timeout: float = 10.0,
        deadline: float = SOURCE_DEADLINE,
        page_deadline: float | None = None,
        image_deadline: float | None = None,
        min_rate: float = MIN_RATE,
        rate_grace: float = RATE_GRACE,
        source_seconds: float = SOURCE_SECONDS,
        source_bytes: int = SOURCE_BYTES,
        max_bytes: int = 30 * 1024 * 1024,
        max_redirects: int = 5,
        per_host: int = 2,
        host_interval: float = 0.2,
        user_agent: str = USER_AGENT,
    ) -> None:
        page = min(deadline, PAGE_DEADLINE) if page_deadline is None else page_deadline
        image = min(deadline, IMAGE_DEADLINE) if image_deadline is None else image_deadline
        if min(timeout, connect_timeout, deadline, page, image, source_seconds) <= 0:
            raise ValueError("timeouts and deadlines must be positive")
        if (max_bytes <= 0 or source_bytes <= 0 or max_redirects < 0 or per_host < 1
                or host_interval < 0 or min_rate < 0 or rate_grace < 0):
            raise ValueError("max_bytes and per_host must be positive; the rest not negative")
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._deadlines: dict[str, float] = {"source": deadline, "page": page, "image": image}
        self._min_rate = min_rate
        self._rate_grace = rate_grace
        self._source_seconds = source_seconds
        self._source_bytes = source_bytes
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects
        self._per_host = per_host
        self._host_interval = host_interval
        self._clock = _Clock()
        self._local = threading.local()  # the calling thread's SourceBudget, if any
        self._hosts: dict[str, _Host] = {}
        # Origins a connection could not be made to in this run, with the reason.
        self._unreachable: dict[tuple[str, str, int | None], str] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._client = httpx.Client(
            transport=_Transport(self._clock),
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

    def current_source(self) -> SourceBudget | None:
        """The calling thread's source budget, inside ``source``."""
        budget: SourceBudget | None = getattr(self._local, "budget", None)
        return budget

    @contextmanager
    def source(self, *, seconds: float | None = None,
               max_bytes: int | None = None) -> Iterator[SourceBudget]:
        """Every fetch this thread makes inside the block is one source's: they share one
        budget of time and bytes, and the first ``kind="source"`` fetch decides where the
        others may connect (see ``SourceBudget``)."""
        budget = SourceBudget(self._source_seconds if seconds is None else seconds,
                              self._source_bytes if max_bytes is None else max_bytes)
        previous = getattr(self._local, "budget", None)
        self._local.budget = budget
        try:
            yield budget
        finally:
            self._local.budget = previous

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
        max_bytes: int | None = None,
        kind: FetchKind = "source",
    ) -> FetchResult:
        """GET ``url``, following redirects; conditional when validators are given.

        ``kind`` says what the download is for: its deadline and where it may connect.
        Raises a FetchError subclass for every failure; never retries (the caller knows
        whether a retry is worth it, and RetryLater says when the server wants one).
        """
        if self._closed:
            raise RuntimeError("this Fetcher has been closed")
        cap = self._max_bytes if max_bytes is None else max_bytes
        if cap <= 0:
            raise ValueError("max_bytes must be positive")
        current = _checked_url(url)
        etag, last_modified = kept_validator(etag), kept_validator(last_modified)
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept

        budget = self.current_source()
        limit = self._deadlines[kind]
        by_budget = cap_note = None
        if budget is not None and kind in _GIVE_UP:
            most, noun = _GIVE_UP[kind]
            if budget.misses.get(kind, 0) >= most:
                raise FetchError(f"not fetched: the last {most} {noun} of this source in a row "
                                 f"gave nothing, so no more are asked for in this sync: {url}")
        if budget is not None:
            seconds_left = budget.seconds - budget.used_seconds
            bytes_left = budget.max_bytes - budget.used_bytes
            if seconds_left <= 0:
                raise FetchTimeout(self._budget_seconds_message(budget, url))
            if bytes_left <= 0:
                raise ResponseTooLarge(self._budget_bytes_message(budget, url))
            if seconds_left < limit:
                limit, by_budget = seconds_left, budget
            if bytes_left < cap:
                cap, cap_note = bytes_left, self._budget_bytes_message(budget, url)
        defines_home = kind == "source" and (budget is None or budget.reach is None)
        reach: frozenset[str] | None = None
        if not defines_home:
            reach = budget.reach if budget is not None and budget.reach is not None else _PUBLIC

        seen = {str(current)}
        permanent_url: str | None = None
        still_permanent = True  # permanent_url only while every hop so far was permanent
        meter: _Meter | None = None  # the deadline starts once the first request may go out
        spent = 0.0
        try:
            for hop in range(self._max_redirects + 1):
                origin = (current.scheme, current.host, current.port)
                with self._lock:
                    unreachable = self._unreachable.get(origin)
                if unreachable is not None:
                    raise ConnectionFailed(f"{unreachable} (not tried again in this sync)")
                started = time.monotonic()
                try:
                    with self._polite(current.host, spaced=kind != "image"):
                        if meter is None:
                            meter = _Meter(time.monotonic() + limit, self._min_rate,
                                           self._rate_grace)
                        meter.new_hop()
                        with self._clock.running(meter):
                            outcome, peer = self._request(
                                current, headers, cap, reach, meter,
                                _Context(kind, url if hop else None, limit, by_budget,
                                         cap_note))
                finally:
                    spent += time.monotonic() - started
                if defines_home and hop == 0:
                    reach = _PUBLIC | {address_kind(peer) if peer else "public"}
                    if budget is not None:
                        budget.reach = reach
                if isinstance(outcome, FetchResult):
                    if outcome.not_modified:  # a 304 may omit the validators; the old ones hold
                        outcome = replace(outcome, etag=outcome.etag or etag,
                                          last_modified=outcome.last_modified or last_modified)
                    if budget is not None and kind == "image":
                        budget.hit(kind)  # a page's worth is for full_text to say
                    return replace(outcome, permanent_url=permanent_url)
                status, location = outcome
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
        except FetchError:
            if budget is not None and kind in _GIVE_UP:
                budget.missed(kind)
            raise
        finally:
            if budget is not None:
                budget.used_seconds += spent
                budget.used_bytes += 0 if meter is None else meter.received

    # --- one request ----------------------------------------------------------------------------

    @contextmanager
    def _polite(self, host: str, *, spaced: bool = True) -> Iterator[None]:
        """At most ``per_host`` requests to ``host`` at once, and (``spaced``) starts at least
        ``host_interval`` apart. Images are not spaced: they come from the same host as a
        page does for a browser (often a CDN), and 40 of an article's images would otherwise
        cost 8 s of waiting; the concurrency bound still holds for them."""
        with self._lock:
            slot = self._hosts.get(host)
            if slot is None:
                slot = self._hosts[host] = _Host(self._per_host)
        with slot.slots:
            with self._lock:
                now = time.monotonic()
                start = max(now, slot.next_start) if spaced else now
                if spaced:
                    slot.next_start = start + self._host_interval
            if start > now:
                time.sleep(start - now)
            yield

    def _request(
        self, url: httpx.URL, headers: dict[str, str], cap: int,
        reach: frozenset[str] | None, meter: _Meter, context: _Context,
    ) -> tuple[FetchResult | tuple[int, str | None], str | None]:
        """One GET: (a result, or (status, Location) for a redirect the caller follows; the
        address it came from)."""
        shown = str(url)
        phase = "connect"
        try:
            request = self._client.build_request("GET", url, headers=headers,
                                                 extensions={_REACH_KEY: reach})
            response = self._client.send(request, stream=True)
            phase = "body"
            try:
                peer = _peer(response)
                return self._handle(response, shown, cap, meter, context), peer
            finally:
                response.close()
        except FetchError:
            raise
        except _Refused as refused:
            raise UnsafeURL(_refusal(context, shown, refused)) from None
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, httpcore.TimeoutException,
                httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol,
                httpcore.ProxyError) as exc:
            failure = self._translate(exc, url, phase, meter, context)
            if phase == "connect" and isinstance(exc, _UNREACHABLE) and meter.left() > 0.05:
                # The host itself failed (no such name, refused, silent), not this fetch's
                # time: a feed naming it a thousand times costs one attempt, not a thousand
                # polite waits.
                with self._lock:
                    self._unreachable[(url.scheme, url.host, url.port)] = str(failure)
            raise failure from exc
        except (UnicodeError, ValueError, OverflowError) as exc:
            # A hostile value deep in the HTTP stack (a header, a host name): one failed
            # download, never a crash of the whole sync.
            reason = _ERRNO_PREFIX.sub("", str(exc)).strip() or type(exc).__name__
            raise FetchError(f"could not download {shown}: {reason}") from exc

    def _handle(
        self, response: httpx.Response, url: str, cap: int, meter: _Meter, context: _Context
    ) -> FetchResult | tuple[int, str | None]:
        status = response.status_code
        if status in _REDIRECTS:
            return status, response.headers.get("Location")
        if status == 304:
            return _result(response, url, b"")
        if status == 410:
            raise SourceGone(_status_message(response, url), status)
        if status in _RETRYABLE:
            asked = parse_retry_after(response.headers.get("Retry-After"))
            if asked is not None:
                wait = min(asked, MAX_RETRY_AFTER)
                note = ("" if asked <= MAX_RETRY_AFTER else
                        f" (it asked for {_duration(asked)}; the longest wait kept is "
                        f"{_duration(MAX_RETRY_AFTER)})" if math.isfinite(asked) else
                        f" (it asked for longer than any calendar; the longest wait kept is "
                        f"{_duration(MAX_RETRY_AFTER)})")
                raise RetryLater(f"{_status_message(response, url)}; retry after "
                                 f"{_duration(wait)}{note}", status, wait)
        if not 200 <= status < 300:
            raise HttpStatusError(_status_message(response, url), status)
        return _result(response, url, self._read(response, url, cap, meter, context))

    def _read(self, response: httpx.Response, url: str, cap: int, meter: _Meter,
              context: _Context) -> bytes:
        """The decoded body, refused as soon as it passes ``cap`` bytes (raw or decoded)."""
        too_large = context.cap_note or f"response larger than {_size(cap)} from {url}"
        declared = _declared_length(response.headers.get("Content-Length"))
        if declared is not None and declared > cap:
            raise ResponseTooLarge(context.cap_note or (
                f"response larger than {_size(cap)} from {url} (it announces "
                f"{_size(declared)})"))
        raw_total = 0

        def raw() -> Iterator[bytes]:
            nonlocal raw_total
            for chunk in response.iter_raw():
                raw_total += len(chunk)
                if raw_total > cap:
                    raise ResponseTooLarge(too_large)
                if self._clock.passed():
                    raise FetchTimeout(self._deadline_message(url, meter, context))
                yield chunk

        body = bytearray()
        for piece in _decoded(raw(), response.headers.get("Content-Encoding"), url):
            body += piece
            if len(body) > cap:
                raise ResponseTooLarge(too_large)
        return bytes(body)

    def _deadline_message(self, url: str, meter: _Meter, context: _Context) -> str:
        if meter.slow:
            return (f"the server sent {_size(meter.hop_bytes)} in "
                    f"{_seconds(meter.hop_seconds())}, less than {_size(int(self._min_rate))} "
                    f"a second; gave up on {url}")
        if context.by_budget is not None:
            return self._budget_seconds_message(context.by_budget, url)
        return (f"the server sent {_size(meter.received)} in {_seconds(context.limit)}; "
                f"gave up on {url}")

    @staticmethod
    def _budget_seconds_message(budget: SourceBudget, url: str) -> str:
        return (f"this source's downloads took {_seconds(budget.seconds)} in all, the most one "
                f"sync allows; gave up on {url}")

    @staticmethod
    def _budget_bytes_message(budget: SourceBudget, url: str) -> str:
        return (f"this source's downloads came to {_size(budget.max_bytes)}, the most one sync "
                f"allows; gave up on {url}")

    def _translate(self, exc: Exception, url: httpx.URL, phase: str, meter: _Meter,
                   context: _Context) -> FetchError:
        shown = str(url)
        if isinstance(exc, (httpx.TimeoutException, httpcore.TimeoutException)):
            if meter.left() <= 0.05:
                return FetchTimeout(self._deadline_message(shown, meter, context))
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


@dataclass(frozen=True, slots=True)
class _Context:
    """What one hop's messages need to say: what it is for, and which limit applies."""

    kind: str
    redirected_from: str | None
    limit: float
    by_budget: SourceBudget | None
    cap_note: str | None


def _refusal(context: _Context, url: str, refused: _Refused) -> str:
    if context.kind == "source" and context.redirected_from is not None:
        what = f"refused to follow {context.redirected_from}'s redirect to {url}"
    elif context.kind == "source":
        what = f"refused to fetch {url}"
    else:
        what = f"refused to fetch {_WHAT[context.kind]}{url}"
        if context.redirected_from is not None:
            what += f" (redirected from {context.redirected_from})"
    where = (f"{refused.ip} is" if refused.host.strip("[]") == refused.ip
             else f"{refused.host} is {refused.ip},")
    return (f"{what}: {where} {_KIND_NAMES[refused.kind]} address, and only a source that "
            f"lives on one may load from one")


def _peer(response: httpx.Response) -> str | None:
    """The address the response came from (for a pooled connection too)."""
    stream = response.extensions.get("network_stream")
    try:
        address = None if stream is None else stream.get_extra_info("server_addr")
    except OSError:
        return None
    return str(address[0]) if isinstance(address, tuple) and address else None


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
    _check_host_and_port(parsed, url)
    if not parsed.host:
        raise UnsafeURL(f"not a valid web address (no host): {url!r}")
    return parsed


def _check_host_and_port(parsed: httpx.URL, url: str) -> None:
    """Host names httpx cannot decode (``xn--zz``: IDNA) and ports out of range are refused
    here, before they fail deeper down in every message that names the host."""
    try:
        str(parsed.host)
    except (httpx.InvalidURL, ValueError) as exc:  # idna.IDNAError is a UnicodeError
        raise UnsafeURL(f"not a valid web address (bad host name): {url!r}") from exc
    try:
        port = parsed.port
    except (httpx.InvalidURL, ValueError) as exc:  # pragma: no cover - httpx checked it
        raise UnsafeURL(f"not a valid web address (bad port): {url!r}") from exc
    if port is not None and not 0 < port < 65536:
        raise UnsafeURL(f"not a valid web address (port {port}): {url!r}")


def _redirect_target(current: httpx.URL, location: str | None, status: int) -> httpx.URL:
    if not location or not location.strip():
        raise HttpStatusError(
            f"HTTP {status} redirect without a Location header from {current}", status
        )
    if len(location) > MAX_URL_LENGTH:
        raise FetchError(f"{current} redirected to an address longer than {MAX_URL_LENGTH} "
                         f"characters")
    try:
        target = current.join(location.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError(f"{current} redirected to an invalid address: {location!r}") from exc
    _check_host_and_port(target, location)
    if target.scheme not in ("http", "https") or not target.host:
        raise UnsafeURL(f"{current} redirected to a non-web address: {location!r}")
    if len(str(target)) > MAX_URL_LENGTH:
        raise FetchError(f"{current} redirected to an address longer than {MAX_URL_LENGTH} "
                         f"characters")
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
        etag=kept_validator(response.headers.get("ETag")),
        last_modified=kept_validator(response.headers.get("Last-Modified")),
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


def _declared_length(value: str | None) -> int | None:
    """Content-Length as a number (h11 has checked its form); absurd lengths stay absurd but
    never reach int() with thousands of digits."""
    text = (value or "").strip()
    if not _DIGITS.fullmatch(text):
        return None
    return int(text) if len(text) <= 18 else 10**18


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "ever"
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} h"
    if seconds < 730 * 86400:
        return f"{seconds / 86400:.0f} days"
    return f"{seconds / (365.25 * 86400):,.0f} years"


def _seconds(value: float) -> str:
    return f"{max(1.0, value):.0f} s" if value >= 0.95 else f"{value:.1g} s"


def _size(count: int) -> str:
    for unit, factor in (("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= factor:
            if unit == "TB" and count >= 1024 << 40:
                return "more than 1,000 TB"
            return f"{count / factor:.4g} {unit}"
    return f"{count} bytes"
