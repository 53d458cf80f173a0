"""Fixtures for the connector tests: one PDS and one Mastodon mock per session, fresh accounts
per test, and an HTTP client that may reach loopback (and nothing else private).

mastodon-mock stands in for Mastodon because no real Mastodon server installs here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from postguard.connectors.bluesky import BlueskyConnector
from postguard.connectors.credentials import Secret
from postguard.connectors.http import AddressPolicy, HttpClient, Timeouts
from postguard.connectors.mastodon import MastodonConnector
from tests.servers import BlueskyAccount, MastodonAccount, MastodonMock, PdsServer

_STARTUP: dict[str, float] = {}


@pytest.fixture(scope="session")
def pds() -> Iterator[PdsServer]:
    missing = PdsServer.missing()
    if missing is not None:
        pytest.fail(missing, pytrace=False)
    data_dirs = set(Path(tempfile.gettempdir()).glob("postguard-pds-*"))
    server = PdsServer().start()
    _STARTUP["Bluesky PDS"] = server.startup_seconds
    try:
        yield server
    finally:
        code = server.stop()
    # start.mjs stops both servers and removes its data directory on SIGTERM, then exits 0.
    if code != 0:
        pytest.fail(f"the PDS did not stop cleanly on SIGTERM (exit code {code})", pytrace=False)
    left = set(Path(tempfile.gettempdir()).glob("postguard-pds-*")) - data_dirs
    if left:
        pytest.fail(f"the PDS left its data directory behind: {sorted(left)}", pytrace=False)


@pytest.fixture(scope="session")
def mastodon_mock() -> Iterator[MastodonMock]:
    server = MastodonMock().start()
    _STARTUP["mastodon-mock"] = server.startup_seconds
    try:
        yield server
    finally:
        server.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _STARTUP:
        started = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in _STARTUP.items())
        terminalreporter.write_line(f"platform servers ready in: {started}")


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
