"""Resolving by hand a delivery Postguard gave up checking: "it is there" (read back through the
platform, refused when it is another account's post, no post, or another text) or "it is not
there" (failed with the person's note). The post's state follows; everything is audited.

Bluesky is the reference PDS from npm; Mastodon is mastodon-mock, a stand-in because no real
Mastodon server installs here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connections, transaction
from django.utils import timezone

from postguard.audit.models import AuditEvent
from postguard.cli.main import main
from postguard.connectors.base import PublishRequest, new_idempotency_key
from postguard.connectors.bluesky import BlueskyConnector
from postguard.connectors.credentials import Secret
from postguard.connectors.http import AddressPolicy, HttpClient
from postguard.core.actors import actor_name
from postguard.publishing import outcomes
from postguard.publishing.connections import connector_for, mark_broken
from postguard.publishing.models import Delivery
from postguard.publishing.outgoing import build_request
from postguard.publishing.publisher import _claim_post
from postguard.publishing.resolve import ResolveError, resolve
from postguard.workflow import services
from postguard.workflow.models import Post, State
from tests.connectors.loopback import Reply, Seen, forward, loopback_server
from tests.publishing.conftest import (
    BlueskyTarget,
    MastodonTarget,
    Publishing,
    connect_mastodon,
    req,
)
from tests.servers import MastodonMock, PdsServer

pytestmark = [pytest.mark.django_db, pytest.mark.servers]

GAVE_UP = (
    "the outcome is unknown: the answer was lost. Postguard checked 5 times and cannot tell "
    "whether this post reached the account, so it will not publish it again on its own"
)


def given_up(post: Post, *, reached_platform: bool) -> Delivery:
    """Claim the post and leave its one delivery as reconciliation leaves it after its last
    check: unconfirmed, no next check; `reached_platform`: the platform has the post."""
    assert _claim_post(post)
    delivery = Delivery.objects.select_related("post", "account", "version").get(post=post)
    if reached_platform:
        with connector_for(delivery.account) as connector:
            connector.publish(build_request(delivery, connector))
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        Delivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.UNCONFIRMED, attempts=1, next_attempt_at=None, last_error=GAVE_UP
        )
        outcomes.follow(locked)
    post.refresh_from_db()
    assert post.state == State.UNCONFIRMED
    delivery.refresh_from_db()
    return delivery


def state_of(post: Post) -> str:
    post.refresh_from_db()
    return post.state


def resolve_events(post: Post) -> list[dict[str, Any]]:
    """What each resolution recorded: its actor, and its before and after."""
    events = AuditEvent.objects.filter(action="publishing.delivery.resolve", object_id=str(post.pk))
    return [{"actor": e.actor_name, "before": e.before or {}, **(e.after or {})} for e in events]


# --- it is there --------------------------------------------------------------------------------


def test_found_on_bluesky_by_its_web_link_is_read_back_and_recorded(
    publishing: Publishing, bluesky_target: BlueskyTarget, cast: Any
) -> None:
    post = publishing.scheduled("Reached Bluesky after all")
    delivery = given_up(post, reached_platform=True)
    [record] = bluesky_target.posts()
    rkey = record["uri"].rsplit("/", 1)[1]
    link = f"https://bsky.app/profile/{bluesky_target.remote.handle}/post/{rkey}"

    result = resolve(
        cast.lola, delivery, found=link, note="seen on the profile at 10:02", request=req(cast.lola)
    )

    assert result.verified
    delivery.refresh_from_db()
    assert (delivery.state, delivery.remote_id, delivery.remote_version) == (
        "published",
        record["uri"],
        record["cid"],
    )
    assert delivery.url == (  # the link to a post on a loopback PDS: the record on the PDS
        f"{bluesky_target.pds.url}/xrpc/com.atproto.repo.getRecord?repo="
        f"{bluesky_target.remote.did}&collection=app.bsky.feed.post&rkey={rkey}"
    )
    assert (delivery.claimed_by, delivery.last_error) == ("", "")
    assert state_of(post) == State.PUBLISHED
    assert len(bluesky_target.posts()) == 1  # nothing published again
    [event] = resolve_events(post)
    assert event["actor"] == actor_name(cast.lola)
    assert event["answer"] == "found"
    assert event["note"] == "seen on the profile at 10:02"
    assert event["given"] == link
    assert event["verified"] is True
    assert event["remote_id"] == record["uri"]
    assert event["version"] == record["cid"]
    assert event["before"]["state"] == "unconfirmed"
    assert AuditEvent.objects.filter(
        action="publishing.delivery.published", object_id=str(post.pk)
    ).exists()


def test_found_by_its_at_uri_works_too_for_security(
    publishing: Publishing, bluesky_target: BlueskyTarget, cast: Any
) -> None:
    post = publishing.scheduled("Found by URI")
    delivery = given_up(post, reached_platform=True)
    [record] = bluesky_target.posts()
    resolve(
        cast.sam, delivery, found=record["uri"], note="checked with the API", request=req(cast.sam)
    )
    delivery.refresh_from_db()
    assert (delivery.state, delivery.remote_id) == ("published", record["uri"])


def test_another_accounts_post_is_refused_by_name(
    publishing: Publishing, bluesky_target: BlueskyTarget, cast: Any, pds: PdsServer
) -> None:
    post = publishing.scheduled("Not this one")
    delivery = given_up(post, reached_platform=False)
    other = pds.create_account()
    with HttpClient(policy=AddressPolicy(allow_loopback=True)) as http:
        theirs = BlueskyConnector(
            service_url=pds.url,
            handle=other.handle,
            app_password=Secret(other.app_password),
            http=http,
        ).publish(PublishRequest(text="Not this one", idempotency_key=new_idempotency_key()))

    with pytest.raises(ResolveError) as refused:
        resolve(
            cast.lola,
            delivery,
            found=theirs.remote_id,
            note="I think this is it",
            request=req(cast.lola),
        )
    assert str(refused.value).startswith(
        f"found: {theirs.remote_id} is a post of {other.did}, not of {cast.bluesky} ("
    )
    assert "give the link of the post on" in str(refused.value)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.claimed_by) == ("unconfirmed", "")
    assert state_of(post) == State.UNCONFIRMED
    assert resolve_events(post) == []


def test_a_link_to_no_post_is_refused_with_what_to_do(
    publishing: Publishing, bluesky_target: BlueskyTarget, cast: Any
) -> None:
    post = publishing.scheduled("Never arrived")
    delivery = given_up(post, reached_platform=False)
    link = f"https://bsky.app/profile/{bluesky_target.remote.handle}/post/3kabcdefghij2"
    with pytest.raises(ResolveError) as refused:
        resolve(cast.lola, delivery, found=link, note="I was sure", request=req(cast.lola))
    assert str(refused.value) == (
        f"found: bluesky says there is no post at://{bluesky_target.remote.did}/"
        f"app.bsky.feed.post/3kabcdefghij2 ({link}): it was deleted or the link is wrong; "
        "check the link, or resolve it as not there"
    )
    assert Delivery.objects.get(pk=delivery.pk).state == "unconfirmed"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            "https://example.com/some/page",
            "found: 'https://example.com/some/page' is not a Bluesky post link or id; give the "
            "post's link (https://bsky.app/profile/<handle>/post/<id>) or its at:// URI",
        ),
        (
            "yesterday's post",
            "found: \"yesterday's post\" is not a Bluesky post link or id; give the post's link "
            "(https://bsky.app/profile/<handle>/post/<id>) or its at:// URI",
        ),
    ],
)
def test_something_that_is_not_a_post_link_is_refused(
    publishing: Publishing, bluesky_target: BlueskyTarget, cast: Any, given: str, message: str
) -> None:
    delivery = given_up(publishing.scheduled("Bad link"), reached_platform=False)
    with pytest.raises(ResolveError) as refused:
        resolve(cast.lola, delivery, found=given, note="checked", request=req(cast.lola))
    assert str(refused.value) == message


def test_a_post_of_this_account_with_other_text_is_refused(
    publishing: Publishing, bluesky_target: BlueskyTarget, cast: Any
) -> None:
    delivery = given_up(publishing.scheduled("The approved words"), reached_platform=False)
    with connector_for(cast.bluesky) as connector:
        other = connector.publish(
            PublishRequest(text="Something else entirely", idempotency_key=new_idempotency_key())
        )
    with pytest.raises(ResolveError) as refused:
        resolve(
            cast.lola, delivery, found=other.url, note="the newest post", request=req(cast.lola)
        )
    assert str(refused.value) == (
        f"found: the post at {other.url} reads 'Something else entirely', not this delivery's "
        "approved text 'The approved words'; give the link of this post"
    )


def test_when_the_platform_cannot_be_reached_the_persons_word_is_recorded_unverified(
    publishing: Publishing, bluesky_target: BlueskyTarget, cast: Any
) -> None:
    post = publishing.scheduled("Seen by a person")
    delivery = given_up(post, reached_platform=True)
    [record] = bluesky_target.posts()
    mark_broken(cast.bluesky, "the app password was revoked; reconnect the account")

    result = resolve(
        cast.lola, delivery, found=record["uri"], note="seen in the app", request=req(cast.lola)
    )

    assert not result.verified
    assert "on your word" in result.message
    assert "the app password was revoked" in result.message
    delivery.refresh_from_db()
    assert (delivery.state, delivery.remote_id, delivery.remote_version) == (
        "published",
        record["uri"],
        "",
    )
    assert state_of(post) == State.PUBLISHED
    [event] = resolve_events(post)
    assert event["verified"] is False
    assert event["verification"].startswith("not verified: Postguard cannot reach")


def test_found_on_mastodon_after_reconciliation_gave_up_for_real(
    publishing: Publishing, mastodon_mock: MastodonMock, cast: Any
) -> None:
    """The real path: every answer to the post is lost and every search fails, so Postguard
    checks MAX_RECONCILES times and gives up; the person finds it by its link."""
    broken = True

    def route(seen: Seen) -> Reply:
        path = seen.path.split("?")[0]
        if broken and seen.method == "POST" and path == "/api/v1/statuses":
            forward(mastodon_mock.url, seen)  # the platform acts; the answer is lost
            return Reply(drop=True)
        if broken and seen.method == "GET" and path.endswith("/statuses"):
            return Reply(503, b'{"error": "busy"}', {"Content-Type": "application/json"})
        return forward(mastodon_mock.url, seen)

    with loopback_server(route) as proxy:
        target = connect_mastodon(cast.mastodon, mastodon_mock, via=proxy.url)
        post = publishing.scheduled("Lost in the fediverse", [cast.mastodon])
        publishing.run_jobs()
        for _ in range(outcomes.MAX_RECONCILES):
            publishing.make_due(post)
            publishing.run_jobs()
        delivery = Delivery.objects.select_related("post", "account", "version").get(post=post)
        assert (delivery.state, delivery.next_attempt_at) == ("unconfirmed", None)
        [status] = target.posts()
        broken = False
        link = f"{proxy.url}/@{target.remote.username}/{status['id']}"
        result = resolve(
            cast.lola, delivery, found=link, note="on the public timeline", request=req(cast.lola)
        )

    assert result.verified
    delivery.refresh_from_db()
    assert (delivery.state, delivery.remote_id) == ("published", str(status["id"]))
    assert state_of(post) == State.PUBLISHED
    assert len(target.posts()) == 1


def test_a_mastodon_id_on_another_server_is_refused(
    publishing: Publishing, mastodon_target: MastodonTarget, cast: Any
) -> None:
    delivery = given_up(publishing.scheduled("Elsewhere", [cast.mastodon]), reached_platform=False)
    with pytest.raises(ResolveError) as refused:
        resolve(
            cast.lola,
            delivery,
            found="https://mastodon.social/@someone/1234",
            note="x",
            request=req(cast.lola),
        )
    assert str(refused.value).startswith(
        "found: https://mastodon.social/@someone/1234 is on mastodon.social, but "
        f"{cast.mastodon} is on 127.0.0.1"
    )


# --- it is not there ----------------------------------------------------------------------------


def test_not_there_fails_the_delivery_with_the_note_and_the_post_can_be_drafted_again(
    publishing: Publishing, bluesky_target: BlueskyTarget, cast: Any
) -> None:
    post = publishing.scheduled("Never made it")
    delivery = given_up(post, reached_platform=False)

    result = resolve(
        cast.sam, delivery, not_there=True, note="profile checked at 10:05", request=req(cast.sam)
    )

    assert "can go back to draft" in result.message
    delivery.refresh_from_db()
    assert delivery.state == "failed"
    assert delivery.last_error == (
        f"not published: {actor_name(cast.sam)} checked {cast.bluesky} by hand and the post is "
        "not there (profile checked at 10:05)"
    )
    assert state_of(post) == State.FAILED
    [event] = resolve_events(post)
    assert (event["answer"], event["note"]) == ("not there", "profile checked at 10:05")
    assert bluesky_target.posts() == []
    # The existing path: edited back to draft, approved again, scheduled; published once.
    lola, leo = cast.lola, cast.leo
    content = services.Content(text="Never made it", account_ids=[cast.bluesky.pk])
    services.edit_post(post, lola, content, request=req(lola))
    assert state_of(post) == State.DRAFT
    services.submit(post, lola, request=req(lola))
    publishing.run_jobs(only="workflow.vet")
    services.approve(post, leo, request=req(leo))
    services.schedule(post, lola, request=req(lola))
    publishing.run_jobs()
    assert state_of(post) == State.PUBLISHED
    [record] = bluesky_target.posts()
    assert Delivery.objects.get(post=post).remote_id == record["uri"]


# --- refused before anything happens ------------------------------------------------------------


def test_only_leads_and_security_may_resolve(
    publishing: Publishing, bluesky_target: BlueskyTarget, cast: Any
) -> None:
    delivery = given_up(publishing.scheduled("Not yours"), reached_platform=False)
    for person in (cast.eddie, cast.ada, cast.rita):
        with pytest.raises(PermissionDenied, match=r"may not publishing\.resolve"):
            resolve(person, delivery, not_there=True, note="checked", request=req(person))
    assert Delivery.objects.get(pk=delivery.pk).state == "unconfirmed"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"found": "at://x", "not_there": True, "note": "n"},
            "found: say either that the post is there (give its link or id on",
        ),
        ({"note": "n"}, "found: say either that the post is there"),
        ({"not_there": True, "note": "  "}, "note: say what you checked (where you looked"),
        ({"not_there": True, "note": "x" * 2001}, "note: 2001 characters; at most 2000"),
    ],
)
def test_an_incomplete_answer_is_refused_by_field(
    publishing: Publishing,
    bluesky_target: BlueskyTarget,
    cast: Any,
    options: dict[str, Any],
    message: str,
) -> None:
    delivery = given_up(publishing.scheduled("Incomplete"), reached_platform=False)
    with pytest.raises(ResolveError) as refused:
        resolve(cast.lola, delivery, **options, request=req(cast.lola))
    assert str(refused.value).startswith(message)


def test_a_delivery_postguard_still_checks_or_already_settled_is_refused(
    publishing: Publishing, bluesky_target: BlueskyTarget, cast: Any
) -> None:
    delivery = given_up(publishing.scheduled("Still checking"), reached_platform=False)
    later = timezone.now() + dt.timedelta(minutes=5)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=later)
    with pytest.raises(ResolveError) as refused:
        resolve(cast.lola, delivery, not_there=True, note="checked", request=req(cast.lola))
    assert str(refused.value).startswith(
        f"delivery: Postguard is still checking {cast.bluesky} for this post (next check "
        f"{outcomes.when(later)}); it can be resolved by hand once Postguard stops checking"
    )
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
    resolve(cast.lola, delivery, not_there=True, note="checked", request=req(cast.lola))
    with pytest.raises(ResolveError) as again:
        resolve(cast.leo, delivery, not_there=True, note="checked too", request=req(cast.leo))
    assert str(again.value) == (
        "delivery: it is failed, not unconfirmed: there is nothing to resolve (only a delivery "
        "Postguard could not confirm can be resolved by hand)"
    )


# --- the command --------------------------------------------------------------------------------


def run(*args: str) -> int:
    # Django closes the connection when a command ends; inside a test's transaction on
    # PostgreSQL that would end the test (as in tests/registry/test_commands.py).
    with mock.patch.object(connections, "close_all"):
        return main(["delivery-resolve", "--skip-checks", *args])


def test_the_command_resolves_and_exits_2_on_bad_input_and_3_when_denied(
    publishing: Publishing,
    bluesky_target: BlueskyTarget,
    cast: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    post = publishing.scheduled("From the command line")
    delivery = given_up(post, reached_platform=True)
    [record] = bluesky_target.posts()

    assert run("999999", "--not-there", "--note", "x") == 2
    assert "DELIVERY_ID 999999: no such delivery" in capsys.readouterr().err
    assert run(str(delivery.pk), "--found", "nonsense", "--note", "x") == 2
    assert "--found: 'nonsense' is not a Bluesky post link or id" in capsys.readouterr().err
    assert run(str(delivery.pk), "--not-there", "--note", "x", "--as", "eddie@example.gov") == 3
    assert "permission denied:" in capsys.readouterr().err
    assert state_of(post) == State.UNCONFIRMED

    assert run(str(delivery.pk), "--found", record["uri"], "--note", "seen it") == 0
    assert capsys.readouterr().out.startswith(f"Recorded: published on {cast.bluesky} at http://")
    assert state_of(post) == State.PUBLISHED
