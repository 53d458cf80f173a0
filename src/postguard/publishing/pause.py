"""The pause switch: "stop all scheduled posts" for one account or the whole organization, and
resuming, which publishes what is still inside its window and sends the rest back to review.

A pause is a row (publishing.models.Pause); the publisher asks `active_pause()` before every
platform call, so pausing needs no message to any worker. Resuming looks at every post the
pause held back: one whose window is still open is handed to the publisher again, one whose
window closed goes back to review (its approvals voided: they signed a window that is gone).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from postguard.audit.log import record
from postguard.core.actors import SYSTEM, actor_name
from postguard.core.permissions import require
from postguard.publishing.models import Delivery, Pause, active_pause
from postguard.publishing.publisher import enqueue_publish
from postguard.registry.models import PlatformAccount
from postguard.workflow.machine import post_targets, transition
from postguard.workflow.models import Approval, Post, State

if TYPE_CHECKING:
    from django.http import HttpRequest


MAX_REASON: Final = 2000
PAST_WINDOW: Final = "paused past its publish window"
# Deliveries the publisher has not finished: a PUBLISHING post with any of these was stopped
# mid-way by the pause (the others already landed or failed for good).
WAITING_DELIVERIES: Final = (Delivery.State.PENDING, Delivery.State.WAITING)


class PauseError(ValueError):
    """A pause or resume the rules refuse for what it is (not who asks): the message says why.

    Messages that blame one field start with its name ("reason: ..."), as the forms expect.
    """


@dataclass(frozen=True)
class ResumeResult:
    """What resuming did: the posts handed back to the publisher, the posts sent back to review
    (their window closed during the pause), and those another active pause still holds."""

    pause: Pause
    released: list[int] = field(default_factory=list)
    back_to_review: list[int] = field(default_factory=list)
    still_paused: list[int] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"{len(self.released)} post{_s(self.released)} released to publish",
            f"{len(self.back_to_review)} sent back to review (past their publish window)",
        ]
        if self.still_paused:
            parts.append(f"{len(self.still_paused)} still held by another pause")
        scope = scope_of(self.pause.account)
        return f"resumed pause {self.pause.pk} of {scope}: " + ", ".join(parts)


def _s(items: list[int]) -> str:
    return "" if len(items) == 1 else "s"


def scope_of(account: PlatformAccount | None) -> str:
    return str(account) if account is not None else "the whole organization"


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def describe(existing: Pause) -> str:
    """Who paused, when and why, in one line (for errors, pages and the CLI)."""
    return (
        f"paused by {existing.paused_by_name} on {_when(existing.paused_at)} "
        f"(pause {existing.pk}): {existing.reason}"
    )


def _active_in_scope(account: PlatformAccount | None) -> Pause | None:
    rows = Pause.objects.active()
    rows = rows.filter(account=account) if account is not None else rows.filter(account=None)
    return rows.first()


def pause(
    actor: Any,
    account: PlatformAccount | None,
    reason: str,
    request: HttpRequest | None = None,
) -> Pause:
    """Stop publishing to `account` (None: to every account). Audited as "publishing.pause".

    Raises PermissionDenied (who: only organization-wide roles may pause) or PauseError (a
    blank reason; this scope is already paused, naming by whom, when and why).
    """
    require(actor, "publishing.pause", account, request=request)
    reason = reason.strip()
    if not reason:
        raise PauseError(
            "reason: say why publishing stops (e.g. 'suspected account takeover'); the team "
            "sees it on the pause and it is kept in the audit log"
        )
    if len(reason) > MAX_REASON:
        raise PauseError(f"reason: it is {len(reason)} characters long; keep it under {MAX_REASON}")
    scope = scope_of(account)
    existing = _active_in_scope(account)
    if existing is not None:
        raise _already_paused(scope, existing)
    try:
        # A savepoint: losing the race to the unique constraint must not spoil the caller's
        # transaction (and on PostgreSQL, every statement after the failed one).
        with transaction.atomic():
            paused = Pause.objects.create(
                account=account,
                reason=reason,
                paused_by=actor if getattr(actor, "pk", None) else None,
                paused_by_name=actor_name(actor),
            )
            record(
                "publishing.pause",
                actor=actor,
                actor_name=actor_name(actor) if actor is SYSTEM else None,
                obj=paused,
                request=request,
                after={
                    "scope": scope,
                    "account": account.pk if account is not None else None,
                    "reason": reason,
                    "scheduled_posts_held": _held_count(account),
                },
            )
    except IntegrityError:
        existing = _active_in_scope(account)
        if existing is None:  # not the pause constraint after all
            raise
        raise _already_paused(scope, existing) from None
    return paused


def _already_paused(scope: str, existing: Pause) -> PauseError:
    return PauseError(
        f"{scope} is already {describe(existing)}. Resume that pause first, or leave it: "
        "one active pause per account and one for the organization"
    )


def _held_count(account: PlatformAccount | None) -> int:
    rows = Post.objects.filter(state__in=(State.SCHEDULED, State.PUBLISHING))
    if account is not None:
        rows = rows.filter(targets=account)
    return rows.distinct().count()


def resume(
    actor: Any,
    pause: Pause,
    note: str = "",
    request: HttpRequest | None = None,
) -> ResumeResult:
    """End `pause` and deal with every post it held back. Audited as "publishing.resume".

    Posts still inside their window (not_after unset or in the future) go to the publisher now;
    a scheduled post whose window closed goes back to review, its approvals voided. A post that
    another active pause still covers stays as it is. All in one transaction: the posts are
    locked before anything is audited, as in every workflow transaction.
    """
    require(actor, "publishing.resume", pause, request=request)
    note = note.strip()
    if len(note) > MAX_REASON:
        raise PauseError(f"note: it is {len(note)} characters long; keep it under {MAX_REASON}")
    with transaction.atomic():
        now = timezone.now()
        held = list(
            _held_posts(pause).select_for_update().order_by("pk").values_list("pk", flat=True)
        )
        ended = Pause.objects.filter(pk=pause.pk, resumed_at__isnull=True).update(
            resumed_at=now,
            resumed_by=actor if getattr(actor, "pk", None) else None,
            resumed_by_name=actor_name(actor),
            resume_note=note,
        )
        if not ended:
            pause.refresh_from_db()
            raise PauseError(
                f"pause {pause.pk} ({scope_of(pause.account)}) was already resumed by "
                f"{pause.resumed_by_name} on {_when(pause.resumed_at or now)}"
            )
        pause.refresh_from_db()
        result = ResumeResult(pause=pause)
        for post in Post.objects.filter(pk__in=held).order_by("pk"):
            _settle(post, now, result)
        record(
            "publishing.resume",
            actor=actor,
            actor_name=actor_name(actor) if actor is SYSTEM else None,
            obj=pause,
            request=request,
            before={"paused_by": pause.paused_by_name, "reason": pause.reason},
            after={
                "note": note,
                "released": len(result.released),
                "back_to_review": len(result.back_to_review),
                "still_paused": len(result.still_paused),
                "released_posts": result.released,
                "back_to_review_posts": result.back_to_review,
            },
        )
    return result


def _held_posts(pause: Pause) -> Any:
    """Posts this pause may have held back: scheduled, or publishing with deliveries waiting."""
    waiting = Delivery.objects.filter(state__in=WAITING_DELIVERIES)
    if pause.account_id is not None:
        waiting = waiting.filter(account_id=pause.account_id)
    rows = Post.objects.filter(
        Q(state=State.SCHEDULED) | Q(state=State.PUBLISHING, pk__in=waiting.values("post_id"))
    )
    if pause.account_id is not None:
        rows = rows.filter(targets=pause.account_id)
    return Post.objects.filter(pk__in=rows.values("pk"))


def _settle(post: Post, now: dt.datetime, result: ResumeResult) -> None:
    if active_pause(post_targets(post)) is not None:
        result.still_paused.append(post.pk)
        return
    in_window = post.not_after is None or post.not_after > now
    if in_window or post.state != State.SCHEDULED:
        # A post stopped half-way (some targets published) cannot go back to review; the
        # publisher fails what is left of it if its window closed.
        _publish_now(post)
        result.released.append(post.pk)
        return
    _void_approvals(post)
    transition(post, State.IN_REVIEW, actor=SYSTEM, reason=PAST_WINDOW)
    result.back_to_review.append(post.pk)


def _void_approvals(post: Post) -> None:
    for approval in Approval.objects.filter(post=post, voided_at__isnull=True):
        approval.voided_at = timezone.now()
        approval.void_reason = PAST_WINDOW
        approval.save(update_fields=["voided_at", "void_reason"])
        record(
            "workflow.approval.void",
            actor=SYSTEM,
            actor_name=actor_name(SYSTEM),
            obj=post,
            before={
                "approval": approval.pk,
                "approver": approval.approver_name,
                "digest": approval.digest,
            },
            after={"voided": True, "reason": PAST_WINDOW},
        )


def _publish_now(post: Post) -> None:
    """Hand the post to the publisher: its job runs after this transaction commits, at once or
    at the window's start if that is still ahead."""
    enqueue_publish(post)
