"""What a delivery attempt ended in, written down: the delivery row, its audit event, and the
post's state, which follows its deliveries. Every write here happens under the post's row lock,
so two deliveries of one post settling at once decide the post's state one after the other.

A delivery is changed only by the worker whose name is in `claimed_by`: a worker that lost its
claim (it ran past `claimed_until` and another took over) changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any, Final

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from postguard.audit.log import record
from postguard.core.actors import SYSTEM, actor_name
from postguard.publishing.models import Delivery
from postguard.workflow.machine import post_targets, transition
from postguard.workflow.models import Post, State

D = Delivery.State

# Publish attempts per delivery, and the wait before each retry (by attempts made so far).
MAX_ATTEMPTS: Final = 6
BACKOFF_SECONDS: Final = (5, 30, 120, 600, 600, 600)
# Reconciliation of an unconfirmed delivery: the wait before each check, and how many.
RECONCILE_DELAYS: Final = (30, 60, 300, 900, 3600)
MAX_RECONCILES: Final = len(RECONCILE_DELAYS)

ACTIVE: Final = frozenset({D.PENDING, D.SENDING, D.WAITING})
# Phrases the connectors use when the platform refused the stored credential itself.
CREDENTIALS_REFUSED: Final = (
    "reconnect the account",
    "app password was revoked",
    "token was revoked",
)


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds before the next attempt after `attempts` attempts (and what the platform asked)."""
    step = BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1]
    return max(float(step), retry_after or 0.0)


def credentials_refused(message: str) -> bool:
    return any(phrase in message for phrase in CREDENTIALS_REFUSED)


def when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def post_state(states: list[str]) -> State:
    """The post's state from its deliveries' states."""
    present = set(states)
    if present & ACTIVE:
        return State.PUBLISHING
    if D.UNCONFIRMED in present:
        return State.UNCONFIRMED
    if D.FAILED in present:
        return State.FAILED
    return State.PUBLISHED


def follow(post: Post) -> Post:
    """Move the post to the state its deliveries say (call under the post's row lock).

    Only deliveries to the post's current targets count: a target removed by an edit after a
    failed round leaves its failed delivery behind as history.
    """
    deliveries = list(
        Delivery.objects.filter(post=post, account_id__in=post_targets(post)).select_related(
            "account"
        )
    )
    target = post_state([d.state for d in deliveries])
    if post.state == target:
        return post
    counts = Counter(d.state for d in deliveries)
    reason = ""
    if target in (State.FAILED, State.UNCONFIRMED):
        wanted = D.FAILED if target == State.FAILED else D.UNCONFIRMED
        reason = "; ".join(f"{d.account}: {d.last_error}" for d in deliveries if d.state == wanted)
    return transition(
        post,
        target,
        actor=SYSTEM,
        reason=reason[:2000],
        details={"deliveries": dict(sorted(counts.items()))},
    )


def settle(
    delivery: Delivery,
    worker: str,
    *,
    action: str,
    changes: dict[str, Any],
    details: dict[str, Any],
    then: Callable[[], object] | None = None,
) -> bool:
    """Write one outcome: the delivery's new fields, an audit event, and the post's state;
    `then` (enqueue the next job) runs in the same transaction.

    False (and nothing written) when this worker no longer holds the delivery's claim.
    """
    now = timezone.now()
    fields = {**changes, "updated_at": now, "claimed_by": "", "claimed_until": None}
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=delivery.post_id)
        updated = Delivery.objects.filter(pk=delivery.pk, claimed_by=worker).update(**fields)
        if not updated:
            return False
        delivery.refresh_from_db()
        if action:
            record(
                action,
                actor=SYSTEM,
                actor_name=actor_name(SYSTEM),
                obj=post,
                after={
                    "delivery": delivery.pk,
                    "account": str(delivery.account),
                    "state": delivery.state,
                    "attempts": delivery.attempts,
                    **details,
                },
            )
        if then is not None:
            then()
        follow(post)
    return True


def start_attempt(delivery: Delivery, worker: str) -> bool:
    """sending, attempts + 1, committed before the platform call (the post follows)."""
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=delivery.post_id)
        updated = Delivery.objects.filter(pk=delivery.pk, claimed_by=worker).update(
            state=D.SENDING, attempts=F("attempts") + 1, updated_at=timezone.now()
        )
        if not updated:
            return False
        follow(post)
    delivery.refresh_from_db()
    return True


def published(delivery: Delivery, worker: str, result: Any, *, found: bool) -> bool:
    return settle(
        delivery,
        worker,
        action="publishing.delivery.published",
        changes={
            "state": D.PUBLISHED,
            "remote_id": result.remote_id,
            "url": result.url,
            "remote_version": result.version,
            "published_at": result.created_at,
            "last_error": "",
            "next_attempt_at": None,
        },
        details={
            "remote_id": result.remote_id,
            "url": result.url,
            # Found on the platform after a lost answer, rather than answered by the call.
            "found": found,
        },
    )


def failed(delivery: Delivery, worker: str, reason: str) -> bool:
    return settle(
        delivery,
        worker,
        action="publishing.delivery.failed",
        changes={"state": D.FAILED, "last_error": reason, "next_attempt_at": None},
        details={"reason": reason},
    )


def waiting(
    delivery: Delivery, worker: str, reason: str, at: dt.datetime, then: Callable[[], object]
) -> bool:
    return settle(
        delivery,
        worker,
        action="publishing.delivery.waiting",
        changes={"state": D.WAITING, "last_error": reason, "next_attempt_at": at},
        details={"reason": reason, "next_attempt_at": at.isoformat()},
        then=then,
    )


def unconfirmed(
    delivery: Delivery,
    worker: str,
    reason: str,
    at: dt.datetime | None,
    then: Callable[[], object] | None = None,
) -> bool:
    """Outcome unknown; `at` is the next check (None: Postguard has given up checking)."""
    return settle(
        delivery,
        worker,
        action="publishing.delivery.unconfirmed",
        changes={"state": D.UNCONFIRMED, "last_error": reason, "next_attempt_at": at},
        details={"reason": reason, "next_check_at": at.isoformat() if at else None},
        then=then,
    )
