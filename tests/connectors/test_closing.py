"""A connector owns the HTTP client it was built with and closes it: a connect closes the one it
verified with, whether the call worked or not. The publisher, reconcile and the integrity watch
keep theirs for the worker's next job (publishing.connector_cache) and close them when the
worker shuts down, or at once when a job fails in a way the connector's state is unknown.

Bluesky is the reference PDS from npm; Mastodon is mastodon-mock, a stand-in because no real
Mastodon server installs here.
"""

from __future__ import annotations

from typing import Any

import pytest

from postguard.connectors.base import (
    AccountInfo,
    Capabilities,
    Connector,
    LengthCounting,
    PublishRequest,
    PublishResult,
    RemotePost,
)
from postguard.connectors.bluesky import BlueskyConnector
from postguard.connectors.credentials import Secret
from postguard.connectors.http import AddressPolicy, HttpClient
from postguard.connectors.mastodon import MastodonConnector
from postguard.core.actors import SYSTEM
from postguard.publishing import connections, connector_cache
from postguard.publishing.connections import ConnectError, connect
from postguard.publishing.integrity import check_account
from postguard.publishing.models import Delivery
from postguard.publishing.publisher import reconcile_delivery
from postguard.workflow.models import State
from tests.publishing import conftest as shared
from tests.publishing.conftest import BlueskyTarget, MastodonTarget, Publishing, abandon
from tests.servers import PdsServer

pytestmark = pytest.mark.servers

# The publishing fixtures these tests use, under their own names (pytest finds them here).
bluesky_target = shared.bluesky_target
mastodon_target = shared.mastodon_target
platform_settings = shared.platform_settings
fast_vetting = shared.fast_vetting
publishing = shared.publishing


def is_closed(connector: Connector) -> bool:
    http = connector._http  # type: ignore[attr-defined]  # both connectors keep their client here
    closed: bool = http.httpx_client.is_closed
    return closed


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[Connector]:
    """Every connector `publishing.connections` builds from now on (connect, connector_for)."""
    seen: list[Connector] = []
    real = connections._build

    def spy(*args: Any, **kwargs: Any) -> Connector:
        connector = real(*args, **kwargs)
        seen.append(connector)
        return connector

    monkeypatch.setattr(connections, "_build", spy)
    return seen


class _Nothing(Connector):
    platform = "nothing"
    capabilities = Capabilities(
        platform="nothing",
        max_length=10,
        length_counting=LengthCounting.GRAPHEMES,
        max_images=0,
        image_types=frozenset(),
        max_image_bytes=0,
        alt_text=False,
        max_alt_length=0,
        threads=False,
    )

    def verify_credentials(self) -> AccountInfo:
        raise NotImplementedError

    def publish(self, request: PublishRequest) -> PublishResult:
        raise NotImplementedError

    def find(self, request: PublishRequest) -> PublishResult | None:
        raise NotImplementedError

    def fetch(self, remote_id: str) -> RemotePost | None:
        raise NotImplementedError

    def recent(self, limit: int = 50) -> list[RemotePost]:
        raise NotImplementedError


def test_a_connector_that_holds_nothing_closes_as_a_no_op_and_works_with_with() -> None:
    connector = _Nothing()
    connector.close()
    with connector as inside:
        assert inside is connector


def test_leaving_a_with_block_closes_both_connectors_clients_even_on_an_error() -> None:
    bluesky = BlueskyConnector(
        service_url="https://pds.invalid",
        handle="someone.test",
        app_password=Secret("x"),
        http=HttpClient(policy=AddressPolicy()),
    )
    mastodon = MastodonConnector(
        instance_url="https://mastodon.invalid",
        access_token=Secret("x"),
        http=HttpClient(policy=AddressPolicy()),
    )
    with pytest.raises(RuntimeError, match="the caller failed"), bluesky, mastodon:  # noqa: PT012
        assert not is_closed(bluesky)
        assert not is_closed(mastodon)
        raise RuntimeError("the caller failed")
    assert is_closed(bluesky)
    assert is_closed(mastodon)
    bluesky.close()  # twice is harmless
    mastodon.close()


@pytest.mark.django_db
def test_the_publisher_keeps_its_bluesky_connector_until_the_worker_shuts_down(
    publishing: Publishing, bluesky_target: BlueskyTarget, built: list[Connector]
) -> None:
    post = publishing.scheduled("Closed after use")
    publishing.run_jobs()
    post.refresh_from_db()
    assert post.state == State.PUBLISHED
    assert len(bluesky_target.posts()) == 1
    assert [type(c) for c in built] == [BlueskyConnector]
    assert not any(is_closed(c) for c in built)  # kept for the worker's next job
    connector_cache.close_all()  # the worker shuts down
    assert all(is_closed(c) for c in built)


@pytest.mark.django_db
def test_the_publisher_keeps_its_mastodon_connector_until_the_worker_shuts_down(
    publishing: Publishing, mastodon_target: MastodonTarget, cast: Any, built: list[Connector]
) -> None:
    post = publishing.scheduled("Closed after use", [cast.mastodon])
    publishing.run_jobs()
    post.refresh_from_db()
    assert post.state == State.PUBLISHED
    assert [type(c) for c in built] == [MastodonConnector]
    assert not any(is_closed(c) for c in built)
    connector_cache.close_all()
    assert all(is_closed(c) for c in built)


@pytest.mark.django_db
def test_a_failed_publish_closes_its_connector_at_shutdown_too(
    publishing: Publishing, mastodon_target: MastodonTarget, cast: Any, built: list[Connector]
) -> None:
    mastodon_target.mock.inject_fault({"type": "status", "status": 422})
    post = publishing.scheduled("Refused by the platform", [cast.mastodon])
    publishing.run_jobs()
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == "failed"
    assert "422" in delivery.last_error
    assert built
    connector_cache.close_all()
    assert all(is_closed(c) for c in built)


@pytest.mark.django_db
def test_reconciliation_and_the_integrity_watch_share_a_connector_closed_at_shutdown(
    publishing: Publishing, bluesky_target: BlueskyTarget, built: list[Connector]
) -> None:
    post = publishing.scheduled("Found by the reconcile job")
    delivery = abandon(post, reached_platform=True, target=bluesky_target)
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.UNCONFIRMED)
    built.clear()  # abandon() publishes through a connector of its own
    reconcile_delivery(delivery.pk, worker="reconciler")
    delivery.refresh_from_db()
    assert delivery.state == "published"
    result = check_account(bluesky_target.account)
    assert result.errors == []
    assert result.checked == 1
    assert len(built) == 1  # the watch reuses the connector reconcile built
    assert not is_closed(built[0])
    connector_cache.close_all()
    assert all(is_closed(c) for c in built)


@pytest.mark.django_db
def test_connect_closes_the_connector_it_verified_with_whether_accepted_or_refused(
    cast: Any, pds: PdsServer, platform_settings: Any, built: list[Connector]
) -> None:
    remote = pds.create_account()
    connect(
        cast.bluesky,
        service_url=pds.url,
        login=remote.handle,
        secret=Secret(remote.app_password),
        actor=SYSTEM,
    )
    with pytest.raises(ConnectError, match="the platform did not accept these credentials"):
        connect(
            cast.bluesky,
            service_url=pds.url,
            login=remote.handle,
            secret=Secret("wrong-wrong-wrong-wrong"),
            actor=SYSTEM,
        )
    assert len(built) == 2
    assert all(is_closed(c) for c in built)
