"""The archive page: published posts with their evidence, searched with htmx, and exported as
JSON or CSV with the same filters (streamed, audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render

from postguard.audit.log import record
from postguard.core.permissions import can, require
from postguard.publishing import archive
from postguard.registry.models import PlatformAccount

PAGE_SIZE = 25


def _query(request: HttpRequest) -> str:
    """The filters as given, for the pagination and export links."""
    kept = QueryDict(mutable=True)
    for name in archive.FILTER_NAMES:
        if request.GET.get(name):
            kept[name] = request.GET[name]
    return kept.urlencode()


def _for_page(item: dict[str, Any]) -> dict[str, Any]:
    """Times as the site's local time, for reading (the record keeps ISO 8601)."""
    zone = archive.site_zone()
    for delivery in item["deliveries"]:
        at = delivery["published_at"]
        delivery["published_local"] = (
            dt.datetime.fromisoformat(at).astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else ""
        )
    return item


@login_required
def archive_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "archive.view", request=request)
    errors: list[str] = []
    try:
        filters = archive.parse_filters(request.GET)
    except archive.ArchiveFilterError as exc:
        errors = [f"{name}: {message}" for name, message in exc.problems]
        filters = archive.Filters()
    found = archive.search(request.user, filters, request=request) if not errors else None
    page = None
    items: list[dict[str, Any]] = []
    if found is not None:
        page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
        ids = [post.pk for post in page.object_list]
        posts = archive.with_evidence(found.filter(pk__in=ids), request.user, request=request)
        items = [_for_page(archive.record_of(post)) for post in posts]
    return render(
        request,
        "web/archive/list.html",
        {
            "page_obj": page,
            "items": items,
            "filters": {name: request.GET.get(name, "") for name in archive.FILTER_NAMES},
            "filter_errors": errors,
            "query": _query(request),
            "accounts": PlatformAccount.objects.restrict(
                request.user, "archive.view", request=request
            ).order_by("platform", "handle"),
            "platforms": PlatformAccount.Platform.choices,
            "states": [(s.value, s.label) for s in archive.ARCHIVE_STATES],
            "can_export": can(request.user, "archive.export", request=request),
            "time_zone": settings.TIME_ZONE,
        },
    )


@login_required
def archive_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything the archive holds about one post (404 unless the user may see it archived)."""
    require(request.user, "archive.view", request=request)
    found = archive.search(request.user, request=request).filter(pk=pk)
    post = archive.with_evidence(found, request.user, request=request).first()
    if post is None:
        raise Http404(f"post {pk} is not in the archive, or not visible to you")
    return render(request, "web/archive/detail.html", {"item": _for_page(archive.record_of(post))})


@login_required
def archive_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """GET /archive/export/?format=json|csv&<the page's filters>: one streamed download."""
    require(request.user, "archive.export", request=request)
    try:
        export = archive.prepare_export(
            request.user,
            archive.parse_filters(request.GET),
            request.GET.get("format", "json").strip().lower(),
            request=request,
        )
    except archive.ArchiveFilterError as exc:
        return HttpResponse(
            "\n".join(f"{name}: {message}" for name, message in exc.problems) + "\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    record(
        "archive.export",
        actor=request.user,
        request=request,
        after={**export.audit_details(), "via": "web"},
    )
    response = StreamingHttpResponse(export.chunks(), content_type=export.content_type())
    response["Content-Disposition"] = f'attachment; filename="{export.filename()}"'
    return response
