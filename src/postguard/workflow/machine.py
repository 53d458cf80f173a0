"""The state machine: the one table of legal moves and the one function that makes them.

    draft → submitted (vetting runs as a job) → in_review → approved → scheduled → publishing
    → published | failed | unconfirmed;  in_review → changes_requested → draft;  → withdrawn

`transition()` locks the post, checks the move against TRANSITIONS and the actor against
`can()` (on the post and on every target account), and records an audit event with the actor,
device, time and the state before and after. Moves marked SYSTEM are made only by the system
actor (vetting done, approval expired, the publisher's outcomes), never by a person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from postguard.audit.log import record
from postguard.core.actors import SystemActor, actor_name
from postguard.core.permissions import can
from postguard.workflow.models import Post, State

if TYPE_CHECKING:
    from django.http import HttpRequest

SYSTEM: Final = "system"

# (from, to) -> the action the actor needs, or SYSTEM.
TRANSITIONS: Final[dict[tuple[State, State], str]] = {
    (State.DRAFT, State.SUBMITTED): "post.submit",
    (State.SUBMITTED, State.IN_REVIEW): SYSTEM,  # the vetting job finished
    (State.IN_REVIEW, State.APPROVED): "post.approve",  # the last approval the policy needs
    (State.IN_REVIEW, State.CHANGES_REQUESTED): "post.approve",
    (State.CHANGES_REQUESTED, State.DRAFT): "post.draft",
    (State.APPROVED, State.SCHEDULED): "post.schedule",
    (State.APPROVED, State.IN_REVIEW): SYSTEM,  # an approval expired
    (State.SCHEDULED, State.IN_REVIEW): SYSTEM,  # an approval expired, or a resume after pause
    (State.SCHEDULED, State.PUBLISHING): SYSTEM,  # the publisher claimed it
    (State.PUBLISHING, State.PUBLISHED): SYSTEM,
    (State.PUBLISHING, State.FAILED): SYSTEM,
    (State.PUBLISHING, State.UNCONFIRMED): SYSTEM,
    (State.UNCONFIRMED, State.PUBLISHED): SYSTEM,  # reconciliation found it on the platform
    (State.UNCONFIRMED, State.FAILED): SYSTEM,
    # Reconciliation found nothing: publish again with the same idempotency key.
    (State.UNCONFIRMED, State.PUBLISHING): SYSTEM,
    # An edit sends the post back to draft from anywhere before publishing.
    (State.SUBMITTED, State.DRAFT): "post.draft",
    (State.IN_REVIEW, State.DRAFT): "post.draft",
    (State.APPROVED, State.DRAFT): "post.draft",
    (State.SCHEDULED, State.DRAFT): "post.draft",
    (State.FAILED, State.DRAFT): "post.draft",
    # Withdrawing: anyone who may draft on every target, in any state before publishing.
    (State.DRAFT, State.WITHDRAWN): "post.draft",
    (State.SUBMITTED, State.WITHDRAWN): "post.draft",
    (State.IN_REVIEW, State.WITHDRAWN): "post.draft",
    (State.CHANGES_REQUESTED, State.WITHDRAWN): "post.draft",
    (State.APPROVED, State.WITHDRAWN): "post.draft",
    (State.SCHEDULED, State.WITHDRAWN): "post.draft",
}

EDITABLE: Final = frozenset(
    {
        State.DRAFT,
        State.SUBMITTED,
        State.IN_REVIEW,
        State.CHANGES_REQUESTED,
        State.APPROVED,
        State.SCHEDULED,
        State.FAILED,
    }
)


class WorkflowError(ValueError):
    """A request the workflow refuses for what it is (not who asks): the message says why."""


class IllegalTransitionError(WorkflowError):
    pass


def allowed_moves(state: str) -> list[str]:
    return [str(to) for (frm, to) in TRANSITIONS if frm == state]


def allowed(
    user: Any,
    action_name: str,
    post: Post | None,
    *,
    request: HttpRequest | None = None,
    enrolled: bool | None = None,
    account_ids: list[int] | None = None,
) -> bool:
    """can() on the post and on every target account: a per-account role must cover them all.

    Without a post (creating one) `account_ids` names the intended targets.
    """
    from postguard.registry.models import PlatformAccount

    if not can(user, action_name, post, request=request, enrolled=enrolled):
        return False
    ids = account_ids if account_ids is not None else ([] if post is None else post_targets(post))
    accounts = PlatformAccount.objects.filter(pk__in=ids)
    if len(accounts) != len(set(ids)):
        return False
    return all(
        can(user, action_name, account, request=request, enrolled=enrolled) for account in accounts
    )


def post_targets(post: Post) -> list[int]:
    return sorted(post.targets.values_list("id", flat=True))


def require_allowed(
    user: Any,
    action_name: str,
    post: Post | None,
    *,
    request: HttpRequest | None = None,
    enrolled: bool | None = None,
    account_ids: list[int] | None = None,
) -> None:
    if not allowed(
        user, action_name, post, request=request, enrolled=enrolled, account_ids=account_ids
    ):
        who = actor_name(user) if user is not None and user.is_authenticated else "anonymous"
        on = f" on post {post.pk}" if post is not None else ""
        if post is not None and post.belongs_to(user) and action_name in _NEVER_OWN_ACTIONS:
            raise PermissionDenied(f"{who} may not {action_name}{on}: it is their own post")
        raise PermissionDenied(
            f"{who} may not {action_name}{on} (needs the role on every target account, "
            "MFA, and a device the policy allows for it)"
        )


_NEVER_OWN_ACTIONS: Final = frozenset({"post.approve", "post.override"})


def transition(
    post: Post,
    to: State,
    *,
    actor: Any,
    request: HttpRequest | None = None,
    enrolled: bool | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> Post:
    """Move `post` to `to` or raise: IllegalTransitionError (the move), PermissionDenied (who).

    Runs in a transaction with the post row locked; `post` is refreshed in place.
    """
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        before = State(locked.state)
        needed = TRANSITIONS.get((before, to))
        if needed is None:
            moves = ", ".join(allowed_moves(before)) or "nothing (it is final)"
            raise IllegalTransitionError(
                f"post {post.pk} is {before.label}; it cannot move to {to.label}. "
                f"From {before.label} it can move to: {moves}"
            )
        if needed == SYSTEM:
            if not isinstance(actor, SystemActor):
                raise PermissionDenied(
                    f"only Postguard itself moves a post from {before.label} to {to.label}"
                )
        else:
            require_allowed(actor, needed, locked, request=request, enrolled=enrolled)
        locked.state = to
        locked.state_changed_at = timezone.now()
        locked.save(update_fields=["state", "state_changed_at"])
        version = locked.current_version
        record(
            f"workflow.post.{to.value}",
            actor=actor,  # the system actor too: never the user whose request set it off
            actor_name=actor_name(actor) if isinstance(actor, SystemActor) else None,
            obj=locked,
            request=request,
            before={"state": before.value},
            after={
                "state": to.value,
                "version": version.number if version else None,
                "digest": version.digest if version else None,
                **({"reason": reason} if reason else {}),
                **(details or {}),
            },
        )
    post.refresh_from_db()
    return post
