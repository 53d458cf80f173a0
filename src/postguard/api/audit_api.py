"""The audit log over the API: filtered pages and a JSONL export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query, Router, Schema

from postguard.api.errors import FieldError
from postguard.audit.export import event_line
from postguard.audit.log import record
from postguard.core.permissions import require
from postguard.web.views.audit import filtered_events, jsonl

router = Router(tags=["audit"])


class AuditFilter(Schema):
    actor: str = ""
    object: str = ""
    action: str = ""
    since: str = ""
    until: str = ""
    limit: int = 100
    before_seq: int | None = None


class EventOut(Schema):
    seq: int
    time: dt.datetime
    actor_id: str
    actor_name: str
    device: str
    ip: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: Any
    after: Any
    request_id: str
    prev_hash: str
    hash: str


def _events(request: HttpRequest, filters: AuditFilter) -> Any:
    params = {k: str(v or "") for k, v in filters.dict().items()}
    events, errors = filtered_events(request.user, params, request=request)
    if errors:
        raise FieldError([(f"query.{field}", message) for field, message in errors])
    return events


@router.get("/events", response=list[EventOut], summary="Audit events, newest first")
def events(request: HttpRequest, filters: Query[AuditFilter]) -> list[Any]:
    require(request.user, "audit.view", request=request)
    if not 1 <= filters.limit <= 1000:
        raise FieldError([("query.limit", "use a number from 1 to 1000")])
    rows = _events(request, filters)
    if filters.before_seq is not None:
        rows = rows.filter(seq__lt=filters.before_seq)
    return [event_line(e) for e in rows[: filters.limit]]


@router.get("/export", summary="Export the matching events as JSONL (oldest first)")
def export(request: HttpRequest, filters: Query[AuditFilter]) -> StreamingHttpResponse:
    require(request.user, "audit.export", request=request)
    rows = _events(request, filters)
    record("audit.export", after={"filters": filters.dict(), "via": "api"})
    response = StreamingHttpResponse(jsonl(rows), content_type="application/x-ndjson")
    response["Content-Disposition"] = 'attachment; filename="postguard-audit.jsonl"'
    return response
