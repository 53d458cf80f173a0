"""Findings drawn over a post's images on the compose page: numbered boxes placed in percent of
the upright picture (so they scale with it), matched to a numbered list that is the accessible
form; and the image itself, served upright, without metadata, to those who may see the post."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.test import Client
from PIL import Image

from postguard.core.actors import SYSTEM
from postguard.registry.devices import set_device_cookie
from postguard.registry.services import enroll_device
from postguard.workflow import services
from postguard.workflow.models import Post, VettingResult
from tests.web.conftest import signed_in

TEXT = "The library opens at 9 on Saturday."


def photo(width: int, height: int, *, orientation: int = 1) -> bytes:
    """A JPEG whose stored pixels are width x height, with an EXIF orientation and an artist."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x013B] = "Jane Photographer"
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 200)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def on_device(user: Any) -> Client:
    client = signed_in(user)
    _, token = enroll_device(SYSTEM, f"laptop for {user.username}")
    response = HttpResponse()
    set_device_cookie(response, token)
    name = django_settings.DEVICE_COOKIE_NAME
    client.cookies[name] = response.cookies[name].value
    return client


@pytest.fixture
def post(cast: Any, settings: Any, tmp_path: Any) -> Post:
    """Eddie's draft with a sideways photo (stored 200 x 100, shown 100 x 200) and a second one,
    vetted with a face box and a whole-image finding on the first and a text finding."""
    settings.MEDIA_ROOT = tmp_path / "media"
    post = services.create_post(
        cast.eddie,
        services.Content(
            text=TEXT,
            account_ids=[cast.bluesky.pk],
            images=[
                services.ImageUpload(
                    alt="Volunteers at the desk",
                    name="desk.jpg",
                    data=photo(200, 100, orientation=6),
                ),
                services.ImageUpload(alt="The reading room", name="room.jpg", data=photo(60, 40)),
            ],
        ),
    )
    VettingResult.objects.create(
        version=services.current(post),
        verdict="block",
        findings=[
            {
                "rule": "pii.phone",
                "severity": "block",
                "message": "a phone number",
                "start": 0,
                "end": 3,
                "text": "The",
                "suggestion": "",
            },
            {
                "rule": "image.faces",
                "severity": "review",
                "message": "desk.jpg shows 1 face",
                "start": 0,
                "end": 0,
                "text": "",
                "suggestion": "blur it",
                "image": 0,
                "region": {"x": 10, "y": 20, "w": 50, "h": 40},
            },
            {
                "rule": "image.metadata",
                "severity": "block",
                "message": "desk.jpg names its author",
                "start": 0,
                "end": 0,
                "text": "",
                "suggestion": "",
                "image": 0,
            },
        ],
        notices=[],
    )
    return post


def test_the_compose_page_draws_each_boxed_finding_over_its_image(cast: Any, post: Post) -> None:
    page = on_device(cast.eddie).get(f"/posts/{post.pk}/edit/").content.decode()
    first = services.current(post).images.get(position=0)
    # The image is the upright version (orientation 6 turns 200 x 100 into 100 x 200), and is
    # described by its findings list.
    assert (
        f'<img src="/posts/{post.pk}/images/{first.sha256}/" alt="Volunteers at the desk" '
        'width="100" height="200" aria-describedby="image-1-findings" loading="lazy">'
    ) in page
    # The face box: x 10/100, y 20/200, w 50/100, h 40/200, in percent; numbered 1.
    box = re.search(r'<span class="finding-box sev-review" data-finding="1" style="([^"]*)"', page)
    assert box is not None
    assert box.group(1) == "left: 10.000%; top: 10.000%; width: 50.000%; height: 20.000%"
    assert '<span class="finding-box-label">1</span>' in page
    # Only findings with a region get a box; the list holds them all, numbered to match.
    assert page.count('class="finding-box ') == 1
    assert '<li value="1" id="image-finding-1">' in page
    assert 'desk.jpg shows 1 face <span class="muted">(box 1: 50 × 40 pixels at 10, 20)' in page
    assert '<li value="2" id="image-finding-2">' in page
    assert 'desk.jpg names its author <span class="muted">(the whole image)</span>' in page
    # The second image has none.
    assert 'Image 2: room.jpg — <span class="badge ok">no findings</span>' in page
    # Boxes are decoration for sighted people; the list is what a screen reader reads.
    assert 'aria-hidden="true" title="1. desk.jpg shows 1 face"' in page
    # The text preview runs as soon as the page loads.
    assert 'hx-trigger="load, input changed delay:400ms' in page


def test_a_new_post_shows_no_image_section(cast: Any, post: Post) -> None:
    page = on_device(cast.eddie).get("/posts/new/").content.decode()
    assert "finding-box" not in page
    assert 'hx-trigger="input changed' in page


def test_the_image_is_served_upright_and_without_metadata(cast: Any, post: Post) -> None:
    first = services.current(post).images.get(position=0)
    answer = on_device(cast.rita).get(f"/posts/{post.pk}/images/{first.sha256}/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/jpeg"
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Cache-Control"] == "private, max-age=3600"
    with Image.open(io.BytesIO(answer.content)) as shown:
        assert shown.size == (100, 200)
        assert not shown.getexif()
    assert b"Jane Photographer" not in answer.content


def test_only_people_who_see_the_post_see_its_images(cast: Any, post: Post) -> None:
    first = services.current(post).images.get(position=0)
    path = f"/posts/{post.pk}/images/{first.sha256}/"
    assert on_device(cast.ollie).get(path).status_code == 404  # Mastodon only
    assert on_device(cast.nora).get(path).status_code == 404
    assert Client().get(path).status_code == 302  # to sign in
    assert on_device(cast.eddie).get(f"/posts/{post.pk}/images/{'0' * 64}/").status_code == 404
