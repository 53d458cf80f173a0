"""Resolving an unconfirmed delivery over the API: POST /deliveries/{id}/resolve, the same
service (and so the same `can()` rule, lead and security) as the post page's form."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from postguard.api.auth import require_recent_auth, require_write
from postguard.api.errors import FieldError
from postguard.core.permissions import require
from postguard.publishing.resolve import ACTION, ResolveError, resolve
from postguard.web.views.resolve import visible_deliveries

router = Router(tags=["publishing controls"])


class ResolveIn(Schema):
    found: str | None = Field(
        None, description="it is there: the post's link or id on the delivery's account"
    )
    not_there: bool = Field(False, description="it is not there (instead of `found`)")
    note: str = Field("", description="what you checked, where and when (required; audited)")


class ResolvedOut(Schema):
    id: int
    post: int
    post_state: str
    account: int
    account_name: str
    state: str = Field(description="published or failed")
    remote_id: str
    url: str
    published_at: dt.datetime | None
    last_error: str
    verified: bool = Field(description="the platform itself showed the post")
    message: str


@router.post(
    "/deliveries/{delivery_id}/resolve",
    response=ResolvedOut,
    summary="Settle an unconfirmed delivery Postguard stopped checking: found, or not there",
)
def resolve_delivery(request: HttpRequest, delivery_id: int, payload: ResolveIn) -> ResolvedOut:
    require_write(request)
    delivery = get_object_or_404(visible_deliveries(request), pk=delivery_id)
    require(request.user, ACTION, delivery, request=request)
    require_recent_auth(request)
    try:
        result = resolve(
            request.user,
            delivery,
            found=payload.found,
            not_there=payload.not_there,
            note=payload.note,
            request=request,
        )
    except ResolveError as exc:
        message = str(exc)
        field, _, rest = message.partition(": ")
        name = {"found": "body.found", "note": "body.note"}.get(field, "body")
        raise FieldError([(name, rest or message)], detail=message) from None
    settled = result.delivery
    settled.post.refresh_from_db()
    return ResolvedOut(
        id=settled.pk,
        post=settled.post_id,
        post_state=settled.post.state,
        account=settled.account_id,
        account_name=str(settled.account),
        state=settled.state,
        remote_id=settled.remote_id,
        url=settled.url,
        published_at=settled.published_at,
        last_error=settled.last_error,
        verified=result.verified,
        message=result.message,
    )
