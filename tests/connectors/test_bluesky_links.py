"""Post links: bsky.app for a PDS the web app can reach; for a PDS on a loopback or private
address (a local PDS, as in the demo), the record's JSON on the PDS itself, which serves no web
pages. The local case is checked against the reference PDS from npm: the link answers."""

from __future__ import annotations

import httpx
import pytest

from postguard.connectors.base import PublishRequest, new_idempotency_key
from postguard.connectors.bluesky import build, web_app_shows
from postguard.connectors.bluesky.connector import parse_post_uri
from postguard.connectors.credentials import Secret
from postguard.connectors.http import HttpClient
from tests.servers import BlueskyAccount, PdsServer


@pytest.mark.parametrize(
    ("service_url", "shows"),
    [
        ("https://bsky.social", True),
        ("https://pds.example.org:8443/", True),
        ("https://8.8.8.8", True),  # a public address
        ("http://127.0.0.1:2583", False),
        ("http://localhost:2583", False),
        ("http://pds.localhost", False),
        ("http://[::1]:2583", False),
        ("http://10.0.0.5", False),
        ("http://192.168.1.20:3000", False),
        ("http://169.254.10.1", False),
    ],
)
def test_which_servers_the_web_app_shows(service_url: str, shows: bool) -> None:
    assert web_app_shows(service_url) is shows


def test_a_public_pds_links_to_bsky_app(http: HttpClient) -> None:
    connector = build(
        service_url="https://pds.example.org", login="a.test", secret=Secret("x"), http=http
    )
    assert connector.post_link("did:plc:abc", "3kxyz") == (
        "https://bsky.app/profile/did:plc:abc/post/3kxyz"
    )


@pytest.mark.servers
def test_a_local_pds_links_to_the_record_on_the_pds_and_the_link_answers(
    pds: PdsServer, bluesky_account: BlueskyAccount, http: HttpClient
) -> None:
    connector = build(
        service_url=pds.url,
        login=bluesky_account.handle,
        secret=Secret(bluesky_account.app_password),
        http=http,
    )
    result = connector.publish(
        PublishRequest(text="Seen on the local PDS", idempotency_key=new_idempotency_key())
    )
    did, rkey = parse_post_uri(result.remote_id)
    assert result.url == (
        f"{pds.url}/xrpc/com.atproto.repo.getRecord?repo={did}"
        f"&collection=app.bsky.feed.post&rkey={rkey}"
    )
    answer = httpx.get(result.url)
    assert answer.status_code == 200
    assert answer.json()["uri"] == result.remote_id
    assert answer.json()["value"]["text"] == "Seen on the local PDS"
