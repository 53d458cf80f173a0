"""The web app in a real browser: TOTP sign-in, posture findings, directory import, offboarding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from allauth.usersessions.models import UserSession
from django.core.cache import cache
from playwright.sync_api import Browser, Page, expect

from postguard.registry.models import DirectoryEntry, Grant, PlatformAccount
from tests.cast import CAST_PASSWORD, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # allauth refuses a TOTP code used once already (kept in the cache) and rate-limits sign-in.
    cache.clear()


def sign_in(page: Page, base: str, email: str, *, totp: bool = True) -> None:
    page.goto(f"{base}/auth/login/")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(CAST_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    if totp:
        page.locator("input[name=code]").fill(totp_code())
        page.locator("form button[type=submit]").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def reauthenticate_if_asked(page: Page) -> None:
    if "/auth/reauthenticate/" in page.url:
        page.locator("input[name=password]").fill(CAST_PASSWORD)
        page.locator("main form button[type=submit]").first.click()


def test_sign_in_with_password_and_totp(live_server: Any, cast: Any, page: Page) -> None:
    page.goto(f"{live_server.url}/posture/")
    assert "/auth/login/" in page.url  # anonymous visitors are sent to sign in
    page.get_by_label("Work email").fill(cast.lola.email)
    page.get_by_label("Password").fill(CAST_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    # The password alone is not enough: the TOTP step comes next.
    code = page.locator("input[name=code]")
    expect(code).to_be_visible()
    code.fill("000000" if totp_code() != "000000" else "111111")
    page.locator("form button[type=submit]").first.click()
    expect(page.locator("main")).to_contain_text("Incorrect code")
    page.locator("input[name=code]").fill(totp_code())
    page.locator("form button[type=submit]").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account posture")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Audit")


def test_wrong_password_is_refused(live_server: Any, cast: Any, page: Page) -> None:
    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_label("Work email").fill(cast.lola.email)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert "/auth/login/" in page.url


def test_add_account_with_personal_login_email_shows_finding(
    live_server: Any, cast: Any, page: Page
) -> None:
    sign_in(page, live_server.url, cast.sam.email)
    page.goto(f"{live_server.url}/accounts/add/")
    page.get_by_label("Platform").select_option("mastodon")
    page.get_by_label("Handle").fill("@parks@mastodon.example")
    page.get_by_label("Login email").fill("jane.doe@example.gov")
    page.get_by_label("MFA method").select_option("app")
    # The finding shows while typing, before anything is saved (htmx preview).
    expect(page.locator("#finding-preview")).to_contain_text(
        "jane.doe@example.gov is a personal address"
    )
    assert not PlatformAccount.objects.filter(handle="@parks@mastodon.example").exists()
    page.get_by_role("button", name="Save account").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("@parks@mastodon.example")
    findings = page.locator("#findings")
    expect(findings).to_contain_text("jane.doe@example.gov is a personal address")
    assert PlatformAccount.objects.filter(handle="@parks@mastodon.example").exists()
    page.goto(f"{live_server.url}/posture/")
    expect(page.locator("main")).to_contain_text("jane.doe@example.gov is a personal address")


def test_directory_import_with_a_bad_row_imports_nothing(
    live_server: Any, cast: Any, page: Page, tmp_path: Path
) -> None:
    csv = tmp_path / "staff.csv"
    csv.write_text(
        "name,preferred_name,department,title,email,phone,office,participant\n"
        "Ana Lopez,,Parks,Ranger,ana.lopez@example.gov,,North,no\n"
        "Ben Ortiz,,Roads,Engineer,not-an-email,,South,no\n"
        "Cy Young,,Clerk,Clerk,cy.young@example.gov,,Main,no\n",
        encoding="utf-8",
    )
    sign_in(page, live_server.url, cast.sam.email)
    page.goto(f"{live_server.url}/directory/import/")
    page.get_by_label("CSV file").set_input_files(str(csv))
    page.get_by_role("button", name="Check and import").click()
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("nothing was imported")
    expect(errors).to_contain_text("Row 3")
    expect(errors).to_contain_text("not-an-email")
    assert DirectoryEntry.objects.count() == 0


def test_offboarding_ends_grants_and_sessions(
    live_server: Any, cast: Any, browser: Browser, page: Page
) -> None:
    # Eddie is signed in elsewhere.
    eddie_context = browser.new_context()
    eddie_page = eddie_context.new_page()
    sign_in(eddie_page, live_server.url, cast.eddie.email)
    assert UserSession.objects.filter(user=cast.eddie).exists()

    sign_in(page, live_server.url, cast.lola.email)
    person = cast.person(cast.eddie)
    page.goto(f"{live_server.url}/people/{person.pk}/")
    expect(page.locator("#grants")).to_contain_text("editor")
    page.get_by_role("link", name="Offboard Eddie").click()
    reauthenticate_if_asked(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Offboard Eddie")
    page.get_by_label("Reason").fill("left the county")
    page.get_by_label("I understand this ends all of this person's access now.").check()
    page.get_by_role("button", name="Offboard Eddie").click()
    expect(page.locator("main")).to_contain_text("offboarded")
    expect(page.locator("#grants")).not_to_contain_text("active")
    expect(page.locator("#session-count")).to_contain_text("0 active sessions")
    assert not Grant.objects.active().filter(person=person).exists()
    assert not UserSession.objects.filter(user=cast.eddie).exists()

    # Eddie's browser is signed out.
    eddie_page.goto(f"{live_server.url}/")
    assert "/auth/login/" in eddie_page.url
    eddie_context.close()


def test_directory_search_narrows_the_list_as_you_type(
    live_server: Any, cast: Any, page: Page
) -> None:
    from postguard.registry import services

    services.import_directory(
        cast.sam,
        "name,email,department\nAna Lopez,ana@example.gov,Parks\nCy Young,cy@example.gov,Clerk\n",
    )
    sign_in(page, live_server.url, cast.ada.email, totp=False)
    page.goto(f"{live_server.url}/directory/")
    expect(page.locator("#directory")).to_contain_text("Cy Young")
    page.get_by_label("Search the directory").fill("parks")
    expect(page.locator("#directory")).not_to_contain_text("Cy Young")
    expect(page.locator("#directory")).to_contain_text("Ana Lopez")
    assert "q=parks" in page.url  # the filtered list has its own address
