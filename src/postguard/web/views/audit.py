"""The audit log page for lead, security and auditor: filter, page, export JSONL."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from postguard.audit.export import event_line
from postguard.audit.log import record
from postguard.audit.models import AuditEvent
from postguard.core.permissions import can, require

FILTERS = ("actor", "object", "action", "since", "until")
LABELS = {"since": "From", "until": "Until"}


def _day(value: str, field: str, errors: list[tuple[str, str]]) -> dt.datetime | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        errors.append((field, f"{value!r} is not a date; use YYYY-MM-DD"))
        return None
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def filtered_events(
    user: Any,
    params: QueryDict | dict[str, str],
    *,
    request: HttpRequest | None = None,
) -> tuple[QuerySet[AuditEvent], list[tuple[str, str]]]:
    """Events the user may see that match the filters (newest first), and (filter, message) for
    any filter that is wrong."""
    errors: list[tuple[str, str]] = []
    events = AuditEvent.objects.restrict(user, "audit.view", request=request)
    actor = (params.get("actor") or "").strip()
    if actor:
        events = events.filter(Q(actor_name__icontains=actor) | Q(actor_id=actor))
    obj = (params.get("object") or "").strip()
    if obj:
        events = events.filter(
            Q(object_type__iexact=obj) | Q(object_id=obj) | Q(object_repr__icontains=obj)
        )
    action = (params.get("action") or "").strip()
    if action:
        events = events.filter(action__startswith=action)
    since = _day((params.get("since") or "").strip(), "since", errors)
    if since is not None:
        events = events.filter(time__gte=since)
    until = _day((params.get("until") or "").strip(), "until", errors)
    if until is not None:
        events = events.filter(time__lt=until + dt.timedelta(days=1))
    return events.order_by("-seq"), errors


def _query(request: HttpRequest) -> str:
    kept = QueryDict(mutable=True)
    for name in FILTERS:
        if request.GET.get(name):
            kept[name] = request.GET[name]
    return kept.urlencode()


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    require(request.user, "audit.view", request=request)
    events, errors = filtered_events(request.user, request.GET, request=request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/audit/list.html",
        {
            "page_obj": page,
            "filters": {name: request.GET.get(name, "") for name in FILTERS},
            "filter_errors": [f"{LABELS[f]}: {m}" for f, m in errors],
            "query": _query(request),
            "can_export": can(request.user, "audit.export", request=request),
        },
    )


def jsonl(events: QuerySet[AuditEvent]) -> Iterator[str]:
    """The same lines as `postguard audit export`, so `audit verify --export` can check them."""
    for event in events.order_by("seq").iterator(chunk_size=500):
        yield json.dumps(event_line(event), ensure_ascii=False, sort_keys=True) + "\n"


@login_required
def audit_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    require(request.user, "audit.export", request=request)
    events, errors = filtered_events(request.user, request.GET, request=request)
    if errors:
        return HttpResponse(
            "\n".join(f"{LABELS[f]}: {m}" for f, m in errors), status=400, content_type="text/plain"
        )
    record("audit.export", after={"filters": {k: request.GET.get(k, "") for k in FILTERS}})
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response = StreamingHttpResponse(jsonl(events), content_type="application/x-ndjson")
    response["Content-Disposition"] = f'attachment; filename="postguard-audit-{stamp}.jsonl"'
    return response
