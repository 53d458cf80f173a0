"""Publishing controls over the API: pause and resume (one account or the organization), and
the integrity watch's alerts; the same services, and so the same `can()` rules, as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from postguard.api.auth import require_write
from postguard.api.errors import FieldError
from postguard.core.permissions import require
from postguard.publishing import integrity
from postguard.publishing.integrity import AlertError
from postguard.publishing.models import IntegrityAlert, Pause
from postguard.publishing.pause import PauseError, pause, resume, scope_of
from postguard.registry.models import PlatformAccount
from postguard.web.views.publishing_controls import visible_alerts, visible_pauses

router = Router(tags=["publishing controls"])


class PauseIn(Schema):
    account_id: int | None = Field(None, description="the account to pause; none: every account")
    reason: str = ""


class ResumeIn(Schema):
    note: str = ""


class PauseOut(Schema):
    id: int
    account_id: int | None
    scope: str
    active: bool
    reason: str
    paused_by: str
    paused_at: dt.datetime
    resumed_by: str
    resumed_at: dt.datetime | None
    resume_note: str


class ResumeOut(Schema):
    pause: PauseOut
    released: list[int] = Field(description="posts handed back to the publisher")
    back_to_review: list[int] = Field(description="posts whose window closed: back in review")
    still_paused: list[int] = Field(description="posts another active pause still holds")


class AlertOut(Schema):
    id: int
    account_id: int
    kind: str
    meaning: str
    remote_id: str
    url: str
    post_id: int | None
    details: dict[str, Any]
    raised_at: dt.datetime
    acknowledged_by: str
    acknowledged_at: dt.datetime | None
    note: str


class AcknowledgeIn(Schema):
    note: str = ""


def _pause_out(row: Pause) -> PauseOut:
    return PauseOut(
        id=row.pk,
        account_id=row.account_id,
        scope=scope_of(row.account),
        active=row.resumed_at is None,
        reason=row.reason,
        paused_by=row.paused_by_name,
        paused_at=row.paused_at,
        resumed_by=row.resumed_by_name,
        resumed_at=row.resumed_at,
        resume_note=row.resume_note,
    )


def _alert_out(alert: IntegrityAlert) -> AlertOut:
    return AlertOut(
        id=alert.pk,
        account_id=alert.account_id,
        kind=alert.kind,
        meaning=integrity.MEANING[IntegrityAlert.Kind(alert.kind)],
        remote_id=alert.remote_id,
        url=alert.url,
        post_id=alert.delivery.post_id if alert.delivery_id and alert.delivery else None,
        details=dict(alert.details),
        raised_at=alert.raised_at,
        acknowledged_by=alert.acknowledged_by_name,
        acknowledged_at=alert.acknowledged_at,
        note=alert.note,
    )


def _field_error(exc: ValueError) -> FieldError:
    """Service messages start with the field they blame ("reason: ..."): name it in the body."""
    message = str(exc)
    field, sep, rest = message.partition(": ")
    if sep and field in {"reason", "note"}:
        return FieldError([(f"body.{field}", rest)], detail=message)
    return FieldError([("body", message)], detail=message)


@router.get("/pauses", response=list[PauseOut], summary="Pauses, active and past, newest first")
def list_pauses(request: HttpRequest, active: bool | None = None) -> list[PauseOut]:
    require(request.user, "account.view", request=request)
    rows = visible_pauses(request)
    if active is not None:
        rows = rows.filter(resumed_at__isnull=active)
    return [_pause_out(row) for row in rows[:200]]


@router.post("/pauses", response={201: PauseOut}, summary="Stop publishing (one account or all)")
def create_pause(request: HttpRequest, payload: PauseIn) -> tuple[int, PauseOut]:
    require_write(request)
    account = None
    if payload.account_id is not None:
        accounts = PlatformAccount.objects.restrict(request.user, "account.view", request=request)
        account = get_object_or_404(accounts, pk=payload.account_id)
    try:
        paused = pause(request.user, account, payload.reason, request=request)
    except PauseError as exc:
        raise _field_error(exc) from None
    return 201, _pause_out(paused)


@router.post(
    "/pauses/{pause_id}/resume",
    response=ResumeOut,
    summary="Resume: publish what is inside its window, send the rest back to review",
)
def resume_pause(request: HttpRequest, pause_id: int, payload: ResumeIn) -> ResumeOut:
    require_write(request)
    held = get_object_or_404(visible_pauses(request), pk=pause_id)
    try:
        result = resume(request.user, held, payload.note, request=request)
    except PauseError as exc:
        raise _field_error(exc) from None
    return ResumeOut(
        pause=_pause_out(result.pause),
        released=result.released,
        back_to_review=result.back_to_review,
        still_paused=result.still_paused,
    )


@router.get("/alerts", response=list[AlertOut], summary="Integrity alerts, newest first")
def list_alerts(request: HttpRequest, open: bool | None = None) -> list[AlertOut]:
    require(request.user, "integrity.view", request=request)
    rows = visible_alerts(request)
    if open is not None:
        rows = rows.filter(acknowledged_at__isnull=open)
    return [_alert_out(alert) for alert in rows[:200]]


@router.post(
    "/alerts/{alert_id}/acknowledge", response=AlertOut, summary="Close an alert with a note"
)
def acknowledge_alert(request: HttpRequest, alert_id: int, payload: AcknowledgeIn) -> AlertOut:
    require_write(request)
    alert = get_object_or_404(visible_alerts(request), pk=alert_id)
    try:
        integrity.acknowledge(request.user, alert, payload.note, request=request)
    except AlertError as exc:
        raise _field_error(exc) from None
    return _alert_out(alert)
