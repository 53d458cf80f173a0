"""The publisher when things go wrong: rate limits, outages, answers lost after the platform
acted, garbage answers, revoked credentials, images too large, pauses, closed windows and
expired approvals. Every case ends in a precise delivery state and message, never a crash,
never a lost post, never a second copy (counted on the platform itself).

Bluesky is the reference PDS from npm; Mastodon is mastodon-mock, a stand-in because no real
Mastodon server installs here. A loopback proxy (tests/connectors/loopback.py) in front of
either server loses answers after the server acted, or plays a broken server.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from postguard.audit.models import AuditEvent
from postguard.connectors.bluesky.connector import record_key
from postguard.jobs import runner
from postguard.jobs.models import Job
from postguard.publishing import outcomes, publisher
from postguard.publishing.models import Connection, Delivery, Pause
from postguard.publishing.publisher import PUBLISH_JOB, RECONCILE_JOB, enqueue_lost
from postguard.workflow import services
from postguard.workflow.models import Approval, Post, State
from tests.connectors.loopback import Reply, Seen, forward, loopback_server
from tests.publishing.conftest import (
    BlueskyTarget,
    MastodonTarget,
    Publishing,
    abandon,
    connect_bluesky,
    connect_mastodon,
    req,
)
from tests.servers import MastodonMock, PdsServer

pytestmark = [pytest.mark.django_db, pytest.mark.servers]

STATUSES = "/api/v1/statuses"


def delivery_of(post: Post) -> Delivery:
    return Delivery.objects.select_related("account").get(post=post)


def state_of(post: Post) -> str:
    post.refresh_from_db()
    return post.state


def queued(name: str, object_id: int) -> list[Job]:
    return list(Job.objects.filter(name=name, object_id=str(object_id), state=Job.State.QUEUED))


def is_account_statuses(seen: Seen) -> bool:
    """The mock's list of an account's statuses: what Mastodon's find() searches."""
    path = seen.path.split("?")[0]
    return (
        seen.method == "GET" and path.startswith("/api/v1/accounts/") and path.endswith("/statuses")
    )


def json_reply(status: int, data: dict[str, Any]) -> Reply:
    return Reply(status, json.dumps(data).encode(), {"Content-Type": "application/json"})


# --- retryable errors ---------------------------------------------------------------------------


def test_rate_limited_waits_as_long_as_the_platform_asked_then_publishes(
    publishing: Publishing, mastodon_target: MastodonTarget, cast: Any
) -> None:
    mastodon_target.mock.inject_fault({"type": "ratelimit", "headers": {"Retry-After": "120"}})
    post = publishing.scheduled("Rate limited once", [cast.mastodon])
    before = timezone.now()
    publishing.run_jobs()

    delivery = delivery_of(post)
    assert state_of(post) == State.PUBLISHING
    assert (delivery.state, delivery.attempts) == ("waiting", 1)
    assert "rate limited (429); wait 120 s and try again" in delivery.last_error
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at >= before + dt.timedelta(seconds=120)
    [retry] = queued(PUBLISH_JOB, post.pk)
    assert retry.run_after == delivery.next_attempt_at
    assert mastodon_target.posts() == []

    publishing.make_due(post)
    publishing.run_jobs()

    delivery.refresh_from_db()
    assert state_of(post) == State.PUBLISHED
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("published", 2, "")
    assert [s["id"] for s in mastodon_target.posts()] == [delivery.remote_id]


def test_unavailable_backs_off_then_publishes(
    publishing: Publishing, mastodon_target: MastodonTarget, cast: Any
) -> None:
    mastodon_target.mock.inject_fault({"type": "status", "status": 503})
    post = publishing.scheduled("Down for a moment", [cast.mastodon])
    before = timezone.now()
    publishing.run_jobs()

    delivery = delivery_of(post)
    assert delivery.state == "waiting"
    assert "answered 503" in delivery.last_error
    assert "the platform is unavailable; try again later" in delivery.last_error
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at >= before + dt.timedelta(seconds=outcomes.BACKOFF_SECONDS[0])
    waiting = AuditEvent.objects.get(action="publishing.delivery.waiting")
    assert (waiting.after or {})["reason"] == delivery.last_error

    publishing.make_due(post)
    publishing.run_jobs()
    assert state_of(post) == State.PUBLISHED
    assert len(mastodon_target.posts()) == 1


def test_retries_stop_after_the_last_attempt_with_the_last_error(
    publishing: Publishing, mastodon_target: MastodonTarget, cast: Any
) -> None:
    mastodon_target.mock.inject_fault(
        {"type": "status", "status": 503}, count=outcomes.MAX_ATTEMPTS
    )
    post = publishing.scheduled("Never comes back", [cast.mastodon])
    for _ in range(outcomes.MAX_ATTEMPTS):
        publishing.run_jobs()
        publishing.make_due(post)

    delivery = delivery_of(post)
    assert (delivery.state, delivery.attempts) == ("failed", outcomes.MAX_ATTEMPTS)
    assert delivery.last_error.startswith(
        f"not published: gave up after {outcomes.MAX_ATTEMPTS} attempts; the last: mastodon: POST"
    )
    assert "answered 503" in delivery.last_error
    assert state_of(post) == State.FAILED
    assert queued(PUBLISH_JOB, post.pk) == []
    assert mastodon_target.posts() == []


def test_a_retry_that_would_miss_the_window_fails_now_and_says_why(
    publishing: Publishing, mastodon_target: MastodonTarget, cast: Any
) -> None:
    mastodon_target.mock.inject_fault({"type": "ratelimit", "headers": {"Retry-After": "7200"}})
    post = publishing.scheduled(
        "Only this morning", [cast.mastodon], not_after=timezone.now() + dt.timedelta(hours=1)
    )
    publishing.run_jobs()

    delivery = delivery_of(post)
    assert delivery.state == "failed"
    assert delivery.last_error.startswith("not published: the next attempt (")
    assert "would come after the publish window closes (" in delivery.last_error
    assert "rate limited (429); wait 7200 s" in delivery.last_error
    assert state_of(post) == State.FAILED
    event = AuditEvent.objects.filter(action="workflow.post.failed").get()
    assert (event.after or {})["reason"] == f"{cast.mastodon}: {delivery.last_error}"


# --- the answer is lost after the platform acted --------------------------------------------------


def test_mastodon_answer_lost_after_posting_is_unconfirmed_then_reconciled_once(
    publishing: Publishing, mastodon_mock: MastodonMock, cast: Any
) -> None:
    state = {"dropped": False, "busy_lists": 1}

    def route(seen: Seen) -> Reply:
        if seen.method == "POST" and seen.path == STATUSES and not state["dropped"]:
            forward(mastodon_mock.url, seen)  # the mock posts it...
            state["dropped"] = True
            return Reply(drop=True)  # ...and the answer never arrives
        if is_account_statuses(seen) and state["busy_lists"]:
            state["busy_lists"] -= 1  # the first look fails too
            return json_reply(503, {"error": "busy"})
        return forward(mastodon_mock.url, seen)

    with loopback_server(route) as proxy:
        target = connect_mastodon(cast.mastodon, mastodon_mock, via=proxy.url)
        post = publishing.scheduled("Answer lost", [cast.mastodon])
        publishing.run_jobs()

        delivery = delivery_of(post)
        assert state_of(post) == State.UNCONFIRMED
        assert (delivery.state, delivery.attempts) == ("unconfirmed", 1)
        assert delivery.last_error.startswith("the outcome is unknown: mastodon: POST ")
        assert "the connection dropped after the request was sent" in delivery.last_error
        assert "looking for the post on the platform failed" in delivery.last_error
        assert "Postguard looks for it again at" in delivery.last_error
        [check] = queued(RECONCILE_JOB, delivery.pk)
        assert check.run_after == delivery.next_attempt_at
        assert len(target.posts()) == 1  # it is there: only Postguard does not know yet

        publishing.make_due(post)
        publishing.run_jobs()

    delivery.refresh_from_db()
    assert state_of(post) == State.PUBLISHED
    assert (delivery.state, delivery.attempts) == ("published", 1)  # found, not sent again
    assert [s["id"] for s in target.posts()] == [delivery.remote_id]
    event = AuditEvent.objects.get(action="publishing.delivery.published")
    assert (event.after or {})["found"] is True


def test_a_timeout_is_unconfirmed_then_sent_again_with_the_same_key_once(
    publishing: Publishing, mastodon_target: MastodonTarget, settings: Any, cast: Any
) -> None:
    # mastodon-mock's own fault injection: it holds the request and never answers in time
    # (it drops the request when Postguard hangs up). Were it to post it late, the same
    # Idempotency-Key would make the mock answer with the first status, not a second one.
    settings.PLATFORM_TIMEOUT_SECONDS = 1
    mastodon_target.mock.inject_fault({"type": "timeout"})
    post = publishing.scheduled("Slow to answer", [cast.mastodon])
    publishing.run_jobs()

    delivery = delivery_of(post)
    assert delivery.state == "unconfirmed"
    assert "no answer in time after the request was sent" in delivery.last_error
    assert mastodon_target.posts() == []

    publishing.make_due(post)
    publishing.run_jobs()

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("published", 2)
    assert [s["id"] for s in mastodon_target.posts()] == [delivery.remote_id]


def test_bluesky_answer_lost_after_posting_is_unconfirmed_then_reconciled_once(
    publishing: Publishing, pds: PdsServer, cast: Any
) -> None:
    state = {"created": False, "busy_reads": 2}

    def route(seen: Seen) -> Reply:
        if seen.path.startswith("/xrpc/com.atproto.repo.createRecord") and not state["created"]:
            forward(pds.url, seen)
            state["created"] = True
            return Reply(drop=True)
        reading = seen.path.startswith("/xrpc/com.atproto.repo.getRecord")
        if reading and state["created"] and state["busy_reads"]:
            state["busy_reads"] -= 1  # the connector's own look, then the publisher's
            return json_reply(503, {"error": "Unavailable", "message": "busy"})
        return forward(pds.url, seen)

    with loopback_server(route) as proxy:
        target = connect_bluesky(cast.bluesky, pds, via=proxy.url)
        post = publishing.scheduled("Bluesky answer lost")
        publishing.run_jobs()

        delivery = delivery_of(post)
        assert state_of(post) == State.UNCONFIRMED
        assert "the connection dropped after the request was sent" in delivery.last_error
        assert len(target.posts()) == 1

        publishing.make_due(post)
        publishing.run_jobs()

    delivery.refresh_from_db()
    assert state_of(post) == State.PUBLISHED
    [record] = target.posts()
    assert record["uri"] == delivery.remote_id
    assert delivery.attempts == 1


def test_an_attempt_that_never_arrived_is_sent_again_with_the_same_key(
    publishing: Publishing, pds: PdsServer, cast: Any
) -> None:
    state = {"lost": False}

    def route(seen: Seen) -> Reply:
        if seen.path.startswith("/xrpc/com.atproto.repo.createRecord") and not state["lost"]:
            state["lost"] = True
            return Reply(drop=True)  # the request never reached the PDS
        return forward(pds.url, seen)

    with loopback_server(route) as proxy:
        target = connect_bluesky(cast.bluesky, pds, via=proxy.url)
        post = publishing.scheduled("Lost on the way")
        publishing.run_jobs()
        assert state_of(post) == State.UNCONFIRMED
        assert target.posts() == []

        publishing.make_due(post)
        publishing.run_jobs()

    delivery = delivery_of(post)
    assert state_of(post) == State.PUBLISHED
    assert delivery.attempts == 2
    [record] = target.posts()
    # The second attempt used the first one's key: the record key derives from it.
    assert record["uri"].endswith("/" + record_key(delivery.idempotency_key))
    transitions = AuditEvent.objects.filter(object_id=str(post.pk), action__startswith="workflow")
    assert [e.action for e in transitions.order_by("seq")][-4:] == [
        "workflow.post.publishing",
        "workflow.post.unconfirmed",
        "workflow.post.publishing",  # reconciliation found nothing: publish again
        "workflow.post.published",
    ]


def test_reconciliation_gives_up_after_its_checks_and_says_what_to_do(
    publishing: Publishing, mastodon_mock: MastodonMock, cast: Any
) -> None:
    def route(seen: Seen) -> Reply:
        if seen.method == "POST" and seen.path == STATUSES:
            return Reply(drop=True)
        if is_account_statuses(seen):
            return json_reply(503, {"error": "busy"})
        return forward(mastodon_mock.url, seen)

    with loopback_server(route) as proxy:
        connect_mastodon(cast.mastodon, mastodon_mock, via=proxy.url)
        post = publishing.scheduled("Nobody can tell", [cast.mastodon])
        publishing.run_jobs()
        for _ in range(outcomes.MAX_RECONCILES):
            publishing.make_due(post)
            publishing.run_jobs()

    delivery = delivery_of(post)
    assert delivery.state == "unconfirmed"
    assert delivery.next_attempt_at is None
    assert f"Postguard checked {outcomes.MAX_RECONCILES} times" in delivery.last_error
    assert "it will not publish it again on its own" in delivery.last_error
    assert "look at the account on mastodon" in delivery.last_error
    assert state_of(post) == State.UNCONFIRMED
    assert queued(RECONCILE_JOB, delivery.pk) == []
    assert enqueue_lost() == 0  # the periodic check leaves it to a person


# --- garbage ------------------------------------------------------------------------------------


def test_invalid_json_after_posting_is_unconfirmed_then_published_once(
    publishing: Publishing, mastodon_target: MastodonTarget, cast: Any
) -> None:
    mastodon_target.mock.inject_fault({"type": "malformed"})  # 200 with '{"error": "truncated'
    post = publishing.scheduled("Garbage back", [cast.mastodon])
    publishing.run_jobs()

    delivery = delivery_of(post)
    assert delivery.state == "unconfirmed"
    assert "answered 2xx with" in delivery.last_error
    assert "not JSON" in delivery.last_error

    publishing.make_due(post)
    publishing.run_jobs()
    assert state_of(post) == State.PUBLISHED
    assert len(mastodon_target.posts()) == 1


def test_an_html_error_page_is_named_by_its_title(
    publishing: Publishing, mastodon_mock: MastodonMock, cast: Any
) -> None:
    page = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body>"

    def route(seen: Seen) -> Reply:
        if seen.method == "POST" and seen.path == STATUSES:
            return Reply(502, page, {"Content-Type": "text/html"})
        return forward(mastodon_mock.url, seen)

    with loopback_server(route) as proxy:
        target = connect_mastodon(cast.mastodon, mastodon_mock, via=proxy.url)
        post = publishing.scheduled("Behind a broken proxy", [cast.mastodon])
        publishing.run_jobs()

    delivery = delivery_of(post)
    assert delivery.state == "unconfirmed"
    assert "answered 502 with an HTML page titled '502 Bad Gateway'" in delivery.last_error
    assert "may have acted" in delivery.last_error
    assert target.posts() == []
    # Its reconcile job lost: the periodic check queues it again, for the planned time.
    Job.objects.filter(name=RECONCILE_JOB).delete()
    assert enqueue_lost() == 1
    [check] = queued(RECONCILE_JOB, delivery.pk)
    assert check.run_after == delivery.next_attempt_at


def test_a_500_with_a_huge_body_is_cut_short_in_the_message(
    publishing: Publishing, mastodon_target: MastodonTarget, cast: Any
) -> None:
    mastodon_target.mock.inject_fault(
        {"type": "status", "status": 500, "body": {"error": "x" * 3_000_000}}
    )
    post = publishing.scheduled("Server trouble", [cast.mastodon])
    publishing.run_jobs()

    delivery = delivery_of(post)
    assert delivery.state == "unconfirmed"
    assert "answered 500 with 2,000,000 bytes (cut short)" in delivery.last_error
    assert len(delivery.last_error) < 1000
    assert mastodon_target.posts() == []


def test_an_image_too_large_for_the_platform_fails_before_any_upload(
    publishing: Publishing, bluesky_target: BlueskyTarget
) -> None:
    noise = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG")
    post = publishing.scheduled(
        "A big picture",
        images=[services.ImageUpload(alt="Static", name="big.png", data=out.getvalue())],
    )
    publishing.run_jobs()

    delivery = delivery_of(post)
    assert (delivery.state, delivery.attempts) == ("failed", 1)
    assert delivery.last_error.startswith("bluesky: image 1 is ")
    assert delivery.last_error.endswith(
        "bytes; bluesky accepts at most 1,000,000: resize or recompress it"
    )
    assert state_of(post) == State.FAILED
    assert bluesky_target.posts() == []


# --- refused credentials ------------------------------------------------------------------------


def everything_recorded() -> str:
    """Every audit event, delivery error and connection note, as one text to search."""
    parts = [
        json.dumps([e.before, e.after, e.object_repr, e.actor_name])
        for e in AuditEvent.objects.all()
    ]
    parts += list(Delivery.objects.values_list("last_error", flat=True))
    parts += list(Connection.objects.values_list("broken_reason", flat=True))
    return "\n".join(parts)


def test_a_revoked_app_password_fails_says_reconnect_and_breaks_the_connection(
    publishing: Publishing, bluesky_target: BlueskyTarget, cast: Any
) -> None:
    bluesky_target.pds.revoke_app_password(bluesky_target.remote)
    post = publishing.scheduled("After revocation")
    publishing.run_jobs()

    delivery = delivery_of(post)
    assert delivery.state == "failed"
    assert "the app password was revoked or mistyped" in delivery.last_error
    assert "reconnect the account" in delivery.last_error
    connection = Connection.objects.get(account=cast.bluesky)
    assert "the app password was revoked or mistyped" in connection.broken_reason
    assert AuditEvent.objects.filter(action="publishing.account.broken").count() == 1

    # The next post fails fast, without a platform call, with the same advice.
    second = publishing.scheduled("Second try")
    publishing.run_jobs()
    assert delivery_of(second).last_error.startswith(f"{cast.bluesky}: Bluesky refused")
    assert bluesky_target.posts() == []
    recorded = everything_recorded()
    assert bluesky_target.remote.app_password not in recorded
    assert bluesky_target.remote.password not in recorded


def test_a_revoked_token_fails_and_never_shows_the_token(
    publishing: Publishing, mastodon_target: MastodonTarget, cast: Any
) -> None:
    mastodon_target.mock.revoke(mastodon_target.remote)
    post = publishing.scheduled("Token gone", [cast.mastodon])
    publishing.run_jobs()

    delivery = delivery_of(post)
    assert delivery.state == "failed"
    assert "the token was revoked or has expired; reconnect the account" in delivery.last_error
    assert Connection.objects.get(account=cast.mastodon).broken_reason
    assert mastodon_target.remote.access_token not in everything_recorded()


# --- a worker dies mid-call ---------------------------------------------------------------------


def test_a_worker_killed_after_the_platform_accepted_is_found_not_repeated(
    publishing: Publishing, bluesky_target: BlueskyTarget
) -> None:
    post = publishing.scheduled("Killed mid-call")
    abandon(post, reached_platform=True, target=bluesky_target)
    assert len(bluesky_target.posts()) == 1

    assert enqueue_lost() == 0  # the scheduling job is still queued
    publishing.run_jobs()

    delivery = delivery_of(post)
    assert (delivery.state, delivery.attempts) == ("published", 1)
    assert state_of(post) == State.PUBLISHED
    [record] = bluesky_target.posts()
    assert record["uri"] == delivery.remote_id


def test_a_worker_killed_before_the_call_arrived_leads_to_one_post(
    publishing: Publishing, bluesky_target: BlueskyTarget
) -> None:
    post = publishing.scheduled("Killed before the call")
    abandon(post, reached_platform=False, target=bluesky_target)
    Job.objects.filter(name=PUBLISH_JOB).delete()  # and its message is lost too

    assert enqueue_lost() == 1  # the periodic check notices the abandoned delivery
    publishing.run_jobs()

    delivery = delivery_of(post)
    assert (delivery.state, delivery.attempts) == ("published", 2)
    assert len(bluesky_target.posts()) == 1


def test_a_delivery_another_worker_still_holds_is_left_alone(
    publishing: Publishing, bluesky_target: BlueskyTarget
) -> None:
    post = publishing.scheduled("Still being sent")
    delivery = abandon(post, reached_platform=False, target=bluesky_target)
    Delivery.objects.filter(pk=delivery.pk).update(
        claimed_until=timezone.now() + dt.timedelta(minutes=5)
    )
    publishing.run_jobs()

    delivery.refresh_from_db()
    assert (delivery.state, delivery.claimed_by) == ("sending", "worker-that-died")
    assert bluesky_target.posts() == []
    assert enqueue_lost() == 0


def test_a_lost_job_is_queued_again_by_the_periodic_check(
    publishing: Publishing, bluesky_target: BlueskyTarget
) -> None:
    post = publishing.scheduled("Message lost")
    Job.objects.filter(name=PUBLISH_JOB).delete()
    runner.sweep()  # runs the periodic checks
    assert len(queued(PUBLISH_JOB, post.pk)) == 1
    runner.sweep()  # a second sweep does not queue it twice
    assert len(queued(PUBLISH_JOB, post.pk)) == 1
    publishing.run_jobs()
    assert state_of(post) == State.PUBLISHED
    assert len(bluesky_target.posts()) == 1


# --- nothing goes out ---------------------------------------------------------------------------


def test_a_pause_covering_a_target_stops_every_platform_call(
    publishing: Publishing, bluesky_target: BlueskyTarget, cast: Any
) -> None:
    post = publishing.scheduled("Held back")
    pause = Pause.objects.create(
        account=cast.bluesky, reason="suspicious login", paused_by_name="Sam"
    )
    publishing.run_jobs()

    assert state_of(post) == State.SCHEDULED
    assert not Delivery.objects.filter(post=post).exists()
    assert bluesky_target.posts() == []
    assert enqueue_lost() == 0  # and the periodic check does not keep queueing it

    Pause.objects.filter(pk=pause.pk).update(resumed_at=timezone.now())
    assert enqueue_lost() == 1  # after the resume, nothing is left behind
    publishing.run_jobs()
    assert state_of(post) == State.PUBLISHED
    assert len(bluesky_target.posts()) == 1


def test_an_organization_wide_pause_stops_every_account(
    publishing: Publishing, bluesky_target: BlueskyTarget, mastodon_target: MastodonTarget
) -> None:
    post = publishing.scheduled("Everyone waits", [bluesky_target.account, mastodon_target.account])
    Pause.objects.create(account=None, reason="incident", paused_by_name="Lola")
    publishing.run_jobs()
    assert state_of(post) == State.SCHEDULED
    assert bluesky_target.posts() == []
    assert mastodon_target.posts() == []


def test_a_window_that_closed_before_the_job_ran_sends_the_post_back_to_review(
    publishing: Publishing, bluesky_target: BlueskyTarget
) -> None:
    post = publishing.scheduled("Too late", not_after=timezone.now() + dt.timedelta(hours=1))
    Post.objects.filter(pk=post.pk).update(not_after=timezone.now() - dt.timedelta(minutes=1))
    publishing.run_jobs()

    assert state_of(post) == State.IN_REVIEW
    assert not Delivery.objects.filter(post=post).exists()
    assert bluesky_target.posts() == []


def test_an_expired_approval_never_publishes(
    publishing: Publishing, bluesky_target: BlueskyTarget
) -> None:
    post = publishing.scheduled("Approved long ago")
    Approval.objects.filter(post=post).update(created_at=timezone.now() - dt.timedelta(hours=73))
    publishing.run_jobs()

    assert state_of(post) == State.IN_REVIEW
    event = AuditEvent.objects.filter(action="workflow.post.in_review").order_by("-seq").first()
    assert event is not None
    assert (event.after or {})["reason"].startswith("approval expired: ")
    assert not Delivery.objects.filter(post=post).exists()
    assert bluesky_target.posts() == []


# --- a failed post, fixed and scheduled again ---------------------------------------------------


def test_a_failed_post_scheduled_again_publishes_only_where_it_failed(
    publishing: Publishing,
    bluesky_target: BlueskyTarget,
    mastodon_target: MastodonTarget,
    cast: Any,
) -> None:
    mastodon_target.mock.inject_fault(
        {"type": "status", "status": 422, "body": {"error": "Validation failed: Text too odd"}}
    )
    post = publishing.scheduled("Half and half", [cast.bluesky, cast.mastodon])
    publishing.run_jobs()

    assert state_of(post) == State.FAILED
    bluesky, mastodon = (
        Delivery.objects.get(post=post, account=cast.bluesky),
        Delivery.objects.get(post=post, account=cast.mastodon),
    )
    assert bluesky.state == "published"
    assert mastodon.state == "failed"
    assert "answered 422 with the error 'Validation failed: Text too odd'" in mastodon.last_error

    # Sent back to draft (an edit), approved again by a second person, scheduled again.
    lola, leo = cast.lola, cast.leo
    services.edit_post(
        post,
        lola,
        services.Content(text="Half and half", account_ids=[cast.bluesky.pk, cast.mastodon.pk]),
        request=req(lola),
    )
    services.submit(post, lola, request=req(lola))
    publishing.run_jobs(only="workflow.vet")
    services.approve(post, leo, request=req(leo))
    services.schedule(post, lola, request=req(lola))
    publishing.run_jobs()

    assert state_of(post) == State.PUBLISHED
    bluesky.refresh_from_db()
    mastodon.refresh_from_db()
    assert (bluesky.state, bluesky.attempts) == ("published", 1)  # not published again
    assert (mastodon.state, mastodon.attempts) == ("published", 1)
    assert mastodon.version.number == 2
    assert len(bluesky_target.posts()) == 1
    assert len(mastodon_target.posts()) == 1


def test_an_account_never_connected_fails_with_what_to_do(
    publishing: Publishing, cast: Any
) -> None:
    post = publishing.scheduled("Nowhere to go")
    publishing.run_jobs()
    delivery = delivery_of(post)
    assert (delivery.state, delivery.attempts) == ("failed", 0)
    assert delivery.last_error == (
        f"{cast.bluesky} is not connected: a lead or security officer must connect it "
        "(Accounts → Connect, or `postguard account-connect`)"
    )
    assert state_of(post) == State.FAILED


def test_a_job_that_keeps_crashing_is_not_queued_again_on_every_sweep(
    publishing: Publishing, cast: Any
) -> None:
    post = publishing.scheduled("Crash loop")
    Job.objects.filter(name=PUBLISH_JOB).update(
        state=Job.State.FAILED, finished_at=timezone.now(), last_error="RuntimeError: bug"
    )
    assert enqueue_lost() == 0
    Job.objects.filter(name=PUBLISH_JOB).update(
        finished_at=timezone.now() - dt.timedelta(seconds=publisher.CRASHED_JOB_PAUSE_SECONDS + 1)
    )
    assert enqueue_lost() == 1
    assert len(queued(PUBLISH_JOB, post.pk)) == 1
