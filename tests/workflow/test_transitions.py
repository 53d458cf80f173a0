"""Every move of the state machine for every permission case: nobody, no role, the wrong role,
the right role, and the author approving their own post."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from postguard.audit.models import AuditEvent
from postguard.core.actors import SYSTEM
from postguard.workflow import services
from postguard.workflow.machine import IllegalTransitionError, WorkflowError, transition
from postguard.workflow.models import State
from tests.workflow.conftest import BLOCKED, CLEAN, Flow, req

pytestmark = pytest.mark.django_db

NOBODY = "anonymous"


def who(cast: Any, name: str) -> Any:
    return AnonymousUser() if name == NOBODY else getattr(cast, name)


# --- drafting ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "may"),
    [
        (NOBODY, False),
        ("nora", False),  # no role
        ("ada", False),  # auditor: read-only
        ("rita", False),  # reviewer: vets, does not draft
        ("ollie", False),  # editor, but on Mastodon only
        ("mona", False),  # editor without MFA: the gate is shut
        ("eddie", True),
        ("connie", True),  # contributors submit drafts
        ("lola", True),
    ],
)
def test_who_may_draft_for_the_bluesky_account(flow: Flow, name: str, may: bool) -> None:
    user = who(flow.cast, name)
    if may:
        post = flow.draft(user)
        assert post.state == State.DRAFT
        assert services.current(post).number == 1
        assert post.author == user
    else:
        with pytest.raises(PermissionDenied):
            flow.draft(user)


def test_a_post_to_two_accounts_needs_the_role_on_both(flow: Flow) -> None:
    both = [flow.cast.bluesky.pk, flow.cast.mastodon.pk]
    with pytest.raises(PermissionDenied):
        flow.draft(flow.cast.eddie, account_ids=both)
    assert flow.draft(flow.cast.lola, account_ids=both).targets.count() == 2


def test_bad_content_is_refused_with_every_problem_named(flow: Flow) -> None:
    with pytest.raises(WorkflowError) as error:
        flow.draft(flow.cast.eddie, text="  ", account_ids=[])
    assert "text: the post is empty" in str(error.value)
    assert "targets: choose at least one platform account" in str(error.value)


# --- submitting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "may"),
    [
        (NOBODY, False),
        ("nora", False),
        ("ada", False),
        ("rita", False),
        ("ollie", False),
        ("eddie", True),
        ("connie", True),
    ],
)
def test_who_may_submit(flow: Flow, name: str, may: bool) -> None:
    post = flow.draft(flow.cast.eddie)
    user = who(flow.cast, name)
    if may:
        services.submit(post, user, request=req(user))
        assert post.state == State.SUBMITTED
    else:
        with pytest.raises(PermissionDenied):
            services.submit(post, user, request=req(user))
        post.refresh_from_db()
        assert post.state == State.DRAFT


def test_submitting_runs_vetting_as_a_job_then_the_post_is_in_review(flow: Flow) -> None:
    from postguard.jobs.models import Job
    from tests.workflow.conftest import run_jobs

    post = flow.draft(flow.cast.eddie, text=BLOCKED)
    services.submit(post, flow.cast.eddie, request=req(flow.cast.eddie))
    job = Job.objects.get(name="workflow.vet")
    assert (job.object_id, job.state) == (str(services.current(post).pk), Job.State.QUEUED)
    assert run_jobs() == 1
    post.refresh_from_db()
    assert post.state == State.IN_REVIEW
    vetting = services.latest_vetting(post.current_version)
    assert vetting is not None
    assert vetting.verdict == "block"
    assert [(f["rule"], f["start"], f["end"]) for f in vetting.findings] == [("pii.phone", 16, 28)]


def test_nobody_may_make_the_system_moves(flow: Flow) -> None:
    post = flow.draft(flow.cast.eddie)
    services.submit(post, flow.cast.eddie, request=req(flow.cast.eddie))
    with pytest.raises(PermissionDenied, match="only Postguard itself"):
        transition(post, State.IN_REVIEW, actor=flow.cast.lola, request=req(flow.cast.lola))


def test_an_illegal_move_says_what_the_post_is_and_where_it_can_go(flow: Flow) -> None:
    post = flow.draft(flow.cast.eddie)
    with pytest.raises(IllegalTransitionError) as error:
        transition(post, State.APPROVED, actor=flow.cast.lola, request=req(flow.cast.lola))
    assert str(error.value) == (
        f"post {post.pk} is draft; it cannot move to approved. "
        "From draft it can move to: submitted, withdrawn"
    )


# --- approving --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "may"),
    [
        (NOBODY, False),
        ("nora", False),  # no role
        ("ada", False),  # auditor
        ("connie", False),  # contributor
        ("sam", False),  # security overrides findings but does not approve
        ("ollie", False),  # editor elsewhere
        ("eddie", False),  # the author: never their own post
        ("rita", True),
        ("lola", True),
    ],
)
def test_who_may_approve(flow: Flow, name: str, may: bool) -> None:
    post = flow.to_review(flow.cast.eddie)
    assert post.state == State.IN_REVIEW
    user = who(flow.cast, name)
    if may:
        approval = services.approve(post, user, request=req(user))
        assert post.state == State.APPROVED
        assert approval.digest == services.current(post).digest
    else:
        with pytest.raises(PermissionDenied):
            services.approve(post, user, request=req(user))
        post.refresh_from_db()
        assert post.state == State.IN_REVIEW


def test_nobody_approves_their_own_post_not_even_a_superuser_lead(flow: Flow) -> None:
    lola = flow.cast.lola
    lola.is_superuser = lola.is_staff = True
    lola.save()
    post = flow.to_review(lola)
    with pytest.raises(PermissionDenied, match="their own post"):
        services.approve(post, lola, request=req(lola))
    services.approve(post, flow.cast.leo, request=req(flow.cast.leo))
    assert post.state == State.APPROVED


@pytest.mark.parametrize(
    ("name", "may"),
    [(NOBODY, False), ("nora", False), ("eddie", False), ("connie", False), ("rita", True)],
)
def test_who_may_request_changes(flow: Flow, name: str, may: bool) -> None:
    post = flow.to_review(flow.cast.eddie)
    user = who(flow.cast, name)
    if may:
        services.request_changes(post, user, "Say which branch opens", request=req(user))
        assert post.state == State.CHANGES_REQUESTED
        assert post.comments.get().text == "Changes requested: Say which branch opens"
        services.edit_post(
            post,
            flow.cast.eddie,
            flow.content(CLEAN + " (Main branch)"),
            request=req(flow.cast.eddie),
        )
        assert post.state == State.DRAFT
    else:
        with pytest.raises(PermissionDenied):
            services.request_changes(post, user, "no", request=req(user))


@pytest.mark.parametrize(
    ("name", "may"),
    [
        (NOBODY, False),
        ("nora", False),
        ("rita", False),
        ("ollie", False),
        ("eddie", True),
        ("connie", True),
        ("lola", True),
    ],
)
def test_who_may_withdraw(flow: Flow, name: str, may: bool) -> None:
    post = flow.to_review(flow.cast.eddie)
    user = who(flow.cast, name)
    if may:
        services.withdraw(post, user, "event cancelled", request=req(user))
        assert post.state == State.WITHDRAWN
        with pytest.raises(IllegalTransitionError, match=r"nothing \(it is final\)"):
            services.submit(post, flow.cast.eddie, request=req(flow.cast.eddie))
    else:
        with pytest.raises(PermissionDenied):
            services.withdraw(post, user, request=req(user))


@pytest.mark.parametrize(
    ("name", "may"),
    [
        (NOBODY, False),
        ("nora", False),
        ("rita", False),
        ("connie", False),
        ("eddie", True),
        ("lola", True),
    ],
)
def test_who_may_schedule_an_approved_post(flow: Flow, name: str, may: bool) -> None:
    post = flow.to_review(flow.cast.eddie)
    services.approve(post, flow.cast.rita, request=req(flow.cast.rita))
    user = who(flow.cast, name)
    if may:
        services.schedule(post, user, request=req(user))
        assert post.state == State.SCHEDULED
    else:
        with pytest.raises(PermissionDenied):
            services.schedule(post, user, request=req(user))


@pytest.mark.parametrize(
    ("name", "may"),
    [
        (NOBODY, False),
        ("nora", False),
        ("ada", False),
        ("eddie", True),
        ("rita", True),
        ("connie", True),
        ("ollie", False),
    ],
)
def test_who_may_comment(flow: Flow, name: str, may: bool) -> None:
    post = flow.draft(flow.cast.eddie)
    user = who(flow.cast, name)
    if may:
        assert services.comment(post, user, "Looks good", request=req(user)).text == "Looks good"
    else:
        with pytest.raises(PermissionDenied):
            services.comment(post, user, "Looks good", request=req(user))


# --- the audit trail --------------------------------------------------------------------------


def test_every_transition_is_audited_with_actor_device_time_and_states(flow: Flow) -> None:
    post = flow.to_review(flow.cast.eddie)
    services.approve(post, flow.cast.rita, request=req(flow.cast.rita))
    events = AuditEvent.objects.filter(object_type="workflow.post", object_id=str(post.pk))
    moves = [
        (
            e.action,
            e.actor_name,
            e.device,
            (e.before or {}).get("state"),
            (e.after or {}).get("state"),
        )
        for e in events.order_by("seq")
        if e.action
        in {"workflow.post.submitted", "workflow.post.in_review", "workflow.post.approved"}
    ]
    assert moves == [
        (
            "workflow.post.submitted",
            "Eddie <eddie@example.gov>",
            "company laptop 7",
            "draft",
            "submitted",
        ),
        ("workflow.post.in_review", str(SYSTEM), "worker", "submitted", "in_review"),
        (
            "workflow.post.approved",
            "Rita <rita@example.gov>",
            "company laptop 7",
            "in_review",
            "approved",
        ),
    ]
    assert all(e.time is not None for e in events)
    approved = events.get(action="workflow.post.approved")
    assert (approved.after or {})["digest"] == services.current(post).digest


@pytest.mark.parametrize(
    ("name", "may"),
    [
        (NOBODY, False),
        ("nora", False),
        ("ada", False),
        ("rita", False),  # reviewers approve; the policy names lead and security to override
        ("eddie", False),  # the author
        ("connie", False),
        ("sam", True),
        ("lola", True),
    ],
)
def test_who_may_override_a_review_finding(flow: Flow, name: str, may: bool) -> None:
    from tests.workflow.conftest import REVIEW

    post = flow.to_review(text=REVIEW)
    user = who(flow.cast, name)
    finding: dict[str, Any] = {"rule": "link.not_allowed", "start": 14, "end": 43}
    if may:
        made = services.override(
            post,
            user,
            reason="NOAA is the national weather service",
            request=req(user),
            **finding,
        )
        assert made.by == user
    else:
        with pytest.raises(PermissionDenied):
            services.override(
                post,
                user,
                reason="NOAA is the national weather service",
                request=req(user),
                **finding,
            )
