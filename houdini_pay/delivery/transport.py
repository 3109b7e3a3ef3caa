"""POST a signed event to a webhook URL, refusing what would reach inside the network.

The URL's host is resolved once and every address it resolves to is checked, then the
connection is made to that checked address (with the host name kept for TLS and the
``Host`` header), so a DNS answer that changes between check and connect cannot redirect a
request to a private address. Redirects are not followed: a 3xx is a failed attempt.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from houdini_pay.errors import InvalidRequest

__all__ = ["Answer", "check_url", "post"]

MAX_BODY_KEPT = 1000
_MAX_BODY_READ = 64 * 1024


@dataclass(frozen=True, slots=True)
class Answer:
    """What one request got: a status and the start of the body, or an error."""

    status_code: int | None
    body: str | None
    error: str | None
    latency_ms: int

    @property
    def succeeded(self) -> bool:
        """A 2xx answer."""
        return self.status_code is not None and 200 <= self.status_code < 300


def check_url(url: str, *, allow_loopback: bool) -> tuple[str, str, int, str]:
    """Split a webhook URL into (scheme, host, port, path) or refuse it.

    Raises:
        InvalidRequest: ``invalid_webhook_url`` for anything but ``https://`` (or
            ``http://`` to a loopback address when ``allow_loopback``), credentials in the
            URL, or a literal address outside the public internet.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _bad(url, f"it cannot be parsed ({exc})") from None
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if scheme not in ("https", "http") or not host:
        raise _bad(url, "it must be an https:// URL with a host")
    if parts.username or parts.password:
        raise _bad(url, "it must not hold a user name or password")
    if scheme == "http" and not (allow_loopback and _is_loopback_name(host)):
        raise _bad(url, "only https:// URLs are delivered to")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        _check_address(url, literal, allow_loopback=allow_loopback)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port or (443 if scheme == "https" else 80), path


def _is_loopback_name(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_address(
    url: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address, *, allow_loopback: bool
) -> None:
    if address.is_loopback:
        if allow_loopback:
            return
        raise _bad(url, f"it reaches the loopback address {address}")
    if not address.is_global or address.is_multicast:
        raise _bad(url, f"it reaches {address}, which is not on the public internet")


def _bad(url: str, why: str) -> InvalidRequest:
    return InvalidRequest(
        f"webhook URL {url!r} is refused: {why}",
        code="invalid_webhook_url",
        details={"field": "url"},
    )


def _resolve(url: str, host: str, port: int, *, allow_loopback: bool) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        _check_address(url, ipaddress.ip_address(address), allow_loopback=allow_loopback)
    return addresses


def _connect(addresses: list[str], port: int, timeout: float | None) -> socket.socket:
    """A connection to the first checked address that answers (``localhost`` may be ::1)."""
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error or OSError("the host has no address")


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(
        self, host: str, port: int, addresses: list[str], timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._addresses = addresses
        self._tls = context

    def connect(self) -> None:
        raw = _connect(self._addresses, self.port, self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    allow_loopback: bool = False,
    ca_file: str | None = None,
) -> Answer:
    """POST ``body`` to ``url``; never raises for what the network or the receiver does."""
    started = time.perf_counter()

    def answer(status: int | None, text: str | None, error: str | None) -> Answer:
        return Answer(status, text, error, int((time.perf_counter() - started) * 1000))

    connection: http.client.HTTPConnection | None = None
    try:
        scheme, host, port, path = check_url(url, allow_loopback=allow_loopback)
        addresses = _resolve(url, host, port, allow_loopback=allow_loopback)
        if scheme == "https":
            context = ssl.create_default_context(cafile=ca_file)
            connection = _PinnedHTTPS(host, port, addresses, timeout, context)
        else:
            connection = _PinnedHTTP(host, port, addresses, timeout)
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(_MAX_BODY_READ).decode("utf-8", "replace")[:MAX_BODY_KEPT]
        return answer(response.status, text, None)
    except InvalidRequest as exc:
        return answer(None, None, exc.message)
    except TimeoutError:
        return answer(None, None, f"no answer within {timeout:g} seconds")
    except (OSError, http.client.HTTPException) as exc:
        return answer(None, None, f"{type(exc).__name__}: {exc}")
    finally:
        if connection is not None:
            connection.close()
