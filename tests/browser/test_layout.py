"""Screenshots of the posture page and the dashboard at desktop and phone width, plus the checks
a screenshot cannot make: landmarks, the skip link, no sideways scrolling on a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from postguard.registry import services
from postguard.registry.models import PlatformAccount
from tests.browser.test_flows import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _more_accounts(cast: Any) -> None:
    services.create_account(
        cast.lola,
        platform="x",
        handle="@ExampleCounty",
        login_email="jane.doe@gmail.com",
        mfa_method="sms",
    )
    PlatformAccount.objects.filter(pk=cast.mastodon.pk).update(recovery_phone="+1 555 0100")


@pytest.mark.parametrize(
    ("width", "height", "label"), [(1280, 900, "desktop"), (390, 844, "phone")]
)
def test_posture_and_dashboard_layout(
    live_server: Any, cast: Any, page: Page, screenshots: Path, width: int, height: int, label: str
) -> None:
    cache.clear()
    _more_accounts(cast)
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, live_server.url, cast.lola.email)
    for name, path in (("dashboard", "/"), ("posture", "/posture/")):
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("main")).to_be_visible()
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
        page.screenshot(path=str(screenshots / f"{name}-{label}.png"), full_page=True)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name} scrolls sideways at {width}px ({scroll}px wide)"
    expect(page.locator("ul.bar-chart")).to_contain_text("out of 100")
    # The skip link is the first thing a keyboard reaches, and it leads to the main content.
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to main content"
