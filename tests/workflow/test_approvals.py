"""Approvals as the policy says: steps, any/all, counts; edits void them; blocking findings are
unapprovable; review findings need an override with a reason from the right role; expired
approvals never count; devices."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from postguard.audit.models import AuditEvent
from postguard.jobs import runner
from postguard.workflow import services
from postguard.workflow.machine import WorkflowError
from postguard.workflow.models import Approval, Post, State
from tests.workflow.conftest import BLOCKED, CLEAN, REVIEW, Flow, req, set_policy

pytestmark = pytest.mark.django_db

TWO_REVIEWERS = """
approvals:
  steps:
    - {name: review, roles: [reviewer, lead], mode: any, count: 2}
"""
TWO_STEPS = """
approvals:
  steps:
    - {name: review, roles: [reviewer], mode: any, count: 1}
    - {name: sign-off, roles: [lead], mode: any, count: 1}
"""
ALL_ROLES = """
approvals:
  steps:
    - {name: joint, roles: [reviewer, lead], mode: all, count: 1}
"""


def test_two_approvers_are_needed_when_the_policy_says_count_2(flow: Flow) -> None:
    set_policy(flow.cast, TWO_REVIEWERS)
    post = flow.to_review()
    services.approve(post, flow.cast.rita, request=req(flow.cast.rita))
    assert post.state == State.IN_REVIEW
    assert services.missing_approvals(post) == ["review: 1 more approval(s) by reviewer or lead"]
    with pytest.raises(WorkflowError, match="already approved version 1"):
        services.approve(post, flow.cast.rita, request=req(flow.cast.rita))
    services.approve(post, flow.cast.lola, request=req(flow.cast.lola))
    assert post.state == State.APPROVED


def test_steps_go_in_order(flow: Flow) -> None:
    set_policy(flow.cast, TWO_STEPS)
    post = flow.to_review()
    with pytest.raises(PermissionDenied, match="still needed: review: 1 more approval"):
        services.approve(post, flow.cast.lola, request=req(flow.cast.lola))
    services.approve(post, flow.cast.rita, request=req(flow.cast.rita))
    assert post.state == State.IN_REVIEW
    services.approve(post, flow.cast.lola, request=req(flow.cast.lola))
    assert post.state == State.APPROVED
    assert [(a.step, a.role) for a in post.approvals.all()] == [
        ("review", "reviewer"),
        ("sign-off", "lead"),
    ]


def test_mode_all_needs_each_role(flow: Flow) -> None:
    set_policy(flow.cast, ALL_ROLES)
    post = flow.to_review()
    services.approve(post, flow.cast.lola, request=req(flow.cast.lola))
    with pytest.raises(PermissionDenied, match=r"joint: 1 more approval\(s\) by reviewer"):
        services.approve(post, flow.cast.leo, request=req(flow.cast.leo))
    services.approve(post, flow.cast.rita, request=req(flow.cast.rita))
    assert post.state == State.APPROVED


def test_an_edit_voids_every_approval_and_it_is_audited(flow: Flow) -> None:
    set_policy(flow.cast, TWO_REVIEWERS)
    post = flow.to_review()
    first = services.approve(post, flow.cast.rita, request=req(flow.cast.rita))
    old_digest = services.current(post).digest
    version = services.edit_post(
        post,
        flow.cast.eddie,
        flow.content(CLEAN + " Bring a friend."),
        request=req(flow.cast.eddie),
    )
    assert version.number == 2
    assert version.digest != old_digest
    first.refresh_from_db()
    assert first.voided_at is not None
    assert first.void_reason == "the post was edited (version 2)"
    assert post.state == State.DRAFT
    void = AuditEvent.objects.get(action="workflow.approval.void", object_id=str(post.pk))
    assert (void.before or {})["approver"] == "Rita <rita@example.gov>"
    assert (void.before or {})["digest"] == old_digest
    # Resubmitted, the new version needs the approvals again: Rita's old one does not count.
    services.submit(post, flow.cast.eddie, request=req(flow.cast.eddie))
    from tests.workflow.conftest import run_jobs

    run_jobs()
    services.approve(post, flow.cast.lola, request=req(flow.cast.lola))
    post.refresh_from_db()
    assert post.state == State.IN_REVIEW
    services.approve(post, flow.cast.rita, request=req(flow.cast.rita))
    assert post.state == State.APPROVED
    assert {a.version.number for a in services.valid_approvals(post)} == {2}


def test_an_edit_of_an_approved_post_sends_it_back_to_draft(flow: Flow) -> None:
    post = flow.to_review()
    services.approve(post, flow.cast.rita, request=req(flow.cast.rita))
    services.edit_post(
        post,
        flow.cast.eddie,
        flow.content(CLEAN, not_after=timezone.now() + dt.timedelta(days=1)),
        request=req(flow.cast.eddie),
    )
    assert post.state == State.DRAFT
    assert services.valid_approvals(post) == []


def test_a_blocking_finding_cannot_be_approved_or_overridden(flow: Flow) -> None:
    post = flow.to_review(text=BLOCKED)
    with pytest.raises(WorkflowError, match=r"blocking findings \(pii.phone at 16-28\)"):
        services.approve(post, flow.cast.rita, request=req(flow.cast.rita))
    with pytest.raises(WorkflowError, match="cannot be overridden"):
        services.override(
            post,
            flow.cast.sam,
            rule="pii.phone",
            start=16,
            end=28,
            reason="it is the front desk",
            request=req(flow.cast.sam),
        )
    assert post.approvals.count() == 0


def test_a_review_finding_needs_an_override_with_a_reason_by_the_policy_role(flow: Flow) -> None:
    post = flow.to_review(text=REVIEW)
    with pytest.raises(WorkflowError, match=r"need an override .* \(link.not_allowed at 14-43\)"):
        services.approve(post, flow.cast.rita, request=req(flow.cast.rita))
    finding: dict[str, Any] = {"rule": "link.not_allowed", "start": 14, "end": 43}
    # A reviewer may not override (post.override is lead and security)...
    with pytest.raises(PermissionDenied):
        services.override(
            post,
            flow.cast.rita,
            reason="NOAA is the weather service",
            request=req(flow.cast.rita),
            **finding,
        )
    # ... nor may the author, a lead or not.
    with pytest.raises(PermissionDenied):
        services.override(
            post,
            flow.cast.eddie,
            reason="NOAA is the weather service",
            request=req(flow.cast.eddie),
            **finding,
        )
    with pytest.raises(WorkflowError, match="written reason of at least 10 characters"):
        services.override(
            post, flow.cast.sam, reason="  ok  ", request=req(flow.cast.sam), **finding
        )
    with pytest.raises(WorkflowError, match=r"no finding link\.not_allowed at 0-5"):
        services.override(
            post,
            flow.cast.sam,
            rule="link.not_allowed",
            start=0,
            end=5,
            reason="NOAA is the weather service",
            request=req(flow.cast.sam),
        )
    made = services.override(
        post,
        flow.cast.sam,
        reason="NOAA is the weather service",
        request=req(flow.cast.sam),
        **finding,
    )
    assert made.by_name == "Sam <sam@example.gov>"
    services.approve(post, flow.cast.rita, request=req(flow.cast.rita))
    assert post.state == State.APPROVED


def test_only_the_roles_the_policy_names_may_override(flow: Flow) -> None:
    set_policy(flow.cast, "approvals:\n  override_roles: [lead]\n")
    post = flow.to_review(text=REVIEW)
    with pytest.raises(PermissionDenied, match="only lead override"):
        services.override(
            post,
            flow.cast.sam,
            rule="link.not_allowed",
            start=14,
            end=43,
            reason="NOAA is the weather service",
            request=req(flow.cast.sam),
        )
    services.override(
        post,
        flow.cast.lola,
        rule="link.not_allowed",
        start=14,
        end=43,
        reason="NOAA is the weather service",
        request=req(flow.cast.lola),
    )


def test_an_approval_older_than_max_age_never_counts(flow: Flow) -> None:
    set_policy(flow.cast, "approvals:\n  max_age_hours: 24\n")
    post = flow.to_review()
    approval = services.approve(post, flow.cast.rita, request=req(flow.cast.rita))
    services.schedule(post, flow.cast.eddie, request=req(flow.cast.eddie))
    Approval.objects.filter(pk=approval.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )
    runner.sweep()  # the periodic check
    post.refresh_from_db()
    assert post.state == State.IN_REVIEW
    event = AuditEvent.objects.filter(action="workflow.post.in_review").order_by("-seq").first()
    assert event is not None
    assert event.before == {"state": "scheduled"}
    assert (event.after or {})["reason"].startswith("approval expired: review: 1 more approval")
    # Back in review, a fresh approval puts it right.
    services.approve(post, flow.cast.lola, request=req(flow.cast.lola))
    assert post.state == State.APPROVED


def test_the_periodic_check_sends_a_post_whose_window_closed_back_to_review(flow: Flow) -> None:
    post = flow.to_review(not_after=timezone.now() + dt.timedelta(hours=2))
    services.approve(post, flow.cast.rita, request=req(flow.cast.rita))
    waiting = flow.to_review(not_after=timezone.now() + dt.timedelta(hours=2))
    services.approve(waiting, flow.cast.rita, request=req(flow.cast.rita))
    Post.objects.filter(pk=post.pk).update(not_after=timezone.now() - dt.timedelta(seconds=1))
    runner.sweep()  # the periodic check
    post.refresh_from_db()
    waiting.refresh_from_db()
    assert (post.state, waiting.state) == (State.IN_REVIEW, State.APPROVED)
    assert services.valid_approvals(post) == []


def test_an_approval_past_the_window_never_counts(flow: Flow) -> None:
    end = timezone.now() + dt.timedelta(hours=2)
    post = flow.to_review(not_after=end)
    services.approve(post, flow.cast.rita, request=req(flow.cast.rita))
    assert services.expire_if_stale(post, now=end - dt.timedelta(minutes=1)) is False
    assert services.expire_if_stale(post, now=end + dt.timedelta(seconds=1)) is True
    assert post.state == State.IN_REVIEW
    assert services.valid_approvals(post) == []


def test_scheduling_an_expired_approval_is_refused(flow: Flow) -> None:
    post = flow.to_review()
    approval = services.approve(post, flow.cast.rita, request=req(flow.cast.rita))
    Approval.objects.filter(pk=approval.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=73)
    )
    with pytest.raises(WorkflowError, match="expired; it is back in review"):
        services.schedule(post, flow.cast.eddie, request=req(flow.cast.eddie))


# --- devices ------------------------------------------------------------------------------------


def test_an_unenrolled_device_may_draft_but_not_submit_or_approve_by_default(flow: Flow) -> None:
    eddie, rita = flow.cast.eddie, flow.cast.rita
    post = services.create_post(eddie, flow.content(), request=req(eddie, enrolled=False))
    with pytest.raises(PermissionDenied):
        services.submit(post, eddie, request=req(eddie, enrolled=False))
    services.submit(post, eddie, request=req(eddie))
    from tests.workflow.conftest import run_jobs

    run_jobs()
    with pytest.raises(PermissionDenied):
        services.approve(post, rita, request=req(rita, enrolled=False))
    with pytest.raises(PermissionDenied):
        services.approve(post, rita, request=None)  # no request: counted as unenrolled
    services.approve(post, rita, request=req(rita))
    with pytest.raises(PermissionDenied):
        services.schedule(post, eddie, request=req(eddie, enrolled=False))


def test_the_policy_may_let_unenrolled_devices_approve(flow: Flow) -> None:
    set_policy(flow.cast, "devices:\n  unenrolled_may: [draft, submit, approve]\n")
    post = flow.to_review()
    services.approve(post, flow.cast.rita, request=req(flow.cast.rita, enrolled=False))
    assert post.state == State.APPROVED
    assert post.approvals.get().device == "unenrolled"


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_approve_the_post_once(flow: Flow) -> None:
    import threading

    from django.db import connection

    post = flow.to_review()
    outcomes: dict[str, str] = {}
    start = threading.Barrier(2)

    def approve(name: str) -> None:
        user = getattr(flow.cast, name)
        start.wait()
        try:
            services.approve(Post.objects.get(pk=post.pk), user, request=req(user))
            outcomes[name] = "approved"
        except WorkflowError as exc:
            outcomes[name] = str(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(n,)) for n in ("rita", "lola")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values())[0] == "approved"
    assert sorted(outcomes.values())[1] == (
        f"post {post.pk} is approved; only a post in review can be approved"
    )
    post.refresh_from_db()
    assert post.state == State.APPROVED
    assert AuditEvent.objects.filter(action="workflow.post.approved").count() == 1
