"""POST /api/v1/vet: the vetting engine's report for a text (and images), with the organization's
active policy and employee directory. Nothing is stored; the request is not audited (no change)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from postguard.api.errors import FieldError
from postguard.core.permissions import require
from postguard.policy.versions import active_policy
from postguard.vetting.context import VettingContext
from postguard.vetting.post import ImageInput, Platform, Post
from postguard.workflow.vetting import directory, engine

router = Router(tags=["vetting"])

MAX_TEXT = 50_000
MAX_IMAGES = 10


class ImageIn(Schema):
    data_base64: str
    alt: str = ""
    name: str = ""


class VetIn(Schema):
    text: str
    platforms: list[str] = Field(default_factory=list)
    images: list[ImageIn] = Field(default_factory=list)
    is_reply: bool = False
    language: str | None = None


def _post(payload: VetIn, author_email: str) -> Post:
    errors: list[tuple[str, str]] = []
    if len(payload.text) > MAX_TEXT:
        errors.append(("body.text", f"{len(payload.text)} characters; at most {MAX_TEXT}"))
    platforms: list[Platform] = []
    accepted = ", ".join(p.value for p in Platform)
    for index, name in enumerate(payload.platforms):
        try:
            platforms.append(Platform(name))
        except ValueError:
            errors.append((f"body.platforms.{index}", f"{name!r} is not one of: {accepted}"))
    if len(payload.images) > MAX_IMAGES:
        errors.append(("body.images", f"{len(payload.images)} images; at most {MAX_IMAGES}"))
    images: list[ImageInput] = []
    limit = int(settings.MAX_UPLOAD_BYTES)
    for index, image in enumerate(payload.images[:MAX_IMAGES]):
        try:
            data = base64.b64decode(image.data_base64, validate=True)
        except (binascii.Error, ValueError):
            errors.append((f"body.images.{index}.data_base64", "not valid base64"))
            continue
        if len(data) > limit:
            errors.append(
                (f"body.images.{index}.data_base64", f"{len(data)} bytes; at most {limit}")
            )
            continue
        images.append(ImageInput(data=data, alt=image.alt, name=image.name or f"image {index + 1}"))
    if errors:
        raise FieldError(errors)
    return Post(
        text=payload.text,
        platforms=tuple(platforms),
        images=tuple(images),
        author_email=author_email,
        language=payload.language,
        is_reply=payload.is_reply,
    )


@router.post("/vet", summary="Vet a post: findings and a verdict (pass, needs override, blocked)")
def vet(request: HttpRequest, payload: VetIn) -> dict[str, Any]:
    require(request.user, "vet.run", request=request)
    policy = active_policy()
    if policy is None:
        raise HttpError(409, "no policy is active yet; a lead must approve one before vetting")
    post = _post(payload, getattr(request.user, "email", ""))
    ctx = VettingContext.from_policy(policy, directory())
    report = engine().vet(post, ctx)
    return report.to_dict()
