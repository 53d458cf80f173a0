"""A worker reuses its connector for an account (one Bluesky sign-in, one HTTP client) and never
serves one built from a credential that is no longer stored: after a reconnect, a key rotation,
a disconnect or a broken mark it builds a new one (or refuses), and closes the old one.

Bluesky is the reference PDS from npm; Mastodon is mastodon-mock, a stand-in because no real
Mastodon server installs here.
"""

from __future__ import annotations

import gc
import threading
from typing import Any

import pytest

from postguard.connectors.base import Connector
from postguard.connectors.bluesky import BlueskyConnector
from postguard.connectors.credentials import Secret
from postguard.connectors.mastodon import MastodonConnector
from postguard.core.actors import SYSTEM
from postguard.publishing import connections, connector_cache
from postguard.publishing.connections import (
    ConnectError,
    connect,
    disconnect,
    mark_broken,
    rotate_credentials,
)
from postguard.publishing.connector_cache import ConnectorCache
from postguard.publishing.models import Connection, Delivery
from postguard.workflow.models import State
from tests.publishing.conftest import (
    BlueskyTarget,
    MastodonTarget,
    Publishing,
    new_key,
)

pytestmark = [pytest.mark.servers, pytest.mark.django_db]


def is_closed(connector: Connector) -> bool:
    http = connector._http  # type: ignore[attr-defined]  # both connectors keep their client here
    closed: bool = http.httpx_client.is_closed
    return closed


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[Connector]:
    """Every connector `publishing.connections` builds from now on."""
    seen: list[Connector] = []
    real = connections._build

    def spy(*args: Any, **kwargs: Any) -> Connector:
        connector = real(*args, **kwargs)
        seen.append(connector)
        return connector

    monkeypatch.setattr(connections, "_build", spy)
    return seen


@pytest.fixture
def sign_ins(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The handle of every Bluesky sign-in (createSession) from now on."""
    seen: list[str] = []
    real = BlueskyConnector._login

    def counting(self: BlueskyConnector) -> str:
        if self._did is None:
            seen.append(self.handle)
        return real(self)

    monkeypatch.setattr(BlueskyConnector, "_login", counting)
    return seen


def reconnect(target: BlueskyTarget) -> None:
    connect(
        target.account,
        service_url=target.pds.url,
        login=target.remote.handle,
        secret=Secret(target.remote.app_password),
        actor=SYSTEM,
    )


def test_a_worker_publishes_every_post_of_an_account_with_one_connector_and_one_sign_in(
    publishing: Publishing,
    bluesky_target: BlueskyTarget,
    built: list[Connector],
    sign_ins: list[str],
) -> None:
    posts = [publishing.scheduled(f"Opening hours, part {n}") for n in range(3)]
    publishing.run_jobs()
    for post in posts:
        post.refresh_from_db()
        assert post.state == State.PUBLISHED
    assert len(bluesky_target.posts()) == 3
    assert [type(c) for c in built] == [BlueskyConnector]
    assert sign_ins == [bluesky_target.remote.handle]
    [connector] = built
    assert not is_closed(connector)  # kept for the worker's next job
    connector_cache.close_all()  # the worker shuts down
    assert is_closed(connector)


def test_the_integrity_watch_and_reconciling_reuse_the_publishers_connector(
    publishing: Publishing, bluesky_target: BlueskyTarget, built: list[Connector]
) -> None:
    from postguard.publishing.integrity import check_account

    post = publishing.scheduled("Checked after publishing")
    publishing.run_jobs()
    result = check_account(bluesky_target.account)
    assert (result.errors, result.checked) == ([], 1)
    assert Delivery.objects.get(post=post).state == "published"
    assert len(built) == 1


def test_a_reconnect_builds_a_new_connector_and_closes_the_old_one(
    bluesky_target: BlueskyTarget, built: list[Connector]
) -> None:
    cache = ConnectorCache()
    first = cache.get(bluesky_target.account)
    assert cache.get(bluesky_target.account) is first
    reconnect(bluesky_target)  # the same credential, encrypted anew
    second = cache.get(bluesky_target.account)
    assert second is not first
    assert is_closed(first)
    assert not is_closed(second)
    assert second.verify_credentials().remote_id == bluesky_target.remote.did
    assert len(cache) == 1
    cache.close()
    assert is_closed(second)


def test_another_account_connected_in_its_place_is_never_signed_in_as_the_old_one(
    bluesky_target: BlueskyTarget, built: list[Connector]
) -> None:
    cache = ConnectorCache()
    first = cache.get(bluesky_target.account)
    assert first.verify_credentials().remote_id == bluesky_target.remote.did
    other = bluesky_target.pds.create_account()
    connect(
        bluesky_target.account,
        service_url=bluesky_target.pds.url,
        login=other.handle,
        secret=Secret(other.app_password),
        actor=SYSTEM,
    )
    second = cache.get(bluesky_target.account)
    assert is_closed(first)
    assert second.verify_credentials().remote_id == other.did
    cache.close()


def test_a_key_rotation_builds_a_new_connector(
    bluesky_target: BlueskyTarget,
    built: list[Connector],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    cache = ConnectorCache()
    first = cache.get(bluesky_target.account)
    monkeypatch.setenv(
        "POSTGUARD_CREDENTIALS_KEY", f"{new_key()},{os.environ['POSTGUARD_CREDENTIALS_KEY']}"
    )
    assert rotate_credentials(SYSTEM) == 1
    second = cache.get(bluesky_target.account)
    assert second is not first
    assert is_closed(first)
    assert second.verify_credentials().remote_id == bluesky_target.remote.did
    cache.close()


def test_a_disconnected_account_is_refused_and_its_connector_closed(
    bluesky_target: BlueskyTarget, built: list[Connector]
) -> None:
    cache = ConnectorCache()
    first = cache.get(bluesky_target.account)
    assert disconnect(bluesky_target.account, actor=SYSTEM)
    with pytest.raises(ConnectError, match="is not connected: a lead or security officer"):
        cache.get(bluesky_target.account)
    assert is_closed(first)
    assert len(cache) == 0
    reconnect(bluesky_target)  # a new row: a new connector
    second = cache.get(bluesky_target.account)
    assert second is not first
    assert second.verify_credentials().remote_id == bluesky_target.remote.did
    cache.close()


def test_a_broken_connection_is_never_served(
    publishing: Publishing, bluesky_target: BlueskyTarget, built: list[Connector]
) -> None:
    publishing.run_jobs()
    first = connector_cache.cache().get(bluesky_target.account)
    mark_broken(bluesky_target.account, "Bluesky refused the app password")
    with pytest.raises(ConnectError, match="Bluesky refused the app password"):
        connector_cache.lease(bluesky_target.account)
    assert is_closed(first)

    post = publishing.scheduled("Not sent through a broken connection")
    publishing.run_jobs()
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == "failed"
    assert "Bluesky refused the app password" in delivery.last_error
    assert bluesky_target.posts() == []
    assert len(built) == 1


def test_the_cache_holds_at_most_its_size_and_closes_the_least_recently_used(
    bluesky_target: BlueskyTarget, mastodon_target: MastodonTarget, built: list[Connector]
) -> None:
    with pytest.raises(ValueError, match="at least 1 connector, not 0"):
        ConnectorCache(size=0)
    cache = ConnectorCache(size=1)
    bluesky = cache.get(bluesky_target.account)
    mastodon = cache.get(mastodon_target.account)
    assert isinstance(mastodon, MastodonConnector)
    assert is_closed(bluesky)
    assert not is_closed(mastodon)
    assert len(cache) == 1
    again = cache.get(bluesky_target.account)
    assert again is not bluesky
    assert is_closed(mastodon)
    assert again.verify_credentials().remote_id == bluesky_target.remote.did
    cache.close()


def test_a_block_left_by_an_exception_closes_and_forgets_its_connector(
    bluesky_target: BlueskyTarget, built: list[Connector]
) -> None:
    cache = ConnectorCache()
    with cache.lease(bluesky_target.account) as connector:
        pass
    assert not is_closed(connector)
    with pytest.raises(RuntimeError, match="the job failed"), cache.lease(bluesky_target.account):
        raise RuntimeError("the job failed")
    assert is_closed(connector)
    assert len(cache) == 0
    assert cache.get(bluesky_target.account) is not connector
    cache.close()


def test_each_thread_has_its_own_connectors_closed_when_the_thread_ends(
    bluesky_target: BlueskyTarget, built: list[Connector], monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = connector_cache.cache().get(bluesky_target.account)
    # The test's database transaction is this thread's: the other thread is handed the row.
    stored = Connection.objects.get(account=bluesky_target.account)
    monkeypatch.setattr(connector_cache, "usable_connection", lambda account: stored)
    theirs: list[Connector] = []
    account = bluesky_target.account

    def worker() -> None:
        theirs.append(connector_cache.cache().get(account))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    gc.collect()
    [other] = theirs
    assert other is not mine
    assert is_closed(other)  # its thread ended
    assert not is_closed(mine)
