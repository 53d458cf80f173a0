"""The publisher: the "publishing.publish" job takes a scheduled post to its platforms exactly
once per target account, and "publishing.reconcile" settles deliveries whose outcome is unknown.

Exactly once rests on three things. The post is claimed by one audited transition under its
row lock (of two workers, one wins). Each delivery is claimed by one conditional UPDATE, and is
committed as `sending` before the platform call, so a worker that dies mid-call leaves a trace.
Whoever picks up a delivery that was `sending` or `unconfirmed` asks the platform first
(`connector.find`), and any new attempt reuses the delivery's idempotency key, so the platform
itself refuses a second copy. See docs/publishing.md for the states and the limits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from typing import Final

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from postguard.audit.log import audit_context
from postguard.connectors.base import (
    Connector,
    ConnectorError,
    OutcomeUnknownError,
    PermanentError,
    PublishRequest,
    RetryableError,
    new_idempotency_key,
)
from postguard.connectors.registry import UnsupportedPlatformError
from postguard.core.actors import SYSTEM, actor_name
from postguard.jobs.models import Job
from postguard.jobs.runner import enqueue, handler, periodic, worker_name
from postguard.publishing import connector_cache, outcomes
from postguard.publishing.connections import ConnectError, mark_broken
from postguard.publishing.models import Delivery, Pause, active_pause
from postguard.publishing.outgoing import MediaError, build_request
from postguard.workflow.machine import IllegalTransitionError, post_targets, transition
from postguard.workflow.models import Post, State

logger = logging.getLogger("postguard.publishing")

PUBLISH_JOB: Final = "publishing.publish"
RECONCILE_JOB: Final = "publishing.reconcile"
# How the Bluesky connector says a record key is taken by a different post.
KEY_COLLIDED: Final = "two idempotency keys collided"
# After a publish or reconcile job failed (its handler raised on every attempt), the periodic
# check waits this long before queueing that post or delivery again.
CRASHED_JOB_PAUSE_SECONDS: Final = 300

D = Delivery.State


def claim_seconds() -> int:
    """How long a delivery claim holds: longer than every call one attempt makes can take."""
    # One attempt makes at most about a dozen calls (sign-in, a lookup, four image uploads, the
    # post, a lookup after an unknown outcome), each bounded by the platform timeout.
    return max(60, 12 * int(settings.PLATFORM_TIMEOUT_SECONDS))


# --- enqueueing ---------------------------------------------------------------------------------


def enqueue_publish(post: Post, *, run_after: dt.datetime | None = None) -> None:
    """Queue the publish job for this post: at `run_after`, else its window's start, else now.

    Call inside the transaction that makes the post due; a duplicate job is harmless.
    """
    now = timezone.now()
    start = post.not_before if post.not_before and post.not_before > now else now
    enqueue(PUBLISH_JOB, post.pk, run_after=run_after or start)


def enqueue_reconcile(delivery: Delivery, *, run_after: dt.datetime | None = None) -> None:
    enqueue(RECONCILE_JOB, delivery.pk, run_after=run_after or timezone.now())


# --- the publish job ----------------------------------------------------------------------------


@handler(PUBLISH_JOB)
def publish_job(post_id: str) -> None:
    with audit_context(actor_name=actor_name(SYSTEM), device="worker"):
        publish_post(int(post_id))


def publish_post(post_id: int, *, worker: str | None = None) -> None:
    """Claim the post if it is scheduled and due, then send every delivery that is due."""
    worker = worker or worker_name()
    post = Post.objects.filter(pk=post_id).first()
    if post is None:
        return
    if post.state == State.SCHEDULED:
        if not _ready(post) or not _claim_post(post):
            return
    elif post.state != State.PUBLISHING or _paused(post):
        # Unconfirmed deliveries are the reconcile job's; final states need nothing.
        return
    for delivery_id in _due_deliveries(post):
        _deliver(delivery_id, worker)


def _paused(post: Post) -> bool:
    return active_pause(post_targets(post)) is not None


def _ready(post: Post) -> bool:
    """Whether a scheduled post may be claimed now; sends it back to review when it may not."""
    from postguard.workflow.services import expire_if_stale

    if expire_if_stale(post):
        return False  # an expired approval never publishes: the post is back in review
    now = timezone.now()
    if post.not_after is not None and now > post.not_after:
        with contextlib.suppress(IllegalTransitionError):  # another worker moved it first
            transition(
                post,
                State.IN_REVIEW,
                actor=SYSTEM,
                reason=f"the publish window closed at {outcomes.when(post.not_after)} before "
                "the post went out; set a new window and approve it again",
            )
        return False
    if post.not_before is not None and now < post.not_before:
        return False  # its own job is queued for the window's start
    return not _paused(post)  # no platform call; resuming queues the job again


def _claim_post(post: Post) -> bool:
    """SCHEDULED → PUBLISHING with one delivery per target; False when another worker won."""
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if locked.state != State.SCHEDULED or locked.current_version is None:
            return False
        version = locked.current_version
        targets = post_targets(locked)
        existing = {
            d.account_id: d
            for d in Delivery.objects.select_for_update().filter(
                post=locked, account_id__in=targets
            )
        }
        kept = []
        for account_id in targets:
            delivery = existing.get(account_id)
            if delivery is None:
                Delivery.objects.create(
                    post=locked,
                    account_id=account_id,
                    version=version,
                    idempotency_key=new_idempotency_key(),
                )
            elif delivery.state == D.PUBLISHED:
                kept.append(account_id)  # published in an earlier round: never again
            else:
                # A failed delivery from an earlier round gets new attempts with the same key:
                # it never reached the platform, and if it somehow had, the key finds it. Only
                # a key that collided with another post's is replaced.
                collided = KEY_COLLIDED in delivery.last_error
                Delivery.objects.filter(pk=delivery.pk).update(
                    idempotency_key=new_idempotency_key() if collided else delivery.idempotency_key,
                    state=D.PENDING,
                    version=version,
                    attempts=0,
                    next_attempt_at=None,
                    claimed_by="",
                    claimed_until=None,
                    last_error="",
                    updated_at=timezone.now(),
                )
        transition(
            locked,
            State.PUBLISHING,
            actor=SYSTEM,
            details={"targets": targets, "already_published": kept},
        )
        outcomes.follow(locked)
    post.refresh_from_db()
    return True


def _free(now: dt.datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def _publish_due(now: dt.datetime) -> Q:
    """Deliveries the publish job takes: new, waiting and due, or abandoned mid-call."""
    waiting_due = Q(state=D.WAITING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    return (Q(state=D.PENDING) | waiting_due | Q(state=D.SENDING)) & _free(now)


def _reconcile_due(now: dt.datetime) -> Q:
    return Q(state__in=(D.UNCONFIRMED, D.SENDING)) & _free(now)


def _due_deliveries(post: Post) -> list[int]:
    rows = Delivery.objects.filter(post=post, account_id__in=post_targets(post))
    return list(rows.filter(_publish_due(timezone.now())).values_list("id", flat=True))


def _claim(delivery_id: int, worker: str, condition: Callable[[dt.datetime], Q]) -> Delivery | None:
    """One conditional UPDATE: the delivery is this worker's, or it was not free."""
    now = timezone.now()
    won = (
        Delivery.objects.filter(pk=delivery_id)
        .filter(condition(now))
        .update(claimed_by=worker[:200], claimed_until=now + dt.timedelta(seconds=claim_seconds()))
    )
    if not won:
        return None
    return Delivery.objects.select_related("post", "account", "version").get(pk=delivery_id)


def _deliver(delivery_id: int, worker: str) -> None:
    delivery = _claim(delivery_id, worker, _publish_due)
    if delivery is None:
        return
    # A worker died mid-call: the platform may have the post, so look before anything else.
    interrupted = delivery.state == D.SENDING
    try:
        lease = connector_cache.lease(delivery.account)
    except (ConnectError, UnsupportedPlatformError) as error:
        _unsendable(delivery, worker, interrupted, error)
        return
    with lease as connector:  # the worker's own, kept open for its next job
        _deliver_with(delivery, worker, connector, interrupted)


def _unsendable(delivery: Delivery, worker: str, interrupted: bool, error: Exception) -> None:
    if interrupted:
        _check_later(delivery, worker, f"cannot look for the post: {error}")
    else:
        outcomes.failed(delivery, worker, str(error))


def _deliver_with(delivery: Delivery, worker: str, connector: Connector, interrupted: bool) -> None:
    try:
        request = build_request(delivery, connector)
    except MediaError as error:
        _unsendable(delivery, worker, interrupted, error)
        return
    if interrupted:
        try:
            found = connector.find(request)
        except Exception as error:  # any failure to look leaves it unconfirmed
            _check_later(delivery, worker, f"an attempt was interrupted and {_failed_to(error)}")
            return
        if found is not None:
            outcomes.published(delivery, worker, found, found=True)
            return
    _attempt(delivery, worker, connector, request)


def _attempt(
    delivery: Delivery, worker: str, connector: Connector, request: PublishRequest
) -> None:
    """One platform call, committed as `sending` first, and its outcome written down."""
    post = delivery.post
    now = timezone.now()
    if post.not_after is not None and now > post.not_after:
        last = f"; the last error: {delivery.last_error}" if delivery.last_error else ""
        outcomes.failed(
            delivery,
            worker,
            f"not published: the publish window closed at {outcomes.when(post.not_after)}{last}",
        )
        return
    if not outcomes.start_attempt(delivery, worker):
        return
    try:
        result = connector.publish(request)
    except RetryableError as error:
        _retry(delivery, worker, error)
    except PermanentError as error:
        if outcomes.credentials_refused(error.message):
            mark_broken(delivery.account, error.message)
        outcomes.failed(delivery, worker, str(error))
    except OutcomeUnknownError as error:
        _unknown(delivery, worker, connector, request, str(error))
    except Exception as error:  # the call may have been sent: never a crash
        logger.exception("delivery %s: the %s connector failed", delivery.pk, connector.platform)
        _unknown(
            delivery,
            worker,
            connector,
            request,
            f"{connector.platform}: the connector failed unexpectedly "
            f"({type(error).__name__}: {error}); the post may exist",
        )
    else:
        outcomes.published(delivery, worker, result, found=False)


def _retry(delivery: Delivery, worker: str, error: RetryableError) -> None:
    attempts = delivery.attempts
    at = timezone.now() + dt.timedelta(seconds=outcomes.backoff(attempts, error.retry_after))
    window = delivery.post.not_after
    if attempts >= outcomes.MAX_ATTEMPTS:
        outcomes.failed(
            delivery, worker, f"not published: gave up after {attempts} attempts; the last: {error}"
        )
    elif window is not None and at > window:
        outcomes.failed(
            delivery,
            worker,
            f"not published: the next attempt ({outcomes.when(at)}) would come after the "
            f"publish window closes ({outcomes.when(window)}); the last error: {error}",
        )
    else:
        post = delivery.post
        outcomes.waiting(
            delivery, worker, str(error), at, then=lambda: enqueue_publish(post, run_after=at)
        )


def _unknown(
    delivery: Delivery,
    worker: str,
    connector: Connector,
    request: PublishRequest,
    message: str,
) -> None:
    """The call may or may not have published: look right away, else check again later."""
    try:
        found = connector.find(request)
    except Exception as error:  # failing to look is itself an unknown outcome
        message = f"{message}; and {_failed_to(error)}"
        found = None
    if found is not None:
        outcomes.published(delivery, worker, found, found=True)
        return
    _check_later(delivery, worker, f"the outcome is unknown: {message}")


def _failed_to(error: Exception) -> str:
    text = str(error) if isinstance(error, ConnectorError) else f"{type(error).__name__}: {error}"
    return f"looking for the post on the platform failed ({text})"


def _check_later(
    delivery: Delivery, worker: str, reason: str, *, checks: int | None = None
) -> None:
    """Unconfirmed, with the next reconcile job queued; or, after the last check, for a person."""
    if checks is None:
        checks = _reconciles(delivery)
    if checks >= outcomes.MAX_RECONCILES:
        outcomes.unconfirmed(
            delivery,
            worker,
            f"{reason}. Postguard checked {checks} times and cannot tell whether this post "
            f"reached {delivery.account}, so it will not publish it again on its own: look at "
            f"the account on {delivery.account.platform}; if the post is not there, post it anew",
            None,
        )
        return
    at = timezone.now() + dt.timedelta(seconds=outcomes.RECONCILE_DELAYS[checks])
    outcomes.unconfirmed(
        delivery,
        worker,
        f"{reason}. Postguard looks for it again at {outcomes.when(at)} before any new attempt",
        at,
        then=lambda: enqueue_reconcile(delivery, run_after=at),
    )


def _reconciles(delivery: Delivery) -> int:
    """Reconcile jobs made for this delivery so far (the job rows are the count)."""
    return Job.objects.filter(name=RECONCILE_JOB, object_id=str(delivery.pk)).count()


# --- the reconcile job --------------------------------------------------------------------------


@handler(RECONCILE_JOB)
def reconcile_job(delivery_id: str) -> None:
    with audit_context(actor_name=actor_name(SYSTEM), device="worker"):
        reconcile_delivery(int(delivery_id))


def reconcile_delivery(delivery_id: int, *, worker: str | None = None) -> None:
    """Find an unconfirmed delivery on its platform; not there: publish again, same key."""
    worker = worker or worker_name()
    current = Delivery.objects.filter(pk=delivery_id).first()
    if current is None or active_pause([current.account_id]) is not None:
        return  # paused: no platform call; the periodic check queues it after the resume
    delivery = _claim(delivery_id, worker, _reconcile_due)
    if delivery is None:
        return
    try:
        lease = connector_cache.lease(delivery.account)
    except (ConnectError, UnsupportedPlatformError) as error:
        _check_later(delivery, worker, f"cannot look for the post: {error}")
        return
    with lease as connector:  # the worker's own, kept open for its next job
        _reconcile_with(delivery, worker, connector)


def _reconcile_with(delivery: Delivery, worker: str, connector: Connector) -> None:
    try:
        request = build_request(delivery, connector)
    except MediaError as error:
        _check_later(delivery, worker, f"cannot look for the post: {error}")
        return
    try:
        found = connector.find(request)
    except Exception as error:  # any failure to look: check again later
        _check_later(delivery, worker, _failed_to(error))
        return
    if found is not None:
        outcomes.published(delivery, worker, found, found=True)
        return
    # Not on the platform: publishing again with the same key cannot make a second copy.
    _attempt(delivery, worker, connector, request)


# --- the periodic check -------------------------------------------------------------------------


@periodic("publishing.enqueue_lost")
def enqueue_lost_job() -> None:
    with audit_context(actor_name=actor_name(SYSTEM), device="worker"):
        enqueue_lost()


def enqueue_lost(now: dt.datetime | None = None) -> int:
    """Queue the jobs a lost message or a crash left missing; how many it queued.

    A due scheduled post, or a post with a delivery due (or abandoned mid-call), gets a publish
    job unless one is queued or running; an unconfirmed delivery still being checked gets its
    reconcile job. Paused accounts are left alone (resuming queues their posts).
    """
    now = now or timezone.now()
    scopes = set(Pause.objects.active().values_list("account_id", flat=True))
    if None in scopes:
        return 0  # the whole organization is paused
    busy = _busy(PUBLISH_JOB, now)
    due_posts = set(
        Post.objects.filter(state=State.SCHEDULED)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .values_list("id", flat=True)
    )
    due_posts |= set(
        Delivery.objects.filter(post__state__in=(State.PUBLISHING, State.UNCONFIRMED))
        .filter(_publish_due(now))
        .values_list("post_id", flat=True)
    )
    queued = 0
    for post in Post.objects.filter(pk__in=due_posts).order_by("id"):
        if str(post.pk) in busy or scopes & set(post_targets(post)):
            continue
        with transaction.atomic():
            enqueue_publish(post)
        queued += 1
    checking = _busy(RECONCILE_JOB, now)
    unconfirmed = Delivery.objects.filter(state=D.UNCONFIRMED, next_attempt_at__isnull=False)
    for delivery in unconfirmed.exclude(account_id__in=scopes).order_by("id"):
        if str(delivery.pk) in checking:
            continue
        assert delivery.next_attempt_at is not None
        with transaction.atomic():
            enqueue_reconcile(delivery, run_after=max(delivery.next_attempt_at, now))
        queued += 1
    return queued


def _busy(name: str, now: dt.datetime) -> set[str]:
    """Object ids with a job of this name queued or running, or failed in the last few minutes
    (a handler that keeps crashing is tried again every few minutes, not on every sweep)."""
    recent = now - dt.timedelta(seconds=CRASHED_JOB_PAUSE_SECONDS)
    live = Q(state__in=(Job.State.QUEUED, Job.State.RUNNING))
    crashed = Q(state=Job.State.FAILED, finished_at__gte=recent)
    return set(Job.objects.filter(live | crashed, name=name).values_list("object_id", flat=True))
