"""The approval workflow in a real browser: an editor drafts a post with a problem, sees the
finding as she types, fixes it and submits; she cannot approve her own post; a reviewer does."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.http import HttpResponse
from playwright.sync_api import Page, expect

from postguard.jobs.embedded import start_thread
from postguard.registry.devices import set_device_cookie
from postguard.registry.services import enroll_device
from postguard.workflow.models import Post, State
from tests.browser.test_flows import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROBLEM = "Questions about the new reading room? Call 555-123-4567 and ask for Dana."
FIXED = "Questions about the new reading room? Ask at the front desk on Saturday."


def enroll_browser(page: Page, base: str, cast: Any, name: str) -> None:
    """What a lead's device enrollment leaves in the browser: the signed device cookie."""
    _, token = enroll_device(cast.lola, name)
    response = HttpResponse()
    set_device_cookie(response, token)
    cookie = response.cookies[django_settings.DEVICE_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.DEVICE_COOKIE_NAME, "value": cookie, "url": base}]
    )


def test_draft_fix_submit_and_a_reviewer_approves(
    live_server: Any, cast: Any, page: Page, tmp_path: Any, settings: Any
) -> None:
    cache.clear()
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    worker, thread = start_thread()
    try:
        enroll_browser(page, base, cast, "comms laptop 1")
        sign_in(page, base, cast.eddie.email)
        page.goto(f"{base}/posts/new/")
        page.get_by_label("examplecounty.bsky.social").check()
        text = page.get_by_label("Post text")
        text.fill(PROBLEM)
        preview = page.locator("#finding-preview")
        # The finding appears as she types, underlined in her text.
        expect(preview).to_contain_text("pii.phone")
        expect(preview.locator("mark.finding.sev-block")).to_have_text("555-123-4567")
        text.fill(FIXED)
        expect(preview).to_contain_text("This text passes vetting")
        page.get_by_role("button", name="Save and submit for review").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Post")
        post = Post.objects.get()
        # The embedded worker vets it; the page shows it in review once reloaded.
        for _ in range(100):
            post.refresh_from_db()
            if post.state == State.IN_REVIEW:
                break
            page.wait_for_timeout(100)
        page.reload()
        expect(page.locator("#post-state")).to_have_text("in review")
        expect(page.locator("#own-post-note")).to_be_visible()
        expect(page.get_by_role("button", name="Approve")).to_have_count(0)

        page.get_by_role("button", name="Sign out").click()
        page.context.clear_cookies()
        cache.clear()
        enroll_browser(page, base, cast, "comms laptop 2")
        sign_in(page, base, cast.rita.email)
        page.goto(f"{base}/posts/")
        page.get_by_role("link", name=f"post {post.pk}").first.click()
        expect(page.locator("main")).to_contain_text("Still needed: review: 1 more approval")
        page.get_by_role("button", name="Approve").click()
        expect(page.locator("#post-state")).to_have_text("approved")
        expect(page.locator("main")).to_contain_text("approved version 1")
    finally:
        worker.stop()
        thread.join(timeout=30)
    post.refresh_from_db()
    assert post.state == State.APPROVED
    assert post.approvals.get().approver == cast.rita
