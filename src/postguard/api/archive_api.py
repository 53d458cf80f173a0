"""The archive and the schedule over the API: the same queries, scoping and audit as the pages
(publishing.archive, web.views.schedule)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from postguard.api.errors import FieldError
from postguard.audit.log import record
from postguard.core.permissions import require
from postguard.publishing import archive
from postguard.web.views.schedule import ScheduleError, parse_account, parse_range, scheduled_posts

router = Router(tags=["archive and schedule"])

MAX_PAGE_SIZE = 200


class ArchiveFilter(Schema):
    q: str = Field("", description="words in the published text")
    account: str = Field("", description="platform account id")
    platform: str = Field("", description="bluesky, mastodon, ...")
    author: str = Field("", description="author name or email")
    since: str = Field("", description="published on or after this day (YYYY-MM-DD)")
    until: str = Field("", description="published on or before this day (YYYY-MM-DD)")
    state: str = Field("", description="the post's state: published, failed, unconfirmed, ...")


class ArchivePageFilter(ArchiveFilter):
    page: int = 1
    page_size: int = 50


class ExportFilter(ArchiveFilter):
    format: str = Field("json", description="json (one document) or csv (one row per delivery)")


class VersionOut(Schema):
    number: int
    text: str
    digest: str
    author: str
    created_at: str
    targets: list[int]
    not_before: str | None
    not_after: str | None
    images: list[dict[str, Any]]
    diff: list[str]


class ApprovalOut(Schema):
    approver: str
    step: str
    role: str
    version: int
    digest: str
    created_at: str
    device: str
    voided: bool
    voided_at: str | None
    void_reason: str


class OverrideOut(Schema):
    rule: str
    start: int
    end: int
    image: int | None
    reason: str
    by: str
    version: int
    created_at: str


class VettingOut(Schema):
    version: int
    verdict: str
    findings: list[dict[str, Any]]
    vetted_at: str


class DeliveryOut(Schema):
    id: int
    account_id: int
    account: str
    platform: str
    state: str
    version: int
    remote_id: str
    url: str
    published_at: str | None
    attempts: int
    last_error: str
    approvers: list[str]
    approved_digest: str | None
    published_digest: str
    digests_match: bool


class ArchivedPostOut(Schema):
    id: int
    state: str
    author: str
    created_at: str
    text: str
    published_version: int | None
    approved_digest: str | None
    published_digest: str | None
    digests_match: bool
    versions: list[VersionOut]
    approvals: list[ApprovalOut]
    overrides: list[OverrideOut]
    vetting: VettingOut | None
    deliveries: list[DeliveryOut]


class ArchivePageOut(Schema):
    count: int
    page: int
    pages: int
    posts: list[ArchivedPostOut]


def _filters(filters: ArchiveFilter) -> archive.Filters:
    try:
        return archive.parse_filters(filters.dict())
    except archive.ArchiveFilterError as exc:
        raise FieldError(
            [(f"query.{name}", message) for name, message in exc.problems], detail=str(exc)
        ) from None


@router.get(
    "/archive",
    response=ArchivePageOut,
    summary="Published posts with their evidence, most recently published first",
)
def archive_page(request: HttpRequest, filters: Query[ArchivePageFilter]) -> dict[str, Any]:
    require(request.user, "archive.view", request=request)
    if not 1 <= filters.page_size <= MAX_PAGE_SIZE:
        raise FieldError([("query.page_size", f"use a number from 1 to {MAX_PAGE_SIZE}")])
    if filters.page < 1:
        raise FieldError([("query.page", "use a page number from 1")])
    found = archive.search(request.user, _filters(filters), request=request)
    paginator = Paginator(found, filters.page_size)
    if filters.page > max(paginator.num_pages, 1):
        raise FieldError(
            [("query.page", f"there are {paginator.num_pages} page(s) of {filters.page_size}")]
        )
    ids = [post.pk for post in paginator.page(filters.page).object_list]
    posts = archive.with_evidence(found.filter(pk__in=ids), request.user, request=request)
    return {
        "count": paginator.count,
        "page": filters.page,
        "pages": paginator.num_pages,
        "posts": [archive.record_of(post) for post in posts],
    }


@router.get(
    "/archive/{int:post_id}",
    response=ArchivedPostOut,
    summary="Everything the archive holds about one published post",
)
def archived_post(request: HttpRequest, post_id: int) -> dict[str, Any]:
    require(request.user, "archive.view", request=request)
    found = archive.search(request.user, request=request).filter(pk=post_id)
    post = archive.with_evidence(found, request.user, request=request).first()
    if post is None:
        raise Http404(f"post {post_id} is not in the archive, or not visible to you")
    return archive.record_of(post)


@router.get(
    "/archive/export",
    summary="Export the matching posts as JSON (one document) or CSV (one row per delivery)",
    response={200: None},
)
def archive_export(request: HttpRequest, filters: Query[ExportFilter]) -> StreamingHttpResponse:
    require(request.user, "archive.export", request=request)
    try:
        export = archive.prepare_export(
            request.user, _filters(filters), filters.format.strip().lower(), request=request
        )
    except archive.ArchiveFilterError as exc:
        raise FieldError(
            [(f"query.{name}", message) for name, message in exc.problems], detail=str(exc)
        ) from None
    record(
        "archive.export",
        actor=request.user,
        request=request,
        after={**export.audit_details(), "via": "api"},
    )
    response = StreamingHttpResponse(export.chunks(), content_type=export.content_type())
    response["Content-Disposition"] = f'attachment; filename="{export.filename()}"'
    return response


class ScheduleFilter(Schema):
    from_: str = Field(
        "", alias="from", description="YYYY-MM-DD (the site's midnight) or ISO 8601 with offset"
    )
    to: str = Field("", description="excluded; default: 31 days after from")
    account: str = Field("", description="platform account id")


class TargetOut(Schema):
    id: int
    platform: str
    handle: str


class ScheduleItemOut(Schema):
    id: int
    state: str
    when: dt.datetime
    not_before: dt.datetime | None
    not_after: dt.datetime | None
    text: str
    author: str
    targets: list[TargetOut]
    approvals: list[str]


class ScheduleOut(Schema):
    time_zone: str
    start: dt.datetime
    end: dt.datetime
    posts: list[ScheduleItemOut]


@router.get(
    "/schedule",
    response=ScheduleOut,
    summary="Approved, scheduled and published posts by publish time, earliest first",
)
def schedule(request: HttpRequest, filters: Query[ScheduleFilter]) -> dict[str, Any]:
    require(request.user, "post.view", request=request)
    try:
        start, end = parse_range({"from": filters.from_, "to": filters.to}, timezone.now())
        account = parse_account(filters.account)
    except ScheduleError as exc:
        raise FieldError(
            [(f"query.{name}", message) for name, message in exc.problems], detail=str(exc)
        ) from None
    items = scheduled_posts(request.user, start, end, account=account, request=request)
    return {
        "time_zone": str(archive.site_zone()),
        "start": start,
        "end": end,
        "posts": [
            {
                "id": i.id,
                "state": i.state,
                "when": i.when,
                "not_before": i.not_before,
                "not_after": i.not_after,
                "text": i.text,
                "author": i.author,
                "targets": [
                    {"id": t.id, "platform": t.platform, "handle": t.handle} for t in i.targets
                ],
                "approvals": list(i.approvals),
            }
            for i in items
        ],
    }
