"""The integrity watch: re-read what Postguard published and look for what it did not publish.

Every POSTGUARD_INTEGRITY_MINUTES the sweep queues one "publishing.integrity" job per connected
account. The job lists the account's latest posts (one Postguard has no delivery for, made after
the account was connected, is a post it did not publish: a sign of account takeover) and re-reads
the oldest-checked published deliveries (gone: deleted outside Postguard; different: edited).
Each finding is one IntegrityAlert per (account, kind, remote post), audited, shown on the
dashboard until someone acknowledges it with a note. A platform that cannot be reached raises no
alert: the error is logged, kept on the job row, and the next round tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from postguard.audit.log import audit_context, record
from postguard.audit.models import AuditEvent
from postguard.connectors.base import ConnectorError, RemotePost
from postguard.core.actors import SYSTEM, actor_name
from postguard.core.permissions import require
from postguard.jobs.models import Job
from postguard.jobs.runner import enqueue, handler, periodic
from postguard.publishing import connector_cache
from postguard.publishing.connections import ConnectError
from postguard.publishing.models import Connection, Delivery, IntegrityAlert
from postguard.registry.models import PlatformAccount

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger("postguard.publishing.integrity")

JOB: Final = "publishing.integrity"
RECENT_LIMIT: Final = 50  # the latest posts listed per round
CHECK_BATCH: Final = 50  # published deliveries re-read per round, the longest unchecked first
MAX_NOTE: Final = 2000
# Deliveries the publisher is still working on: their post may be on the platform before its
# remote id is recorded, so a listed post matching one of them is not "unknown" (yet).
IN_FLIGHT: Final = (
    Delivery.State.PENDING,
    Delivery.State.SENDING,
    Delivery.State.WAITING,
    Delivery.State.UNCONFIRMED,
)

MEANING: Final = {
    IntegrityAlert.Kind.UNKNOWN_POST: (
        "a post Postguard did not publish appeared on the account: a sign of account takeover"
    ),
    IntegrityAlert.Kind.EDITED: (
        "a post Postguard published was edited on the platform, outside Postguard"
    ),
    IntegrityAlert.Kind.DELETED: (
        "a post Postguard published was deleted on the platform, outside Postguard"
    ),
}


class AlertError(ValueError):
    """An acknowledgement the rules refuse for what it is; messages start with the field."""


class CheckFailedError(RuntimeError):
    """The platform could not be read this round; the job row keeps this message."""


@dataclass
class CheckResult:
    account: PlatformAccount
    alerts: list[IntegrityAlert] = field(default_factory=list)  # raised by this round
    listed: int = 0  # latest posts looked at
    checked: int = 0  # published deliveries re-read
    errors: list[str] = field(default_factory=list)  # what could not be read, in words


def normalized(text: str) -> str:
    """Text up to whitespace, which platforms reflow when they render a post."""
    return re.sub(r"\s+", " ", text).strip()


def check_account(account: PlatformAccount) -> CheckResult:
    """One round of the watch on one account (the job, and `postguard integrity-check`)."""
    result = CheckResult(account=account)
    try:
        lease = connector_cache.lease(account)
    except ConnectError as error:
        result.errors.append(str(error))
        logger.warning("integrity check of %s skipped: %s", account, error)
        return result
    connection = Connection.objects.get(account=account)
    with lease as connector:  # the worker's own, kept open for its next job
        try:
            recent = connector.recent(RECENT_LIMIT)
        except ConnectorError as error:
            result.errors.append(f"{account}: listing its latest posts failed: {error}")
            logger.warning("integrity check of %s: listing failed: %s", account, error)
        else:
            result.listed = len(recent)
            _unknown_posts(account, connection, recent, result)
        _recheck_published(account, connector, result)
    return result


def _unknown_posts(
    account: PlatformAccount, connection: Connection, recent: list[RemotePost], result: CheckResult
) -> None:
    since = watched_since(account, connection)
    ours = Delivery.objects.filter(account=account)
    known = set(ours.exclude(remote_id="").values_list("remote_id", flat=True))
    in_flight = ours.filter(state__in=IN_FLIGHT, remote_id="").select_related("version")
    in_flight_keys = {d.idempotency_key for d in in_flight}
    in_flight_texts = {normalized(d.version.text) for d in in_flight}
    for remote in recent:
        if remote.remote_id in known or remote.created_at <= since:
            continue
        if remote.idempotency_key in in_flight_keys or normalized(remote.text) in in_flight_texts:
            continue  # the publisher's own post, whose remote id it has not recorded yet
        _raise(
            account,
            IntegrityAlert.Kind.UNKNOWN_POST,
            remote,
            details={
                "remote_text": remote.text,
                "remote_created_at": remote.created_at.isoformat(),
                "images": len(remote.media),
            },
            result=result,
        )


def watched_since(account: PlatformAccount, connection: Connection) -> dt.datetime:
    """When Postguard first connected to this remote account: older posts are its history.

    Not the connection's own `connected_at`, which a reconnection moves: reconnecting after a
    takeover must not hide the intruder's posts made before it. Connections to another remote
    account (the wrong one, connected first by mistake) do not count.
    """
    first = (
        AuditEvent.objects.filter(
            action="publishing.account.connect",
            object_type="registry.platformaccount",
            object_id=str(account.pk),
            after__remote_id=connection.remote_id,
        )
        .order_by("seq")
        .values_list("time", flat=True)
        .first()
    )
    return min(first, connection.connected_at) if first else connection.connected_at


def _recheck_published(account: PlatformAccount, connector: Any, result: CheckResult) -> None:
    gone = IntegrityAlert.objects.filter(account=account, kind=IntegrityAlert.Kind.DELETED)
    due = (
        Delivery.objects.filter(account=account, state=Delivery.State.PUBLISHED)
        .exclude(remote_id="")
        .exclude(remote_id__in=gone.values("remote_id"))
        .select_related("version")
        .order_by(F("checked_at").asc(nulls_first=True), "pk")[:CHECK_BATCH]
    )
    for delivery in due:
        try:
            remote = connector.fetch(delivery.remote_id)
        except ConnectorError as error:
            # Rate limits and outages: stop here, the rest waits for the next round.
            result.errors.append(f"{account}: re-reading {delivery.remote_id} failed: {error}")
            logger.warning("integrity check of %s: fetch failed: %s", account, error)
            return
        published = delivery.version.text
        if remote is None:
            _raise(
                account,
                IntegrityAlert.Kind.DELETED,
                None,
                delivery=delivery,
                details={"published_text": published, "post": delivery.post_id},
                result=result,
            )
        else:
            changes = _changes(delivery, remote)
            if changes:
                _raise(
                    account,
                    IntegrityAlert.Kind.EDITED,
                    remote,
                    delivery=delivery,
                    details={
                        "published_text": published,
                        "remote_text": remote.text,
                        "changes": changes,
                        "post": delivery.post_id,
                    },
                    result=result,
                )
        Delivery.objects.filter(pk=delivery.pk).update(checked_at=timezone.now())
        result.checked += 1


def _changes(delivery: Delivery, remote: RemotePost) -> list[str]:
    """How the post on the platform differs from what Postguard published, in words."""
    changes = []
    if remote.edited:
        changes.append("the platform marks it as edited")
    if delivery.remote_version and remote.version != delivery.remote_version:
        changes.append(
            f"its version changed from {delivery.remote_version!r} to {remote.version!r}"
        )
    if normalized(remote.text) != normalized(delivery.version.text):
        changes.append("its text differs from the approved text")
    return changes


def _raise(
    account: PlatformAccount,
    kind: IntegrityAlert.Kind,
    remote: RemotePost | None,
    *,
    details: dict[str, Any],
    result: CheckResult,
    delivery: Delivery | None = None,
) -> None:
    """One alert per (account, kind, remote post): a second sighting adds nothing."""
    remote_id = remote.remote_id if remote is not None else (delivery.remote_id if delivery else "")
    url = remote.url if remote is not None else (delivery.url if delivery else "")
    if IntegrityAlert.objects.filter(account=account, kind=kind, remote_id=remote_id).exists():
        return
    try:
        with transaction.atomic():
            alert = IntegrityAlert.objects.create(
                account=account,
                delivery=delivery,
                kind=kind,
                remote_id=remote_id,
                url=url[:1000],
                details=details,
            )
            record(
                "publishing.integrity.alert",
                actor=SYSTEM,
                actor_name=actor_name(SYSTEM),
                obj=alert,
                after={
                    "kind": kind.value,
                    "meaning": MEANING[kind],
                    "account": account.pk,
                    "remote_id": remote_id,
                    "url": url,
                    **details,
                },
            )
    except IntegrityError:
        return  # another round raised it at the same moment
    logger.warning("integrity alert on %s: %s (%s)", account, MEANING[kind], remote_id)
    result.alerts.append(alert)


# --- the job and its schedule ------------------------------------------------------------------


@handler(JOB)
def integrity_job(account_id: str) -> None:
    account = PlatformAccount.objects.filter(pk=int(account_id)).first()
    if account is None:
        return
    with audit_context(actor_name=actor_name(SYSTEM), device="worker"):
        result = check_account(account)
    if result.errors:
        # Kept on the job row (shown with the alerts); the next round tries again.
        raise CheckFailedError("; ".join(result.errors))


def interval() -> dt.timedelta:
    return dt.timedelta(minutes=int(settings.INTEGRITY_MINUTES))


@periodic("publishing.integrity")
def schedule_checks() -> None:
    queue_checks()


def queue_checks(now: dt.datetime | None = None) -> int:
    """Queue a check for every connected account not checked in the last interval; how many.

    Never a second queued or running check per account: the account's connection row is locked
    while its jobs are looked at, so two sweeps at once queue one.
    """
    now = now or timezone.now()
    queued = 0
    for account_id in Connection.objects.filter(broken_reason="").values_list(
        "account_id", flat=True
    ):
        with transaction.atomic():
            Connection.objects.select_for_update().filter(account_id=account_id).first()
            jobs = Job.objects.filter(name=JOB, object_id=str(account_id))
            busy = jobs.filter(state__in=(Job.State.QUEUED, Job.State.RUNNING)).exists()
            recent = jobs.filter(created_at__gt=now - interval()).exists()
            if busy or recent:
                continue
            enqueue(JOB, account_id, max_attempts=1)
            queued += 1
    return queued


def last_check(account_id: int) -> Job | None:
    """The latest finished check of an account (its state and error say how it went)."""
    return (
        Job.objects.filter(
            name=JOB, object_id=str(account_id), state__in=(Job.State.DONE, Job.State.FAILED)
        )
        .order_by("-finished_at", "-id")
        .first()
    )


# --- acknowledging -----------------------------------------------------------------------------


def acknowledge(
    actor: Any, alert: IntegrityAlert, note: str, request: HttpRequest | None = None
) -> IntegrityAlert:
    """Close an alert with a note saying what was found and done. Audited."""
    require(actor, "integrity.acknowledge", alert, request=request)
    note = note.strip()
    if not note:
        raise AlertError(
            "note: say what you found and what you did (e.g. 'our intern edited it from the "
            "app; reminded the team to edit in Postguard'); it is kept in the audit log"
        )
    if len(note) > MAX_NOTE:
        raise AlertError(f"note: it is {len(note)} characters long; keep it under {MAX_NOTE}")
    with transaction.atomic():
        done = IntegrityAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now(),
            acknowledged_by=actor if getattr(actor, "pk", None) else None,
            acknowledged_by_name=actor_name(actor),
            note=note,
        )
        alert.refresh_from_db()
        if not done:
            raise AlertError(
                f"alert {alert.pk} was already acknowledged by {alert.acknowledged_by_name}: "
                f"{alert.note}"
            )
        record(
            "publishing.integrity.acknowledge",
            actor=actor,
            actor_name=actor_name(actor) if actor is SYSTEM else None,
            obj=alert,
            request=request,
            before={"kind": alert.kind, "remote_id": alert.remote_id},
            after={"note": note},
        )
    return alert
