"""Fixtures for the connector tests: fresh accounts per test on the session's PDS and Mastodon
mock (tests/conftest.py), and an HTTP client that may reach loopback (and nothing else private).

mastodon-mock stands in for Mastodon because no real Mastodon server installs here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from postguard.connectors.bluesky import BlueskyConnector
from postguard.connectors.credentials import Secret
from postguard.connectors.http import AddressPolicy, HttpClient, Timeouts
from postguard.connectors.mastodon import MastodonConnector
from tests.servers import BlueskyAccount, MastodonAccount, MastodonMock, PdsServer


@pytest.fixture
def http() -> Iterator[HttpClient]:
    """The connectors' client, allowed to reach the loopback servers the tests start."""
    client = HttpClient(
        policy=AddressPolicy(allow_loopback=True), timeouts=Timeouts(connect=2, read=5, write=5)
    )
    yield client
    client.close()


@pytest.fixture
def bluesky_account(pds: PdsServer) -> BlueskyAccount:
    return pds.create_account()


@pytest.fixture
def bluesky(pds: PdsServer, bluesky_account: BlueskyAccount, http: HttpClient) -> BlueskyConnector:
    return BlueskyConnector(
        service_url=pds.url,
        handle=bluesky_account.handle,
        app_password=Secret(bluesky_account.app_password),
        http=http,
    )


@pytest.fixture
def mastodon_account(mastodon_mock: MastodonMock) -> Iterator[MastodonAccount]:
    yield mastodon_mock.create_account()
    mastodon_mock.clear_faults()


@pytest.fixture
def mastodon(
    mastodon_mock: MastodonMock, mastodon_account: MastodonAccount, http: HttpClient
) -> MastodonConnector:
    return MastodonConnector(
        instance_url=mastodon_mock.url,
        access_token=Secret(mastodon_account.access_token),
        http=http,
    )
