"""Where webhook requests may go, and how one is sent: public addresses only, pinned.

A partner chooses the URL, so the server must not become their way into our own network
(the cloud metadata service at 169.254.169.254, the database on 10.0.0.5, an admin port on
127.0.0.1). Every address a host name resolves to must be public — not private, loopback,
link-local, multicast, reserved, unspecified or shared, nor such an IPv4 address wrapped in
IPv6 — or the URL is refused: when it is registered (``check_url``) and again at every
delivery (``post``), because DNS answers change. A delivery then connects to the very
address that was checked: there is no second lookup for a rebinding DNS server to answer
differently, while the Host header, TLS SNI and certificate check still use the host name.

``post`` never raises for anything the receiver or the network does. It has one deadline
for the whole attempt (lookup, connection, TLS, request and the answer's status line and
headers), enforced by closing the socket when it passes, so a receiver that trickles one
byte at a time cannot hold the worker longer. Redirects are answers, never followed. What
went wrong is reported as one of a few error classes — never the exception's own text,
which could carry internal details — and the details are logged for the operator.

Tests run local receivers on 127.0.0.1; ``allow_loopback_for_tests`` lets loopback (and
only loopback) through, and refuses to work outside Django's test environment.
"""

import contextlib
import http.client
import ipaddress
import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core import mail

from kernel.errors import DomainError

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# The system resolver; tests replace it with a stub that answers what they choose.
getaddrinfo = socket.getaddrinfo

# How much of the answer's body is read (and thrown away).
BODY_BYTES_READ = 1024
# Lookups run in these threads so that a slow resolver cannot outlast the deadline.
_lookups = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")
_loopback_allowed = False

# Well-known NAT64 prefix: 64:ff9b::a.b.c.d reaches the IPv4 address a.b.c.d.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Failure:
    """What a partner sees about a failed attempt: a class of error, never its text."""

    DNS = "DNS lookup failed"
    NOT_PUBLIC = "refused: not a public address"
    REFUSED = "connection refused"
    UNREACHABLE = "network unreachable"
    TIMEOUT = "timeout"
    TLS = "TLS error"
    CLOSED = "connection closed without an answer"
    INVALID = "invalid HTTP response"
    ERROR = "delivery error"

    @staticmethod
    def http(status: int) -> str:
        if 300 <= status < 400:
            return f"HTTP {status} (redirect not followed)"
        return f"HTTP {status}"


class UnsafeWebhookURL(DomainError):
    code = "invalid_url"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, Teredo, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is on the public internet (and nowhere else)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            return is_public(inner)
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _allowed(address: IPAddress) -> bool:
    return is_public(address) or (_loopback_allowed and address.is_loopback)


@contextlib.contextmanager
def allow_loopback_for_tests() -> Iterator[None]:
    """Let webhooks reach 127.0.0.1 and ::1 (only), for tests with local receivers.

    It is code, not a setting or an environment variable, so no deployment can switch it
    on, and it refuses to run outside Django's test environment (``setup_test_environment``
    is what creates ``django.core.mail.outbox``).
    """
    global _loopback_allowed
    if not hasattr(mail, "outbox"):
        raise RuntimeError("Loopback webhooks are for tests only.")
    previous, _loopback_allowed = _loopback_allowed, True
    try:
        yield
    finally:
        _loopback_allowed = previous


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str


def parse_target(url: str) -> Target:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeWebhookURL("Enter a valid absolute URL.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeWebhookURL("The URL's port is not a number from 1 to 65535.") from None
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=parts.scheme, host=parts.hostname, port=port, path=path)


def _lookup(host: str, port: int) -> list[IPAddress]:
    infos = getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def resolve(host: str, port: int, *, timeout: float) -> list[IPAddress]:
    """Every address ``host`` resolves to; raise ``socket.gaierror`` or ``TimeoutError``."""
    with contextlib.suppress(ValueError):
        return [ipaddress.ip_address(host)]
    future = _lookups.submit(_lookup, host, port)
    try:
        addresses = future.result(timeout=max(timeout, 0.001))
    except FutureTimeout:
        future.cancel()
        raise TimeoutError(f"looking up {host} took over {timeout:g} s") from None
    if not addresses:
        raise socket.gaierror(socket.EAI_NONAME, "no addresses")
    return addresses


def public_addresses(host: str, port: int, *, timeout: float) -> list[IPAddress]:
    """The addresses of ``host`` when every one of them may be reached; else raise."""
    addresses = resolve(host, port, timeout=timeout)
    refused = [address for address in addresses if not _allowed(address)]
    if refused:
        raise PermissionError(f"{host} resolves to non-public {', '.join(map(str, refused))}")
    return addresses


def check_url(url: str, *, timeout: float = 3.0) -> None:
    """Refuse a webhook URL unless its host resolves to public addresses only.

    The same answer whether the host does not resolve or resolves somewhere private, so
    registering URLs cannot be used to learn about names inside our network.
    """
    target = parse_target(url)
    try:
        public_addresses(target.host, target.port, timeout=timeout)
    except (OSError, UnicodeError, ValueError):
        raise UnsafeWebhookURL(
            f"{target.host} does not resolve to a public internet address. Webhooks are "
            "sent only to public addresses: check the host name."
        ) from None


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Speaks to ``host`` (Host header) at ``address``, the one that was checked."""

    def __init__(self, host: str, port: int, address: IPAddress, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((str(self.address), self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = 443

    def connect(self) -> None:
        super().connect()
        context = ssl.create_default_context()
        # SNI and the certificate check use the host name, not the address.
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


class _Deadline:
    """Closes the connection's socket when the attempt's time is up."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float):
        self.connection = connection
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def _expire(self) -> None:
        self.expired = True
        sock = self.connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> "_Deadline":
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()


def _classify(error: BaseException) -> str:
    if isinstance(error, socket.gaierror | UnicodeError):
        return Failure.DNS
    if isinstance(error, PermissionError):
        return Failure.NOT_PUBLIC
    if isinstance(error, TimeoutError):
        return Failure.TIMEOUT
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return Failure.TLS
    if isinstance(error, ConnectionRefusedError):
        return Failure.REFUSED
    if isinstance(error, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError):
        return Failure.CLOSED
    if isinstance(error, http.client.HTTPException):
        return Failure.INVALID
    if isinstance(error, OSError):
        return Failure.UNREACHABLE
    return Failure.ERROR


class _ConnectFailed(Exception):
    """No connection to one address; the next address, if any, is tried."""

    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


def _send(
    target: Target, address: IPAddress, body: bytes, headers: dict[str, str], *, seconds: float
) -> int:
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = kind(target.host, target.port, address, timeout=seconds)
    try:
        with _Deadline(connection, seconds) as deadline:
            try:
                try:
                    connection.connect()
                except ssl.SSLError:
                    raise
                except OSError as error:
                    raise _ConnectFailed(error) from error
                connection.request("POST", target.path, body=body, headers=headers)
                response = connection.getresponse()
                response.read(BODY_BYTES_READ)
                if deadline.expired:
                    # Cut off mid-answer: whatever was read is not an answer.
                    raise TimeoutError("the attempt's deadline passed")
                return response.status
            except (OSError, http.client.HTTPException) as error:
                if deadline.expired:
                    raise TimeoutError("the attempt's deadline passed") from error
                raise
    finally:
        connection.close()


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Outcome:
    """POST ``body`` once to ``url`` within ``timeout`` seconds in all; never raises."""
    started = time.monotonic()
    try:
        target = parse_target(url)
        addresses = public_addresses(target.host, target.port, timeout=timeout)
        failed: OSError = OSError("no address to connect to")
        for address in addresses:
            remaining = timeout - (time.monotonic() - started)
            if remaining <= 0:
                raise TimeoutError("no time left to connect")
            try:
                status = _send(target, address, body, headers, seconds=remaining)
            except _ConnectFailed as refused:
                failed = refused.error
                continue
            return Outcome(status, "" if 200 <= status < 300 else Failure.http(status))
        raise failed
    except Exception as error:
        failure = _classify(error)
        # The details are for the operator's log; the partner sees the class only.
        logger.info("Webhook POST to %s failed (%s): %r", url, failure, error)
        return Outcome(None, failure)
