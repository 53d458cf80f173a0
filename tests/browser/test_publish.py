"""The whole loop in a real browser, ending on the reference Bluesky PDS (tests/conftest.py
`pds`): a lead connects the Bluesky account; an editor drafts a post with a photo, sees the
findings (the phone number in his text, and the one in the photo boxed over it), fixes them and
submits; he cannot approve his own post, not even with a forged request; a reviewer approves;
a lead schedules it; the embedded worker publishes it, and the post is on the PDS, once."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import Page, expect

from postguard.jobs.embedded import start_thread
from postguard.publishing.models import Connection, Delivery
from postguard.workflow import services
from postguard.workflow.models import Approval, Post, State
from tests.browser.test_flows import reauthenticate_if_asked, sign_in
from tests.browser.test_posts import enroll_browser
from tests.servers import PdsServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROBLEM = "Questions about the new reading room? Call 555-123-4567 and ask for Dana."
FIXED = "Questions about the new reading room? Ask at the front desk on Saturday."
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# Vetting reads the photo (OCR, faces) in the worker; on a busy machine that can take a while.
# This bounds the wait; it asserts nothing about speed.
WAIT_STEPS = 3000


def sign_with_a_phone_number(path: Path) -> Path:
    """A photo of a notice board whose text OCR reads: a phone number, in a known place."""
    img = Image.new("RGB", (900, 500), (235, 238, 242))
    font = ImageFont.truetype(str(FONT), 56) if FONT.is_file() else ImageFont.load_default(56)
    ImageDraw.Draw(img).text((60, 180), "Call 555-123-4567", fill=(20, 20, 20), font=font)
    img.save(path)
    return path


def wait_for(page: Page, post: Post, *states: State) -> None:
    for _ in range(WAIT_STEPS):
        post.refresh_from_db()
        if post.state in states:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"post {post.pk} is {post.state}, never reached {states}")


def switch_to(page: Page, base: str, cast: Any, user: Any, device: str) -> None:
    if page.get_by_role("button", name="Sign out").count():
        page.get_by_role("button", name="Sign out").click()
    page.context.clear_cookies()
    cache.clear()
    enroll_browser(page, base, cast, device)
    sign_in(page, base, user.email)


def test_an_editor_drafts_with_a_photo_a_reviewer_approves_and_it_is_on_bluesky(
    live_server: Any,
    cast: Any,
    page: Page,
    pds: PdsServer,
    tmp_path: Path,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "POSTGUARD_CREDENTIALS_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode()
    )
    settings.PLATFORM_ALLOW_LOOPBACK = True
    settings.MEDIA_ROOT = tmp_path / "media"
    remote = pds.create_account()
    base = live_server.url
    worker, thread = start_thread()
    try:
        # 1. Lola (lead) connects the county's Bluesky account with its app password.
        switch_to(page, base, cast, cast.lola, "comms laptop 1")
        page.goto(f"{base}/accounts/{cast.bluesky.pk}/")
        expect(page.locator("#connection")).to_contain_text("not connected")
        page.locator("#connection").get_by_role("link", name="Connect").click()
        reauthenticate_if_asked(page)
        page.get_by_label("Server address").fill(pds.url)
        page.get_by_label("Handle").fill(remote.handle)
        page.get_by_label("App password or access token").fill(remote.app_password)
        page.get_by_role("button", name="Check and connect").click()
        expect(page.locator("#connection")).to_contain_text(f"connected as @{remote.handle}")
        assert remote.app_password not in page.content()
        assert Connection.objects.get().remote_id == remote.did

        # 2. Eddie (editor) drafts with a photo; the text finding shows as he types.
        switch_to(page, base, cast, cast.eddie, "comms laptop 2")
        page.goto(f"{base}/posts/new/")
        page.get_by_label("examplecounty.bsky.social").check()
        text = page.get_by_label("Post text")
        text.fill(PROBLEM)
        # The first preview loads the language model: give it time (this asserts no speed).
        expect(page.locator("#finding-preview mark.finding.sev-block")).to_have_text(
            "555-123-4567", timeout=120_000
        )
        page.locator("summary", has_text="Add images").click()
        page.get_by_label("Image 1 (optional)", exact=True).set_input_files(
            sign_with_a_phone_number(tmp_path / "notice-board.png")
        )
        page.get_by_label("Alt text for image 1 (optional)", exact=True).fill("The notice board")
        page.get_by_role("button", name="Save and submit for review").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Post")
        post = Post.objects.get()
        wait_for(page, post, State.IN_REVIEW)
        page.reload()
        expect(page.locator("main")).to_contain_text("pii.phone")
        expect(page.get_by_role("button", name="Approve")).to_have_count(0)

        # 3. On the edit page the photo's findings are boxed over it, numbered like the list.
        page.get_by_role("link", name="Edit").click()
        figure = page.locator("#image-1")
        image = figure.locator("img")
        expect(image).to_be_visible()
        expect(figure.locator("#image-1-findings")).to_contain_text("pii.phone")
        boxes = figure.locator(".finding-box.sev-block")
        expect(boxes.first).to_be_visible()
        number = boxes.first.get_attribute("data-finding")
        expect(figure.locator(f"li#image-finding-{number}")).to_contain_text("pii.phone")
        expect(boxes.first.locator(".finding-box-label")).to_have_text(str(number))
        # The box sits on the text in the photo: OCR found it at about x 55-582, y 178-243
        # of 900 x 500, so it spans the left part of the image's middle band.
        frame, box = image.bounding_box(), boxes.first.bounding_box()
        assert frame is not None
        assert box is not None
        assert frame["x"] <= box["x"] < frame["x"] + frame["width"] * 0.15
        assert frame["y"] + frame["height"] * 0.3 < box["y"] < frame["y"] + frame["height"] * 0.4
        assert box["x"] + box["width"] <= frame["x"] + frame["width"] * 0.7
        expect(page.locator("#finding-preview")).to_contain_text("pii.phone")

        # 4. He fixes both: new text, photo removed; and submits again.
        text.fill(FIXED)
        expect(page.locator("#finding-preview")).to_contain_text("This text passes vetting")
        page.get_by_label("Remove this image").check()
        page.get_by_role("button", name="Save and submit for review").click()
        wait_for(page, post, State.IN_REVIEW)
        assert post.current_version is not None
        assert post.current_version.number == 2
        assert not post.current_version.images.exists()
        page.reload()
        expect(page.locator("#post-state")).to_have_text("in review")
        expect(page.locator("#own-post-note")).to_be_visible()

        # 5. He cannot approve his own post: no button, and a forged POST is refused.
        expect(page.get_by_role("button", name="Approve")).to_have_count(0)
        page.evaluate(
            """(url) => {
                const form = document.createElement('form');
                form.method = 'post';
                form.action = url;
                const token = document.querySelector('input[name=csrfmiddlewaretoken]');
                form.appendChild(token.cloneNode());
                document.body.appendChild(form);
                form.submit();
            }""",
            f"/posts/{post.pk}/approve/",
        )
        expect(page.locator("main")).to_contain_text("You do not have access to this")
        expect(page.locator("main")).to_contain_text("Error 403")
        assert not Approval.objects.exists()

        # 6. Rita (reviewer) approves; a lead schedules it for now.
        switch_to(page, base, cast, cast.rita, "comms laptop 3")
        page.goto(f"{base}/posts/{post.pk}/")
        page.get_by_role("button", name="Approve").click()
        expect(page.locator("#post-state")).to_have_text("approved")
        # (Leo, the other lead, schedules: each person signs in once, so no TOTP code is
        # offered twice in one 30-second window, which allauth rightly refuses.)
        switch_to(page, base, cast, cast.leo, "comms laptop 4")
        page.goto(f"{base}/posts/{post.pk}/")
        page.get_by_role("button", name="Schedule").click()

        # 7. The embedded worker publishes it.
        wait_for(page, post, State.PUBLISHED, State.FAILED)
        page.reload()
        expect(page.locator("#post-state")).to_have_text("published")
    finally:
        worker.stop()
        thread.join(timeout=30)

    delivery = Delivery.objects.get(post=post)
    assert delivery.state == Delivery.State.PUBLISHED
    records = pds.list_posts(remote)
    assert len(records) == 1
    assert records[0]["value"]["text"] == FIXED
    assert "embed" not in records[0]["value"]  # the photo was removed
    assert records[0]["uri"] == delivery.remote_id
    assert services.current(post).text == FIXED
