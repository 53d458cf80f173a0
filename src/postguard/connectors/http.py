"""The one HTTP client every connector sends through: address guard, timeouts, size cap.

It refuses to connect to loopback, private, link-local and other non-public addresses unless
told to (a platform server on the organization's own network; the tests' loopback servers),
checking every address a name resolves to and connecting to the checked address, so a DNS
answer cannot swap in another one. It caps response bodies (a 2xx over the cap is an error; an
error page over the cap is cut short) and turns every transport failure and every unusable
answer into one of the three connector errors, with a message that says what came back.
"""

from __future__ import annotations

import email.utils
import functools
import ipaddress
import json
import socket
import ssl
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx
import requests
import requests.adapters
import requests.structures
import requests.utils

from postguard.connectors.base import (
    ConnectorError,
    OutcomeUnknownError,
    PermanentError,
    RetryableError,
)

USER_AGENT = "Postguard (+https://github.com/postguard/postguard)"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SNIPPET = 160


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which non-public addresses a client may reach. Public addresses are always allowed."""

    allow_loopback: bool = False
    allow_private: bool = False

    def refusal(self, address: str) -> str | None:
        """Why this address is refused, or None when it may be reached."""
        ip = ipaddress.ip_address(address)
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_loopback:
            return None if self.allow_loopback else "a loopback address"
        if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
            return "not a unicast address"
        if ip.is_private or ip.is_link_local or not ip.is_global:
            return None if self.allow_private else "a private or link-local address"
        return None


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float = 5.0
    read: float = 20.0
    write: float = 20.0
    pool: float = 5.0

    def as_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


class BlockedAddressError(PermanentError):
    """The host resolves to an address this client may not reach."""


class ResponseTooLargeError(Exception):
    """A successful answer was larger than the cap; the caller decides what that means."""

    def __init__(self, url: str, size: int | None, cap: int) -> None:
        told = f"{size:,} bytes" if size is not None else f"more than {cap:,} bytes"
        super().__init__(f"answered with {told}; the limit is {cap:,}")
        self.url = url
        self.size = size
        self.cap = cap


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves the host itself, checks every address, then connects to a checked one."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc.strerror}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in addresses:
            reason = self.policy.refusal(address)
            if reason is not None:
                named = host if host == address else f"{host} ({address})"
                raise BlockedAddressError(
                    f"refused to connect to {named}: it is {reason}; Postguard only "
                    "reaches platform servers on public addresses unless the connector is "
                    "configured to allow private ones"
                )
        last: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        raise last or httpcore.ConnectError(f"{host!r} resolves to no address")


class _CappedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, *, cap: int, url: str, cut: bool) -> None:
        self.inner = inner
        self.cap = cap
        self.url = url
        self.cut = cut  # an error page is cut short; a 2xx over the cap is an error
        self.truncated_at: int | None = None

    def __iter__(self) -> Iterator[bytes]:
        seen = 0
        for chunk in self.inner:
            if seen + len(chunk) > self.cap:
                if not self.cut:
                    raise ResponseTooLargeError(self.url, None, self.cap)
                yield chunk[: self.cap - seen]
                self.truncated_at = self.cap
                return
            seen += len(chunk)
            yield chunk

    def close(self) -> None:
        self.inner.close()


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The process's one TLS context, built on first use exactly as httpx builds its own.

    Certificates are checked against certifi's CA bundle, with hostname checks (the
    environment's SSL_CERT_FILE is ignored, like proxies). Loading the bundle is the costly part
    of building a context, so every client shares this one: an SSLContext is safe to share
    between threads, and nothing here changes it after it is built.
    """
    return httpx.create_ssl_context(trust_env=False)


class GuardedTransport(httpx.HTTPTransport):
    def __init__(self, policy: AddressPolicy, max_response_bytes: int) -> None:
        context = tls_context()
        super().__init__(verify=context, trust_env=False, retries=0)
        # httpx has no public hook for the connect step; its pool is the documented httpcore
        # ConnectionPool, rebuilt here with the same defaults plus our network backend.
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=20,
            max_keepalive_connections=10,
            keepalive_expiry=5.0,
            retries=0,
            network_backend=_GuardedBackend(policy),
        )
        self.max_response_bytes = max_response_bytes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        success = 200 <= response.status_code < 300
        declared = _int_or_none(response.headers.get("content-length"))
        if success and declared is not None and declared > self.max_response_bytes:
            response.close()
            raise ResponseTooLargeError(str(request.url), declared, self.max_response_bytes)
        assert isinstance(response.stream, httpx.SyncByteStream)
        capped = _CappedStream(
            response.stream, cap=self.max_response_bytes, url=str(request.url), cut=not success
        )
        response.stream = capped
        response.extensions = {**response.extensions, "postguard.capped": capped}
        return response


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


class HttpClient:
    """Send requests through the guard; turn failures into connector errors.

    `httpx_client` is the underlying httpx.Client, for SDKs that accept one (atproto); they
    then share the guard, the timeouts and the cap.
    """

    def __init__(
        self,
        *,
        policy: AddressPolicy | None = None,
        timeouts: Timeouts | None = None,
        max_response_bytes: int = 2_000_000,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.policy = policy or AddressPolicy()
        self.timeouts = timeouts or Timeouts()
        self.max_response_bytes = max_response_bytes
        self.httpx_client = httpx.Client(
            transport=GuardedTransport(self.policy, max_response_bytes),
            timeout=self.timeouts.as_httpx(),
            trust_env=False,
            follow_redirects=True,
            max_redirects=5,
            # identity: the size cap then bounds what is held in memory (no gzip bombs).
            headers={"User-Agent": user_agent, "Accept-Encoding": "identity"},
        )

    def close(self) -> None:
        self.httpx_client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        platform: str = "",
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        """The response, whatever its status; transport failures raise connector errors."""
        try:
            return self.httpx_client.request(
                method,
                url,
                headers=dict(headers or {}),
                params=dict(params) if params else None,
                json=json_body,
                content=content,
            )
        except Exception as exc:
            raise transport_error(exc, method=method, url=url, platform=platform) from exc

    def request_json(
        self,
        method: str,
        url: str,
        *,
        platform: str = "",
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
    ) -> Any:
        """The decoded JSON of a 2xx answer; a precise connector error for anything else."""
        response = self.request(
            method,
            url,
            platform=platform,
            headers=headers,
            params=params,
            json_body=json_body,
            content=content,
        )
        write = method.upper() in WRITE_METHODS
        if not 200 <= response.status_code < 300:
            raise status_error(
                response.status_code,
                response.headers,
                response.content,
                method=method,
                url=url,
                platform=platform,
                truncated=truncated(response),
            )
        return decode_json(
            response.content,
            content_type=response.headers.get("content-type", ""),
            method=method,
            url=url,
            platform=platform,
            write=write,
        )


def truncated(response: httpx.Response) -> bool:
    capped = response.extensions.get("postguard.capped")
    return isinstance(capped, _CappedStream) and capped.truncated_at is not None


# --- Turning failures into connector errors ---------------------------------------------------


def transport_error(
    exc: BaseException, *, method: str, url: str, platform: str = ""
) -> ConnectorError:
    """The connector error for an exception raised while sending a request."""
    if isinstance(exc, ConnectorError):
        if not exc.platform:
            exc.platform = platform
        return exc
    where = f"{method.upper()} {_short(url)}"
    write = method.upper() in WRITE_METHODS
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return PermanentError(
            f"{where}: the server address is not usable ({exc}); fix the account's server URL",
            platform=platform,
        )
    if isinstance(exc, ResponseTooLargeError):
        if write:
            return OutcomeUnknownError(
                f"{where} {exc}; the platform may have acted: look for the post before retrying",
                platform=platform,
            )
        return RetryableError(f"{where} {exc}", platform=platform)
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout | httpx.ConnectError):
        return RetryableError(
            f"{where}: could not connect ({_describe(exc)}); nothing was sent, so trying again "
            "later is safe",
            platform=platform,
        )
    if isinstance(exc, httpx.TimeoutException):
        if write:
            return OutcomeUnknownError(
                f"{where}: no answer in time after the request was sent ({_describe(exc)}); "
                "the platform may have acted: look for the post before retrying",
                platform=platform,
            )
        return RetryableError(f"{where}: no answer in time ({_describe(exc)})", platform=platform)
    if isinstance(exc, httpx.TransportError):
        if write:
            return OutcomeUnknownError(
                f"{where}: the connection dropped after the request was sent "
                f"({_describe(exc)}); the platform may have acted: look for the post before "
                "retrying",
                platform=platform,
            )
        return RetryableError(
            f"{where}: the connection dropped ({_describe(exc)})", platform=platform
        )
    return OutcomeUnknownError(
        f"{where}: unexpected failure ({type(exc).__name__}: {exc}); look for the post before "
        "retrying",
        platform=platform,
    )


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait, from Retry-After (seconds or a date) or a rate-limit reset header."""
    lowered = {key.lower(): value for key, value in headers.items()}
    current = time.time() if now is None else now
    value = lowered.get("retry-after")
    if value is not None:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            parsed = None
        if parsed is not None:
            return max(0.0, parsed.timestamp() - current)
    for name in ("ratelimit-reset", "x-ratelimit-reset"):
        reset = lowered.get(name)
        if reset is None:
            continue
        try:
            number = float(reset)
        except ValueError:
            try:
                return max(0.0, email.utils.parsedate_to_datetime(reset).timestamp() - current)
            except (TypeError, ValueError):
                continue
        # Bluesky and Mastodon send an epoch time; small numbers are a delay in seconds.
        return max(0.0, number - current) if number > 1_000_000_000 else number
    return None


def describe_body(body: bytes, content_type: str = "", *, truncated: bool = False) -> str:
    """A short, safe description of a response body for an error message."""
    if not body:
        return "an empty body"
    size = f"{len(body):,} bytes" + (" (cut short)" if truncated else "")
    text = body[:4096].decode("utf-8", errors="replace")
    if "html" in content_type.lower() or text.lstrip()[:15].lower().startswith(
        ("<!doctype", "<html")
    ):
        start = text.lower().find("<title>")
        end = text.lower().find("</title>")
        if start != -1 and end > start:
            title = " ".join(text[start + 7 : end].split())[:_SNIPPET]
            return f"an HTML page titled {title!r} ({size})"
        return f"an HTML page ({size})"
    try:
        data = json.loads(body)
    except ValueError:
        snippet = " ".join(text.split())[:_SNIPPET]
        return f"{size} starting {snippet!r}"
    message = platform_message(data)
    if message:
        return f"the error {message!r}"
    return f"JSON ({size})"


def platform_message(data: Any) -> str:
    """The human part of a platform's JSON error ({"error": ..., "message": ...})."""
    if not isinstance(data, dict):
        return ""
    parts = [str(data[key]) for key in ("error", "message", "error_description") if data.get(key)]
    return ": ".join(dict.fromkeys(parts))[:_SNIPPET]


def status_error(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    method: str,
    url: str,
    platform: str = "",
    truncated: bool = False,
) -> ConnectorError:
    """The connector error for a non-2xx answer."""
    where = f"{method.upper()} {_short(url)}"
    write = method.upper() in WRITE_METHODS
    lowered = {key.lower(): value for key, value in headers.items()}
    what = describe_body(body, lowered.get("content-type", ""), truncated=truncated)
    answered = f"{where} answered {status} with {what}"
    if status == 429:
        wait = retry_after(headers)
        later = f"wait {wait:.0f} s" if wait is not None else "wait"
        return RetryableError(
            f"{answered}: rate limited; {later} and try again", retry_after=wait, platform=platform
        )
    if status == 503:
        return RetryableError(
            f"{answered}: the platform is unavailable; try again later",
            retry_after=retry_after(headers),
            platform=platform,
        )
    if status in (401, 403):
        return PermanentError(
            f"{answered}: the platform refused this account's credentials; reconnect the account",
            platform=platform,
        )
    if status >= 500:
        if write:
            return OutcomeUnknownError(
                f"{answered}: the platform failed while handling the request and may have "
                "acted; look for the post before retrying",
                platform=platform,
            )
        return RetryableError(f"{answered}: a platform error; try again later", platform=platform)
    if status == 413:
        return PermanentError(f"{answered}: the upload is too large", platform=platform)
    return PermanentError(f"{answered}", platform=platform)


def decode_json(
    body: bytes,
    *,
    content_type: str,
    method: str,
    url: str,
    platform: str = "",
    write: bool | None = None,
) -> Any:
    """Parse a 2xx body as JSON; an unusable body is an error that says what it was."""
    is_write = method.upper() in WRITE_METHODS if write is None else write
    try:
        return json.loads(body)
    except ValueError:
        pass
    what = describe_body(body, content_type)
    message = f"{method.upper()} {_short(url)} answered 2xx with {what}, not JSON"
    if is_write:
        raise OutcomeUnknownError(
            f"{message}; the platform may have acted: look for the post before retrying",
            platform=platform,
        )
    raise RetryableError(f"{message}; try again later", platform=platform)


def _short(url: str) -> str:
    """The URL without its query (which may carry tokens on some platforms)."""
    return url.split("?", 1)[0]


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --- For SDKs built on `requests` (Mastodon.py) --------------------------------------------------

_HOP_HEADERS = frozenset({"accept-encoding", "connection", "content-length", "host"})


class RequestsAdapter(requests.adapters.BaseAdapter):
    """Sends a `requests` session's traffic through an HttpClient (guard, timeouts, cap).

    Transport failures leave as connector errors; `last_response` keeps the latest answer so
    a connector can read what the SDK does not pass on (Retry-After, the raw body).
    """

    def __init__(self, http: HttpClient, *, platform: str = "") -> None:
        super().__init__()
        self.http = http
        self.platform = platform
        self.last_response: httpx.Response | None = None

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        self.last_response = None
        body = request.body
        if body is None or isinstance(body, bytes):
            content = body
        elif isinstance(body, str):
            content = body.encode()
        else:
            raise TypeError("streamed request bodies are not supported; pass bytes")
        headers = {
            key: value.decode("latin-1") if isinstance(value, bytes) else value
            for key, value in request.headers.items()
            if key.lower() not in _HOP_HEADERS
        }
        method = request.method or "GET"
        url = request.url or ""
        answer = self.http.request(
            method, url, platform=self.platform, headers=headers, content=content
        )
        self.last_response = answer
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = requests.structures.CaseInsensitiveDict(answer.headers.items())
        response._content = answer.content  # the body is already read and capped
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.reason = answer.reason_phrase
        response.url = url
        response.request = request
        return response

    def close(self) -> None:
        """The HttpClient is shared; its owner closes it."""


def requests_session(adapter: RequestsAdapter) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxies or .netrc from the environment
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
