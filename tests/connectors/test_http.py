"""The connectors' HTTP client: the private-address guard and what it makes of garbage.

Every platform here is a tiny loopback server the test starts and scripts.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from postguard.connectors.base import OutcomeUnknownError, PermanentError, RetryableError
from postguard.connectors.http import (
    AddressPolicy,
    BlockedAddressError,
    HttpClient,
    RequestsAdapter,
    Timeouts,
    requests_session,
    retry_after,
)
from tests.connectors.loopback import LoopbackServer, Reply, Seen, loopback_server

HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>503 Service Temporarily Unavailable</title></head>"
    b"<body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>"
)


def scripted(seen: Seen) -> Reply:
    path = seen.path.split("?")[0]
    if path == "/ok":
        return Reply(200, b'{"id": "1"}', {"Content-Type": "application/json"})
    if path == "/not-json":
        return Reply(200, b'{"id": "1", "url":', {"Content-Type": "application/json"})
    if path == "/html-200":
        return Reply(200, b"<html><head><title>Sign in</title></head></html>", {})
    if path == "/html-503":
        return Reply(503, HTML_PAGE, {"Content-Type": "text/html", "Retry-After": "120"})
    if path == "/huge-500":
        return Reply(500, b"E" * 5_000_000, {"Content-Type": "text/plain"})
    if path == "/huge-200":
        return Reply(200, b"[" + b"1," * 2_000_000 + b"1]", {"Content-Type": "application/json"})
    if path == "/slow":
        return Reply(200, b"{}", delay=2.0)
    if path == "/drop":
        return Reply(drop=True)
    if path == "/limited":
        return Reply(429, b'{"error": "Too many requests"}', {"RateLimit-Reset": "30"})
    if path == "/gone":
        return Reply(401, b'{"error": "The access token was revoked"}', {})
    if path == "/redirect-inside":
        return Reply(302, b"", {"Location": "http://10.1.2.3/metadata"})
    return Reply(404, b'{"error": "Record not found"}', {})


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    with loopback_server(scripted) as running:
        yield running


@pytest.fixture
def client() -> Iterator[HttpClient]:
    http = HttpClient(
        policy=AddressPolicy(allow_loopback=True),
        timeouts=Timeouts(connect=2, read=0.5, write=2),
        max_response_bytes=1_000_000,
    )
    yield http
    http.close()


# --- The address guard ----------------------------------------------------------------------


def test_loopback_is_refused_by_default_and_nothing_is_sent(server: LoopbackServer) -> None:
    before = len(server.seen)
    with HttpClient() as http, pytest.raises(BlockedAddressError) as caught:
        http.request("POST", f"{server.url}/ok", platform="bluesky")
    assert caught.value.message.startswith("refused to connect to 127.0.0.1: it is a loopback")
    assert isinstance(caught.value, PermanentError)
    assert len(server.seen) == before


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("http://10.0.0.7/", "10.0.0.7: it is a private or link-local address"),
        ("http://192.168.1.1/", "192.168.1.1: it is a private or link-local address"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254: it is a private or link"),
        ("http://[fd00::1]/", "fd00::1: it is a private or link-local address"),
        ("http://[::ffff:10.0.0.1]/", "::ffff:10.0.0.1: it is a private or link-local address"),
        ("http://0.0.0.0/", "0.0.0.0: it is not a unicast address"),
        ("http://localhost/", "localhost (127.0.0.1): it is a loopback address"),
    ],
)
def test_private_addresses_are_refused_before_connecting(url: str, named: str) -> None:
    with (
        HttpClient(policy=AddressPolicy(allow_loopback=False)) as http,
        pytest.raises(BlockedAddressError) as caught,
    ):
        http.request("GET", url)
    assert named in caught.value.message


def test_allowing_loopback_does_not_allow_private_networks() -> None:
    with (
        HttpClient(policy=AddressPolicy(allow_loopback=True)) as http,
        pytest.raises(BlockedAddressError, match=r"10\.9\.8\.7: it is a private"),
    ):
        http.request("GET", "http://10.9.8.7/")


def test_a_redirect_to_a_private_address_is_refused(
    server: LoopbackServer, client: HttpClient
) -> None:
    with pytest.raises(BlockedAddressError, match=r"10\.1\.2\.3: it is a private"):
        client.request("GET", f"{server.url}/redirect-inside")


def test_a_name_is_checked_by_every_address_it_resolves_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A name that resolves to a public and a private address is refused as a whole.
    def resolve(host: str, port: object, *args: object, **kwargs: object) -> list[object]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 443)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with HttpClient() as http, pytest.raises(BlockedAddressError) as caught:
        http.request("GET", "https://platform.example/")
    assert "platform.example (10.0.0.5): it is a private" in caught.value.message


# --- Garbage and failures -------------------------------------------------------------------


def test_json_answers_decode(server: LoopbackServer, client: HttpClient) -> None:
    assert client.request_json("GET", f"{server.url}/ok") == {"id": "1"}


def test_invalid_json_after_a_write_is_outcome_unknown(
    server: LoopbackServer, client: HttpClient
) -> None:
    with pytest.raises(OutcomeUnknownError) as caught:
        client.request_json("POST", f"{server.url}/not-json", platform="mastodon")
    assert caught.value.message == (
        f"POST {server.url}/not-json answered 2xx with 18 bytes starting "
        '\'{"id": "1", "url":\', not JSON; the platform may have acted: look for the post '
        "before retrying"
    )
    assert str(caught.value).startswith("mastodon: POST")


def test_invalid_json_on_a_read_is_retryable(server: LoopbackServer, client: HttpClient) -> None:
    with pytest.raises(RetryableError, match="answered 2xx with an HTML page titled 'Sign in'"):
        client.request_json("GET", f"{server.url}/html-200")


def test_an_html_error_page_is_named_by_its_title(
    server: LoopbackServer, client: HttpClient
) -> None:
    with pytest.raises(RetryableError) as caught:
        client.request_json("POST", f"{server.url}/html-503")
    assert caught.value.retry_after == 120
    assert caught.value.message.startswith(
        f"POST {server.url}/html-503 answered 503 with an HTML page titled "
        f"'503 Service Temporarily Unavailable' ({len(HTML_PAGE)} bytes): the platform is "
        "unavailable"
    )


def test_a_500_with_a_huge_body_is_cut_at_the_cap(
    server: LoopbackServer, client: HttpClient
) -> None:
    with pytest.raises(OutcomeUnknownError) as caught:
        client.request_json("POST", f"{server.url}/huge-500")
    message = caught.value.message
    assert "answered 500 with 1,000,000 bytes (cut short) starting 'EEEE" in message
    assert "may have acted; look for the post before retrying" in message
    assert len(message) < 500

    with pytest.raises(RetryableError, match="answered 500 with 1,000,000 bytes"):
        client.request_json("GET", f"{server.url}/huge-500")


def test_a_success_larger_than_the_cap_is_refused(
    server: LoopbackServer, client: HttpClient
) -> None:
    with pytest.raises(
        OutcomeUnknownError,
        match=r"huge-200 answered with 4,000,003 bytes; the limit is 1,000,000; the platform may",
    ):
        client.request_json("POST", f"{server.url}/huge-200")
    with pytest.raises(RetryableError, match="the limit is 1,000,000"):
        client.request_json("GET", f"{server.url}/huge-200")


def test_silence_after_a_write_is_outcome_unknown(
    server: LoopbackServer, client: HttpClient
) -> None:
    with pytest.raises(OutcomeUnknownError, match="no answer in time after the request was sent"):
        client.request_json("POST", f"{server.url}/slow")


def test_silence_on_a_read_is_retryable(server: LoopbackServer, client: HttpClient) -> None:
    with pytest.raises(RetryableError, match="no answer in time"):
        client.request_json("GET", f"{server.url}/slow")


def test_a_dropped_connection_after_a_write_is_outcome_unknown(
    server: LoopbackServer, client: HttpClient
) -> None:
    with pytest.raises(OutcomeUnknownError, match="the connection dropped after the request"):
        client.request_json("POST", f"{server.url}/drop")


def test_nothing_listening_is_retryable_because_nothing_was_sent(client: HttpClient) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(RetryableError, match=r"could not connect .*nothing was sent"):
        client.request_json("POST", f"http://127.0.0.1:{port}/statuses")


def test_rate_limited_says_how_long_to_wait(server: LoopbackServer, client: HttpClient) -> None:
    with pytest.raises(RetryableError) as caught:
        client.request_json("POST", f"{server.url}/limited")
    assert caught.value.retry_after == 30
    assert "answered 429 with the error 'Too many requests': rate limited; wait 30 s" in str(
        caught.value
    )


def test_revoked_credentials_are_permanent(server: LoopbackServer, client: HttpClient) -> None:
    with pytest.raises(PermanentError, match="refused this account's credentials; reconnect"):
        client.request_json("GET", f"{server.url}/gone")


def test_a_bad_server_url_is_permanent(client: HttpClient) -> None:
    with pytest.raises(PermanentError, match="the server address is not usable"):
        client.request("GET", "ftp://127.0.0.1/")


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "120"}, 120.0),
        ({"Retry-After": "Thu, 01 Jan 2026 00:01:00 GMT"}, 60.0),
        ({"X-RateLimit-Reset": "1767225630"}, 30.0),  # epoch seconds (Bluesky, Mastodon)
        ({"ratelimit-reset": "15"}, 15.0),  # a delay
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_reads_every_form_platforms_send(
    headers: dict[str, str], seconds: float | None
) -> None:
    now = 1767225600.0  # 2026-01-01T00:00:00Z
    assert retry_after(headers, now=now) == seconds


def test_the_requests_adapter_sends_through_the_guard(server: LoopbackServer) -> None:
    # Mastodon.py speaks `requests`; its traffic meets the same guard and cap.
    with HttpClient() as http:
        session = requests_session(RequestsAdapter(http, platform="mastodon"))
        with pytest.raises(BlockedAddressError):
            session.get(f"{server.url}/ok")
    with HttpClient(policy=AddressPolicy(allow_loopback=True)) as http:
        adapter = RequestsAdapter(http)
        answer = requests_session(adapter).post(f"{server.url}/ok", data={"status": "hi"})
    assert answer.json() == {"id": "1"}
    assert adapter.last_response is not None
    assert server.seen[-1].body == b"status=hi"


def test_the_default_client_does_not_decompress(server: LoopbackServer) -> None:
    # Accept-Encoding: identity keeps the size cap honest (no decompression bombs).
    with HttpClient(policy=AddressPolicy(allow_loopback=True)) as http:
        http.request("GET", f"{server.url}/ok")
    assert server.seen[-1].headers.get("Accept-Encoding") == "identity"
