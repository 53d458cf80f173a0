"""The integrity watch against real servers: the reference Bluesky PDS (tests/conftest.py `pds`)
and mastodon-mock, a stand-in because no real Mastodon server installs here. Posts are edited,
deleted and made on the platform directly, outside Postguard, as an intruder would.

Published deliveries are made the way the publisher records them: the post is published with
the account's own connector and its Delivery row written with the platform's answer.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.utils import timezone

from postguard.audit.models import AuditEvent
from postguard.cli.main import main
from postguard.connectors.base import PublishRequest, new_idempotency_key
from postguard.connectors.bluesky.connector import parse_post_uri
from postguard.connectors.credentials import Secret
from postguard.core.actors import SYSTEM
from postguard.jobs import runner
from postguard.jobs.models import Job
from postguard.publishing import integrity
from postguard.publishing.connections import connect, connector_for
from postguard.publishing.integrity import AlertError, acknowledge, check_account
from postguard.publishing.models import Connection, Delivery, IntegrityAlert
from postguard.registry.models import PlatformAccount
from postguard.workflow import services
from postguard.workflow.models import Post, State
from tests.servers import BlueskyAccount, MastodonAccount, MastodonMock, PdsServer

Kind = IntegrityAlert.Kind


@pytest.fixture
def watch_settings(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A credentials key, and connectors allowed to reach the loopback test servers."""
    monkeypatch.setenv(
        "POSTGUARD_CREDENTIALS_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode()
    )
    settings.PLATFORM_ALLOW_LOOPBACK = True
    settings.PLATFORM_TIMEOUT_SECONDS = 5
    return settings


@dataclass
class Watched:
    """A cast account connected to a fresh account on a test server."""

    account: PlatformAccount
    cast: Any

    def publish(self, text: str) -> Delivery:
        """What the publisher does: publish once, record where the post landed."""
        post = services.create_post(
            self.cast.lola, services.Content(text=text, account_ids=[self.account.pk])
        )
        key = new_idempotency_key()
        landed = connector_for(self.account).publish(PublishRequest(text=text, idempotency_key=key))
        Post.objects.filter(pk=post.pk).update(state=State.PUBLISHED)
        assert post.current_version is not None
        return Delivery.objects.create(
            post=post,
            account=self.account,
            version=post.current_version,
            idempotency_key=key,
            state=Delivery.State.PUBLISHED,
            remote_id=landed.remote_id,
            url=landed.url,
            remote_version=landed.version,
            published_at=landed.created_at,
        )


@pytest.fixture
def bluesky(cast: Any, watch_settings: Any, pds: PdsServer) -> tuple[Watched, BlueskyAccount]:
    remote = pds.create_account()
    connect(
        cast.bluesky,
        service_url=pds.url,
        login=remote.handle,
        secret=Secret(remote.app_password),
        actor=SYSTEM,
    )
    return Watched(cast.bluesky, cast), remote


@pytest.fixture
def mastodon(
    cast: Any, watch_settings: Any, mastodon_mock: MastodonMock
) -> Iterator[tuple[Watched, MastodonAccount]]:
    remote = mastodon_mock.create_account()
    connect(
        cast.mastodon,
        service_url=mastodon_mock.url,
        login="",
        secret=Secret(remote.access_token),
        actor=SYSTEM,
    )
    yield Watched(cast.mastodon, cast), remote
    mastodon_mock.clear_faults()


def bsky_record(text: str) -> dict[str, Any]:
    return {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": timezone.now().isoformat().replace("+00:00", "Z"),
    }


def as_intruder(pds: PdsServer, remote: BlueskyAccount, method: str, body: dict[str, Any]) -> Any:
    """A call with the account's own password, not through Postguard."""
    return pds._xrpc(method, {"repo": remote.did, **body}, token=pds.session(remote))


def only_alert(**filters: Any) -> IntegrityAlert:
    return IntegrityAlert.objects.get(**filters)


# --- Bluesky (the reference PDS) ---------------------------------------------------------------


def test_an_untouched_account_raises_nothing_and_records_the_check(
    bluesky: tuple[Watched, BlueskyAccount],
) -> None:
    watched, _ = bluesky
    delivery = watched.publish("The library opens at 9 on Saturday.")

    result = check_account(watched.account)

    assert result.errors == []
    assert result.alerts == []
    assert result.listed == 1  # Postguard's own post, recognised by its remote id
    assert result.checked == 1
    delivery.refresh_from_db()
    assert delivery.checked_at is not None
    assert not IntegrityAlert.objects.exists()


def test_a_bluesky_post_edited_outside_postguard_raises_one_alert(
    bluesky: tuple[Watched, BlueskyAccount], pds: PdsServer
) -> None:
    watched, remote = bluesky
    delivery = watched.publish("The library opens at 9 on Saturday.")
    _, rkey = parse_post_uri(delivery.remote_id)
    as_intruder(
        pds,
        remote,
        "com.atproto.repo.putRecord",
        {
            "collection": "app.bsky.feed.post",
            "rkey": rkey,
            "record": bsky_record("Send 1 BTC to this wallet."),
        },
    )

    result = check_account(watched.account)

    alert = only_alert(kind=Kind.EDITED)
    assert result.alerts == [alert]
    assert alert.account == watched.account
    assert alert.delivery == delivery
    assert alert.remote_id == delivery.remote_id
    assert alert.details["published_text"] == "The library opens at 9 on Saturday."
    assert alert.details["remote_text"] == "Send 1 BTC to this wallet."
    assert "its text differs from the approved text" in alert.details["changes"]
    assert any("its version changed from" in c for c in alert.details["changes"])
    event = AuditEvent.objects.get(action="publishing.integrity.alert")
    assert event.actor_name == "system (local operator)"
    assert event.after is not None
    assert event.after["kind"] == "edited"
    assert event.after["remote_text"] == "Send 1 BTC to this wallet."

    # The next round sees the same edit: no second alert, no second audit event.
    again = check_account(watched.account)
    assert again.alerts == []
    assert IntegrityAlert.objects.count() == 1
    assert AuditEvent.objects.filter(action="publishing.integrity.alert").count() == 1


def test_a_bluesky_post_deleted_outside_postguard_raises_an_alert(
    bluesky: tuple[Watched, BlueskyAccount], pds: PdsServer
) -> None:
    watched, remote = bluesky
    delivery = watched.publish("Road closures this weekend: see the map.")
    pds.delete_post(remote, parse_post_uri(delivery.remote_id)[1])

    check_account(watched.account)

    alert = only_alert(kind=Kind.DELETED)
    assert alert.delivery == delivery
    assert alert.url == delivery.url
    assert alert.details["published_text"] == "Road closures this weekend: see the map."


def test_a_bluesky_post_postguard_did_not_make_raises_an_alert(
    cast: Any, watch_settings: Any, pds: PdsServer
) -> None:
    remote = pds.create_account()
    # Made before the account was connected: the organization's own history, not an intruder.
    as_intruder(
        pds,
        remote,
        "com.atproto.repo.createRecord",
        {"collection": "app.bsky.feed.post", "record": bsky_record("Welcome to our account!")},
    )
    connect(
        cast.bluesky,
        service_url=pds.url,
        login=remote.handle,
        secret=Secret(remote.app_password),
        actor=SYSTEM,
    )
    watched = Watched(cast.bluesky, cast)
    watched.publish("Our own post, through Postguard.")
    made = as_intruder(
        pds,
        remote,
        "com.atproto.repo.createRecord",
        {"collection": "app.bsky.feed.post", "record": bsky_record("Free giveaway, click here")},
    )

    result = check_account(cast.bluesky)

    assert result.listed == 3
    alert = only_alert(kind=Kind.UNKNOWN_POST)
    assert result.alerts == [alert]
    assert alert.remote_id == made["uri"]
    assert alert.delivery is None
    assert alert.details["remote_text"] == "Free giveaway, click here"


def test_reconnecting_after_a_takeover_does_not_hide_the_intruders_posts(
    bluesky: tuple[Watched, BlueskyAccount], pds: PdsServer
) -> None:
    watched, remote = bluesky
    made = as_intruder(
        pds,
        remote,
        "com.atproto.repo.createRecord",
        {"collection": "app.bsky.feed.post", "record": bsky_record("Buy followers here")},
    )
    # The team reconnects the account (new app password) before the watch ran.
    connect(
        watched.account,
        service_url=pds.url,
        login=remote.handle,
        secret=Secret(remote.app_password),
        actor=SYSTEM,
    )

    check_account(watched.account)

    assert only_alert(kind=Kind.UNKNOWN_POST).remote_id == made["uri"]


def test_a_post_the_publisher_has_not_recorded_yet_is_not_unknown(
    bluesky: tuple[Watched, BlueskyAccount],
) -> None:
    # The worker published and died before writing the remote id: the delivery is still
    # "sending", and reconciliation, not the watch, will find the post.
    watched, _ = bluesky
    post = services.create_post(
        watched.cast.lola,
        services.Content(text="Polls open at 7.", account_ids=[watched.account.pk]),
    )
    key = new_idempotency_key()
    connector_for(watched.account).publish(
        PublishRequest(text="Polls open at 7.", idempotency_key=key)
    )
    assert post.current_version is not None
    Delivery.objects.create(
        post=post,
        account=watched.account,
        version=post.current_version,
        idempotency_key=key,
        state=Delivery.State.SENDING,
    )

    assert check_account(watched.account).alerts == []


# --- Mastodon (mastodon-mock: no real Mastodon server installs here) ------------------------


def test_mastodon_edits_deletions_and_strange_posts_each_raise_an_alert(
    mastodon: tuple[Watched, MastodonAccount], mastodon_mock: MastodonMock
) -> None:
    watched, remote = mastodon
    edited = watched.publish("Council meets on Tuesday at 6.")
    deleted = watched.publish("Pool closed for repairs.")
    untouched = watched.publish("Recycling pickup moves to Friday.")
    answer = mastodon_mock.api(
        remote, "PUT", f"/api/v1/statuses/{edited.remote_id}", data={"status": "Council cancelled."}
    )
    assert answer.status_code == 200, answer.text
    answer = mastodon_mock.api(remote, "DELETE", f"/api/v1/statuses/{deleted.remote_id}")
    assert answer.status_code == 200, answer.text
    answer = mastodon_mock.api(
        remote, "POST", "/api/v1/statuses", data={"status": "DM me for prizes"}
    )
    assert answer.status_code == 200, answer.text
    stranger = str(answer.json()["id"])

    result = check_account(watched.account)

    assert result.errors == []
    assert {(a.kind, a.remote_id) for a in result.alerts} == {
        (Kind.EDITED, edited.remote_id),
        (Kind.DELETED, deleted.remote_id),
        (Kind.UNKNOWN_POST, stranger),
    }
    edit = only_alert(kind=Kind.EDITED)
    assert edit.details["remote_text"] == "Council cancelled."
    assert "the platform marks it as edited" in edit.details["changes"]
    assert not IntegrityAlert.objects.filter(remote_id=untouched.remote_id).exists()
    assert AuditEvent.objects.filter(action="publishing.integrity.alert").count() == 3


def test_a_platform_that_cannot_be_read_raises_no_alert_and_is_tried_again(
    mastodon: tuple[Watched, MastodonAccount], mastodon_mock: MastodonMock
) -> None:
    watched, _ = mastodon
    delivery = watched.publish("Snow day: schools closed.")
    mastodon_mock.inject_fault(
        {"type": "status", "status": 503}, path="/api/v1/accounts/*/statuses", methods=("GET",)
    )
    mastodon_mock.inject_fault(
        {"type": "status", "status": 503}, path="/api/v1/statuses/*", methods=("GET",)
    )
    integrity.queue_checks()

    assert runner.run_next("test-worker") is not None

    job = Job.objects.get(name=integrity.JOB)
    assert job.state == Job.State.FAILED  # one attempt per round: the next round retries
    assert "listing its latest posts failed" in job.last_error
    assert f"re-reading {delivery.remote_id} failed" in job.last_error
    assert "503" in job.last_error
    assert integrity.last_check(watched.account.pk) == job
    assert not IntegrityAlert.objects.exists()
    delivery.refresh_from_db()
    assert delivery.checked_at is None  # not checked: it waits for the next round

    # The next round (the interval later) reads the account normally.
    assert integrity.queue_checks(now=timezone.now() + integrity.interval() * 2) == 1
    runner.run_next("test-worker")
    assert integrity.last_check(watched.account.pk).state == Job.State.DONE  # type: ignore[union-attr]
    delivery.refresh_from_db()
    assert delivery.checked_at is not None


# --- the schedule ------------------------------------------------------------------------------


def test_the_sweep_queues_one_check_per_connected_account_per_interval(
    bluesky: tuple[Watched, BlueskyAccount], mastodon: tuple[Watched, MastodonAccount]
) -> None:
    assert integrity.queue_checks() == 2
    assert integrity.queue_checks() == 0  # already queued
    assert set(Job.objects.filter(name=integrity.JOB).values_list("object_id", flat=True)) == {
        str(bluesky[0].account.pk),
        str(mastodon[0].account.pk),
    }
    while runner.run_next("test-worker") is not None:
        pass
    assert integrity.queue_checks() == 0  # checked less than an interval ago
    later = timezone.now() + integrity.interval() + dt.timedelta(seconds=1)
    assert integrity.queue_checks(now=later) == 2


def test_the_job_sweep_runs_the_schedule(bluesky: tuple[Watched, BlueskyAccount]) -> None:
    # The periodic check is registered with the runner: every worker's sweep queues the checks.
    runner.sweep()
    job = Job.objects.get(name=integrity.JOB)
    assert job.object_id == str(bluesky[0].account.pk)
    assert job.max_attempts == 1  # a failed round is retried by the next round, not at once


def test_a_broken_connection_is_not_checked(bluesky: tuple[Watched, BlueskyAccount]) -> None:
    Connection.objects.update(broken_reason="the app password was revoked: reconnect it")
    assert integrity.queue_checks() == 0
    result = check_account(bluesky[0].account)
    assert result.errors == [f"{bluesky[0].account}: the app password was revoked: reconnect it"]
    assert not IntegrityAlert.objects.exists()


def test_the_interval_comes_from_the_settings(settings: Any) -> None:
    settings.INTEGRITY_MINUTES = 5
    assert integrity.interval() == dt.timedelta(minutes=5)


# --- acknowledging -----------------------------------------------------------------------------


@pytest.fixture
def alert(cast: Any) -> IntegrityAlert:
    return IntegrityAlert.objects.create(
        account=cast.bluesky,
        kind=Kind.UNKNOWN_POST,
        remote_id="at://did:plc:x/app.bsky.feed.post/3k",
        details={"remote_text": "Free giveaway"},
    )


def test_security_acknowledges_an_alert_with_a_note(cast: Any, alert: IntegrityAlert) -> None:
    acknowledge(cast.sam, alert, "  intern posted from the app; reminded the team  ")

    assert alert.acknowledged_by == cast.sam
    assert alert.note == "intern posted from the app; reminded the team"
    assert not IntegrityAlert.objects.open().exists()
    event = AuditEvent.objects.get(action="publishing.integrity.acknowledge")
    assert event.after == {"note": "intern posted from the app; reminded the team"}


def test_an_acknowledgement_needs_a_note(cast: Any, alert: IntegrityAlert) -> None:
    with pytest.raises(AlertError, match=r"^note: say what you found and what you did"):
        acknowledge(cast.lola, alert, "  ")
    assert IntegrityAlert.objects.open().count() == 1


@pytest.mark.parametrize("who", ["ada", "eddie", "ollie", "nora"])
def test_only_leads_and_security_acknowledge(cast: Any, alert: IntegrityAlert, who: str) -> None:
    with pytest.raises(PermissionDenied, match=r"may not integrity\.acknowledge"):
        acknowledge(getattr(cast, who), alert, "seen")
    assert IntegrityAlert.objects.open().count() == 1


def test_an_alert_is_acknowledged_once(cast: Any, alert: IntegrityAlert) -> None:
    acknowledge(cast.lola, alert, "checked with the team")
    with pytest.raises(AlertError, match=r"already acknowledged by Lola .*: checked with the team"):
        acknowledge(cast.sam, IntegrityAlert.objects.get(pk=alert.pk), "me too")


def test_who_sees_which_alerts(cast: Any, alert: IntegrityAlert) -> None:
    IntegrityAlert.objects.create(account=cast.mastodon, kind=Kind.DELETED, remote_id="109")
    visible = {
        who: set(
            IntegrityAlert.objects.restrict(getattr(cast, who), "integrity.view").values_list(
                "account__platform", flat=True
            )
        )
        for who in ("lola", "sam", "ada", "eddie", "ollie", "rita", "nora")
    }
    assert visible == {
        "lola": {"bluesky", "mastodon"},
        "sam": {"bluesky", "mastodon"},
        "ada": {"bluesky", "mastodon"},
        "eddie": {"bluesky"},
        "ollie": {"mastodon"},
        "rita": set(),  # reviewers are not in the integrity watch
        "nora": set(),
    }


# --- postguard integrity-check ---------------------------------------------------------------


def run(command: str, *args: str) -> int:
    # Django closes the connection when a command ends; inside a test's transaction on
    # PostgreSQL that would end the test (as in tests/registry/test_commands.py).
    with mock.patch.object(connections, "close_all"):
        return main([command, "--skip-checks", *args])


def test_integrity_check_runs_now_and_prints_the_alerts(
    bluesky: tuple[Watched, BlueskyAccount], pds: PdsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    watched, remote = bluesky
    delivery = watched.publish("Pool opens at noon.")
    pds.delete_post(remote, parse_post_uri(delivery.remote_id)[1])

    assert run("integrity-check", "--account", str(watched.account.pk)) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        f"{watched.account}: 0 latest post(s) listed, 1 published post(s) re-read, 1 new alert(s)"
    )
    assert out[1].endswith(
        f"a post Postguard published was deleted on the platform, outside Postguard: {delivery.url}"
    )

    Connection.objects.update(broken_reason="the app password was revoked: reconnect it")
    assert run("integrity-check") == 1
    assert "could not check: " in capsys.readouterr().err
    assert run("integrity-check", "--as", "nora@example.gov") == 3
