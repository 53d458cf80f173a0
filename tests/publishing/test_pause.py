"""The pause switch: who may pause what, a reason always, one active pause per scope, and what
resuming does to the posts the pause held back (publish inside the window, review after it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from postguard.audit.models import AuditEvent
from postguard.connectors.base import new_idempotency_key
from postguard.core.actors import SYSTEM
from postguard.jobs.models import Job
from postguard.publishing.models import Delivery, Pause, active_pause
from postguard.publishing.pause import PAST_WINDOW, PauseError, pause, resume
from postguard.workflow import services
from postguard.workflow.models import Approval, Post, State


def scheduled(cast: Any, accounts: list[Any], *, window_hours: float | None = 6) -> Post:
    """A post already approved and scheduled (the workflow's own tests cover getting there)."""
    now = timezone.now()
    not_after = None if window_hours is None else now + dt.timedelta(hours=window_hours)
    post = services.create_post(
        cast.lola,
        services.Content(
            text="The library opens at 9 on Saturday.",
            account_ids=[a.pk for a in accounts],
            not_before=now - dt.timedelta(hours=8),
            not_after=not_after,
        ),
    )
    version = post.current_version
    assert version is not None
    Approval.objects.create(
        post=post,
        version=version,
        approver=cast.leo,
        approver_name="Leo",
        step="review",
        role="lead",
        digest=version.digest,
    )
    Post.objects.filter(pk=post.pk).update(state=State.SCHEDULED)
    post.refresh_from_db()
    return post


def publish_jobs() -> set[int]:
    return {
        int(i)
        for i in Job.objects.filter(name="publishing.publish").values_list("object_id", flat=True)
    }


# --- pausing -----------------------------------------------------------------------------------


def test_a_lead_pauses_one_account_and_it_is_audited(cast: Any) -> None:
    paused = pause(cast.lola, cast.bluesky, "  suspected account takeover  ")

    assert paused.account == cast.bluesky
    assert paused.reason == "suspected account takeover"
    assert paused.paused_by == cast.lola
    assert paused.paused_by_name == "Lola <lola@example.gov>"
    assert active_pause([cast.bluesky.pk]) == paused
    assert active_pause([cast.mastodon.pk]) is None
    event = AuditEvent.objects.filter(action="publishing.pause").get()
    assert event.actor_name == "Lola <lola@example.gov>"
    assert event.after is not None
    assert event.after["scope"] == str(cast.bluesky)
    assert event.after["reason"] == "suspected account takeover"


def test_an_organization_pause_stops_every_account(cast: Any) -> None:
    paused = pause(cast.sam, None, "incident: password leak")

    assert paused.account is None
    assert active_pause([cast.bluesky.pk]) == paused
    assert active_pause([cast.mastodon.pk]) == paused


@pytest.mark.parametrize("who", ["ada", "eddie", "rita", "connie", "ollie", "mona", "nora"])
def test_only_leads_and_security_may_pause(cast: Any, who: str) -> None:
    for account in (cast.bluesky, None):
        with pytest.raises(PermissionDenied, match=r"may not publishing\.pause"):
            pause(getattr(cast, who), account, "because")
    assert not Pause.objects.exists()
    assert not AuditEvent.objects.filter(action="publishing.pause").exists()


def test_the_local_operator_may_pause(cast: Any) -> None:
    paused = pause(SYSTEM, None, "maintenance window")
    assert paused.paused_by is None
    assert paused.paused_by_name == "system (local operator)"


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_a_pause_needs_a_reason(cast: Any, reason: str) -> None:
    with pytest.raises(PauseError, match=r"^reason: say why publishing stops"):
        pause(cast.lola, cast.bluesky, reason)
    assert not Pause.objects.exists()


def test_a_second_pause_of_the_same_scope_names_the_first(cast: Any) -> None:
    first = pause(cast.lola, cast.bluesky, "suspected takeover")

    with pytest.raises(PauseError) as raised:
        pause(cast.sam, cast.bluesky, "me too")
    message = str(raised.value)
    assert message.startswith(f"{cast.bluesky} is already paused by Lola <lola@example.gov> on ")
    assert f"(pause {first.pk}): suspected takeover" in message
    assert "Resume that pause first" in message
    # Other scopes are independent: the organization and the other account.
    pause(cast.sam, None, "org-wide too")
    pause(cast.sam, cast.mastodon, "and this one")
    with pytest.raises(PauseError, match="the whole organization is already paused by Sam"):
        pause(cast.lola, None, "again")
    assert Pause.objects.active().count() == 3


def test_the_database_refuses_a_second_active_pause_even_if_the_check_is_raced(
    cast: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = pause(cast.lola, None, "first")
    # Two requests at once: both looked before either wrote. The constraint decides.
    monkeypatch.setattr("postguard.publishing.pause._active_in_scope", _nothing_then_real())
    with pytest.raises(PauseError, match=rf"already paused by Lola .*\(pause {first.pk}\)"):
        pause(cast.sam, None, "second")
    # The savepoint kept the caller's transaction usable.
    assert Pause.objects.active().count() == 1


def _nothing_then_real() -> Any:
    from postguard.publishing import pause as module

    real = module._active_in_scope
    calls = {"n": 0}

    def fake(account: Any) -> Any:
        calls["n"] += 1
        return None if calls["n"] == 1 else real(account)

    return fake


# --- resuming ----------------------------------------------------------------------------------


def test_resuming_releases_posts_inside_their_window_and_reviews_the_rest(cast: Any) -> None:
    inside = scheduled(cast, [cast.bluesky], window_hours=6)
    open_ended = scheduled(cast, [cast.bluesky], window_hours=None)
    past = scheduled(cast, [cast.bluesky], window_hours=-1)
    elsewhere = scheduled(cast, [cast.mastodon], window_hours=-1)  # not held by this pause
    held = pause(cast.lola, cast.bluesky, "suspected takeover")

    result = resume(cast.sam, held, note="password reset, sessions ended")

    assert sorted(result.released) == sorted([inside.pk, open_ended.pk])
    assert result.back_to_review == [past.pk]
    assert result.still_paused == []
    assert publish_jobs() == {inside.pk, open_ended.pk}
    for post in (inside, open_ended):
        post.refresh_from_db()
        assert post.state == State.SCHEDULED
    past.refresh_from_db()
    assert past.state == State.IN_REVIEW
    approval = Approval.objects.get(post=past)
    assert approval.voided_at is not None
    assert approval.void_reason == PAST_WINDOW
    moved = AuditEvent.objects.get(action="workflow.post.in_review", object_id=str(past.pk))
    assert moved.after is not None
    assert moved.after["reason"] == PAST_WINDOW
    assert moved.actor_name == "system (local operator)"
    elsewhere.refresh_from_db()
    assert elsewhere.state == State.SCHEDULED  # another account's post is not this pause's

    held.refresh_from_db()
    assert held.resumed_by == cast.sam
    assert held.resume_note == "password reset, sessions ended"
    assert active_pause([cast.bluesky.pk]) is None
    event = AuditEvent.objects.get(action="publishing.resume")
    assert event.after is not None
    assert event.after["released"] == 2
    assert event.after["back_to_review"] == 1
    assert event.after["note"] == "password reset, sessions ended"
    assert result.summary() == (
        f"resumed pause {held.pk} of {cast.bluesky}: 2 posts released to publish, "
        "1 sent back to review (past their publish window)"
    )


def test_a_post_still_covered_by_another_pause_stays_held(cast: Any) -> None:
    both = scheduled(cast, [cast.bluesky, cast.mastodon])
    org = pause(cast.lola, None, "incident")
    pause(cast.lola, cast.mastodon, "mastodon token leaked")

    result = resume(cast.lola, org)

    assert result.released == []
    assert result.still_paused == [both.pk]
    assert publish_jobs() == set()
    both.refresh_from_db()
    assert both.state == State.SCHEDULED


def test_resuming_the_organization_releases_every_account(cast: Any) -> None:
    one = scheduled(cast, [cast.bluesky])
    two = scheduled(cast, [cast.mastodon])
    org = pause(cast.sam, None, "incident")

    result = resume(cast.sam, org)

    assert sorted(result.released) == sorted([one.pk, two.pk])


@pytest.mark.parametrize("who", ["ada", "eddie", "ollie", "nora"])
def test_only_leads_and_security_may_resume(cast: Any, who: str) -> None:
    held = pause(cast.lola, cast.bluesky, "takeover")
    with pytest.raises(PermissionDenied, match=r"may not publishing\.resume"):
        resume(getattr(cast, who), held)
    held.refresh_from_db()
    assert held.resumed_at is None


def test_a_pause_is_resumed_once(cast: Any) -> None:
    held = pause(cast.lola, cast.bluesky, "takeover")
    resume(cast.lola, held)
    stale = Pause.objects.get(pk=held.pk)
    stale.resumed_at = None  # a second browser tab still showing it active

    with pytest.raises(PauseError, match=rf"pause {held.pk} \(.*\) was already resumed by Lola"):
        resume(cast.sam, stale)
    assert AuditEvent.objects.filter(action="publishing.resume").count() == 1
    # The scope can be paused again afterwards.
    assert pause(cast.sam, cast.bluesky, "again").resumed_at is None


def test_a_post_stopped_half_way_goes_back_to_the_publisher_whatever_its_window(
    cast: Any,
) -> None:
    # Published on Mastodon, then the Bluesky delivery was held by the pause: it cannot go back
    # to review (half of it is public), so the publisher finishes or fails it.
    post = scheduled(cast, [cast.bluesky, cast.mastodon], window_hours=-1)
    Post.objects.filter(pk=post.pk).update(state=State.PUBLISHING)
    version = post.current_version
    assert version is not None
    for account, state in ((cast.mastodon, "published"), (cast.bluesky, "pending")):
        Delivery.objects.create(
            post=post,
            account=account,
            version=version,
            idempotency_key=new_idempotency_key(),
            state=state,
        )
    done = scheduled(cast, [cast.bluesky])
    Post.objects.filter(pk=done.pk).update(state=State.PUBLISHING)  # nothing left waiting
    held = pause(cast.lola, cast.bluesky, "takeover")

    result = resume(cast.lola, held)

    assert result.released == [post.pk]
    assert result.back_to_review == []
    post.refresh_from_db()
    assert post.state == State.PUBLISHING


# --- with the publisher and the real Bluesky PDS ------------------------------------------------


def test_a_paused_account_gets_no_platform_call_until_it_is_resumed(
    publishing: Any, bluesky_target: Any
) -> None:
    cast = publishing.cast
    held = pause(cast.sam, cast.bluesky, "suspected takeover")
    post = publishing.scheduled("Paused, then published once.", [cast.bluesky])

    publishing.run_jobs()

    assert bluesky_target.posts() == []  # nothing reached the PDS
    post.refresh_from_db()
    assert post.state == State.SCHEDULED

    result = resume(cast.lola, held, note="passwords changed")
    assert result.released == [post.pk]
    publishing.run_jobs()

    post.refresh_from_db()
    assert post.state == State.PUBLISHED
    assert [r["value"]["text"] for r in bluesky_target.posts()] == ["Paused, then published once."]
