"""Posts over the API: create, edit, submit, comment, override, approve, request changes,
withdraw; the same workflow services, and so the same `can()` rules, as the web app."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from postguard.api.auth import require_write
from postguard.api.errors import FieldError
from postguard.core.permissions import require
from postguard.workflow import services
from postguard.workflow.machine import IllegalTransitionError, WorkflowError
from postguard.workflow.models import Post

router = Router(tags=["posts"])


class ImageIn(Schema):
    data_base64: str | None = None
    sha256: str | None = Field(None, description="keep an image of the current version")
    alt: str = ""
    name: str = ""


class ContentIn(Schema):
    text: str
    targets: list[int] = Field(description="platform account ids")
    not_before: dt.datetime | None = None
    not_after: dt.datetime | None = None
    images: list[ImageIn] = Field(default_factory=list)


class ImageOut(Schema):
    sha256: str
    alt: str
    name: str


class VersionOut(Schema):
    number: int
    text: str
    digest: str
    targets: list[int]
    not_before: dt.datetime | None
    not_after: dt.datetime | None
    created_by: str
    created_at: dt.datetime
    images: list[ImageOut]


class ApprovalOut(Schema):
    approver: str
    step: str
    role: str
    digest: str
    version: int
    created_at: dt.datetime
    voided_at: dt.datetime | None
    void_reason: str


class DeliveryOut(Schema):
    """The post on one target account: where it landed, or what went wrong."""

    id: int = Field(description="the delivery's id (POST /deliveries/{id}/resolve)")
    account: int
    account_name: str
    state: str = Field(description="pending, sending, waiting, unconfirmed, published or failed")
    attempts: int
    version: int
    remote_id: str
    url: str
    published_at: dt.datetime | None
    last_error: str
    next_attempt_at: dt.datetime | None = Field(
        description="the next attempt (waiting) or check (unconfirmed), if one is planned"
    )


class PostOut(Schema):
    id: int
    state: str
    author: str
    created_at: dt.datetime
    version: VersionOut
    verdict: str | None
    findings: list[dict[str, Any]]
    approvals: list[ApprovalOut]
    missing_approvals: list[str]
    deliveries: list[DeliveryOut] = Field(default_factory=list)


class CommentIn(Schema):
    text: str


class CommentOut(Schema):
    id: int
    author: str
    text: str
    created_at: dt.datetime


class ReasonIn(Schema):
    reason: str = ""


class OverrideIn(Schema):
    rule: str
    start: int
    end: int
    image: int | None = None
    reason: str


def _out(post: Post) -> PostOut:
    version = services.current(post)
    vetting = services.latest_vetting(version)
    return PostOut(
        id=post.pk,
        state=post.state,
        author=post.author_name,
        created_at=post.created_at,
        version=VersionOut(
            number=version.number,
            text=version.text,
            digest=version.digest,
            targets=list(version.account_ids),
            not_before=version.not_before,
            not_after=version.not_after,
            created_by=version.created_by_name,
            created_at=version.created_at,
            images=[
                ImageOut(sha256=i.sha256, alt=i.alt, name=i.name) for i in version.images.all()
            ],
        ),
        verdict=vetting.verdict if vetting else None,
        findings=list(vetting.findings) if vetting else [],
        approvals=[
            ApprovalOut(
                approver=a.approver_name,
                step=a.step,
                role=a.role,
                digest=a.digest,
                version=a.version.number,
                created_at=a.created_at,
                voided_at=a.voided_at,
                void_reason=a.void_reason,
            )
            for a in post.approvals.select_related("version")
        ],
        missing_approvals=services.missing_approvals(post) if post.state == "in_review" else [],
        deliveries=[
            DeliveryOut(
                id=d.pk,
                account=d.account_id,
                account_name=str(d.account),
                state=d.state,
                attempts=d.attempts,
                version=d.version.number,
                remote_id=d.remote_id,
                url=d.url,
                published_at=d.published_at,
                last_error=d.last_error,
                next_attempt_at=d.next_attempt_at,
            )
            for d in post.deliveries.select_related("account", "version")
        ],
    )


def _content(payload: ContentIn) -> services.Content:
    images = []
    for index, image in enumerate(payload.images):
        data = None
        if image.data_base64 is not None:
            try:
                data = base64.b64decode(image.data_base64, validate=True)
            except (binascii.Error, ValueError):
                raise FieldError(
                    [(f"body.images.{index}.data_base64", "not valid base64")]
                ) from None
        images.append(
            services.ImageUpload(alt=image.alt, name=image.name, data=data, sha256=image.sha256)
        )
    return services.Content(
        text=payload.text,
        account_ids=payload.targets,
        not_before=payload.not_before,
        not_after=payload.not_after,
        images=images,
    )


def _visible(request: HttpRequest, post_id: int) -> Post:
    rows = Post.objects.restrict(request.user, "post.view", request=request)
    return get_object_or_404(rows, pk=post_id)


def _refused(exc: WorkflowError) -> HttpError:
    return HttpError(409, str(exc))


@router.get("/posts", response=list[PostOut], summary="Posts I may see, newest first")
def list_posts(request: HttpRequest, state: str | None = None) -> list[PostOut]:
    require(request.user, "post.view", request=request)
    rows = Post.objects.restrict(request.user, "post.view", request=request)
    if state:
        rows = rows.filter(state=state)
    return [_out(post) for post in rows[:200]]


@router.get("/posts/{post_id}", response=PostOut, summary="One post")
def get_post(request: HttpRequest, post_id: int) -> PostOut:
    return _out(_visible(request, post_id))


@router.post("/posts", response={201: PostOut}, summary="Draft a new post")
def create(request: HttpRequest, payload: ContentIn) -> tuple[int, PostOut]:
    require_write(request)
    try:
        post = services.create_post(request.user, _content(payload), request=request)
    except WorkflowError as exc:
        raise FieldError([("body", str(exc))], detail=str(exc)) from None
    return 201, _out(post)


@router.put("/posts/{post_id}", response=PostOut, summary="Edit: a new version; voids approvals")
def edit(request: HttpRequest, post_id: int, payload: ContentIn) -> PostOut:
    require_write(request)
    post = _visible(request, post_id)
    try:
        services.edit_post(post, request.user, _content(payload), request=request)
    except WorkflowError as exc:
        raise FieldError([("body", str(exc))], detail=str(exc)) from None
    return _out(post)


def _act(request: HttpRequest, post_id: int, do: Any) -> PostOut:
    require_write(request)
    post = _visible(request, post_id)
    try:
        do(post)
    except (IllegalTransitionError, WorkflowError) as exc:
        raise _refused(exc) from None
    post.refresh_from_db()
    return _out(post)


@router.post("/posts/{post_id}/submit", response=PostOut, summary="Submit for vetting and review")
def submit(request: HttpRequest, post_id: int) -> PostOut:
    return _act(request, post_id, lambda p: services.submit(p, request.user, request=request))


@router.post("/posts/{post_id}/approve", response=PostOut, summary="Approve the current digest")
def approve(request: HttpRequest, post_id: int) -> PostOut:
    return _act(request, post_id, lambda p: services.approve(p, request.user, request=request))


@router.post("/posts/{post_id}/schedule", response=PostOut, summary="Schedule an approved post")
def schedule(request: HttpRequest, post_id: int) -> PostOut:
    return _act(request, post_id, lambda p: services.schedule(p, request.user, request=request))


@router.post("/posts/{post_id}/request-changes", response=PostOut, summary="Send back to draft")
def request_changes(request: HttpRequest, post_id: int, payload: ReasonIn) -> PostOut:
    return _act(
        request,
        post_id,
        lambda p: services.request_changes(p, request.user, payload.reason, request=request),
    )


@router.post("/posts/{post_id}/withdraw", response=PostOut, summary="Withdraw the post")
def withdraw(request: HttpRequest, post_id: int, payload: ReasonIn) -> PostOut:
    return _act(
        request,
        post_id,
        lambda p: services.withdraw(p, request.user, payload.reason, request=request),
    )


@router.post("/posts/{post_id}/overrides", response=PostOut, summary="Override a review finding")
def override(request: HttpRequest, post_id: int, payload: OverrideIn) -> PostOut:
    return _act(
        request,
        post_id,
        lambda p: services.override(
            p,
            request.user,
            rule=payload.rule,
            start=payload.start,
            end=payload.end,
            image=payload.image,
            reason=payload.reason,
            request=request,
        ),
    )


@router.post("/posts/{post_id}/comments", response={201: CommentOut}, summary="Comment")
def comment(request: HttpRequest, post_id: int, payload: CommentIn) -> tuple[int, CommentOut]:
    require_write(request)
    post = _visible(request, post_id)
    try:
        made = services.comment(post, request.user, payload.text, request=request)
    except WorkflowError as exc:
        raise FieldError([("body.text", str(exc))], detail=str(exc)) from None
    return 201, CommentOut(
        id=made.pk, author=made.author_name, text=made.text, created_at=made.created_at
    )
