"""A post's images as the team sees them on the compose page, with the vetting findings drawn
over them.

The image is served as a fresh JPEG rendered from the stored upload: turned upright the way
the vetting engine reads it (the EXIF orientation applied, so the finding boxes line up),
scaled down to at most PREVIEW_EDGE pixels, and without any of the file's metadata. Only
people who may see the post may see its images.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET
from PIL import Image, ImageOps

from postguard.vetting.images.load import ImageError, open_image
from postguard.workflow.models import Post, PostImage, PostVersion

PREVIEW_EDGE = 1600
# EXIF orientations 5 to 8 turn the picture a quarter: width and height swap.
_QUARTER_TURNS = frozenset({5, 6, 7, 8})


@dataclass(frozen=True)
class Box:
    """One finding's region, as percentages of the upright image (so it scales with it)."""

    number: int
    finding: dict[str, Any]
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class ImageWithFindings:
    index: int  # 1-based, as the page and the findings say "image 1"
    image: PostImage
    url: str
    width: int
    height: int
    boxes: list[Box]
    findings: list[tuple[int, dict[str, Any]]]  # (number, finding), boxed or not


def _file(image: PostImage) -> Path:
    return Path(settings.MEDIA_ROOT) / image.path


def upright_size(image: PostImage) -> tuple[int, int] | None:
    """Width and height as the vetting engine saw it (orientation applied); None if unreadable."""
    try:
        with open_image(_file(image).read_bytes(), image.name) as img:
            width, height = img.size
            orientation = img.getexif().get(0x0112, 1)
    except (OSError, ImageError):
        return None
    if orientation in _QUARTER_TURNS:
        width, height = height, width
    return width, height


def _percent(value: float, whole: int) -> float:
    return round(max(0.0, min(100.0, value * 100.0 / whole)), 3)


def images_with_findings(
    post: Post, version: PostVersion, findings: list[dict[str, Any]]
) -> list[ImageWithFindings]:
    """Each image of `version` with its findings numbered in page order and boxes to draw."""
    images = list(version.images.all())
    result: list[ImageWithFindings] = []
    number = 0
    for index, image in enumerate(images):
        size = upright_size(image)
        width, height = size if size else (0, 0)
        mine = [f for f in findings if f.get("image") == index]
        numbered: list[tuple[int, dict[str, Any]]] = []
        boxes: list[Box] = []
        for finding in mine:
            number += 1
            numbered.append((number, finding))
            region = finding.get("region")
            if region and width and height:
                boxes.append(
                    Box(
                        number=number,
                        finding=finding,
                        left=_percent(region["x"], width),
                        top=_percent(region["y"], height),
                        width=_percent(region["w"], width),
                        height=_percent(region["h"], height),
                    )
                )
        result.append(
            ImageWithFindings(
                index=index + 1,
                image=image,
                url=reverse("web:post_image", args=[post.pk, image.sha256]),
                width=width,
                height=height,
                boxes=boxes,
                findings=numbered,
            )
        )
    return result


@login_required
@require_GET
def post_image(request: HttpRequest, pk: int, sha256: str) -> HttpResponse:
    posts = Post.objects.restrict(request.user, "post.view", request=request)
    post = get_object_or_404(posts, pk=pk)
    image = PostImage.objects.filter(version__post=post, sha256=sha256).first()
    if image is None:
        raise Http404("this post has no image with that SHA-256")
    try:
        with open_image(_file(image).read_bytes(), image.name) as img:
            img.seek(0)
            upright = ImageOps.exif_transpose(img)
            picture = (upright if upright is not None else img).convert("RGB")
    except (OSError, ImageError) as error:
        raise Http404(f"the stored image cannot be shown ({error})") from None
    picture.thumbnail((PREVIEW_EDGE, PREVIEW_EDGE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85)  # Pillow writes no metadata unless asked
    response = HttpResponse(out.getvalue(), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{sha256[:12]}.jpg"'
    return response
