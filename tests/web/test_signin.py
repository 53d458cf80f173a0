"""Sign-in rules: no sign-up, strong passwords, MFA at sign-in, rate limits and lockouts, the admin
behind allauth, and the API docs served without a CDN."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client

from tests.cast import CAST_PASSWORD, totp_code


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()  # allauth keeps rate-limit counters and used TOTP codes in the cache


@pytest.mark.parametrize(
    ("password", "complaint"),
    [
        ("short-pw-1", "at least 12 characters"),
        ("password1234", "too common"),
        ("123456789012345", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused(password: str, complaint: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_password(password)
    assert any(complaint in message for message in caught.value.messages)


def test_a_long_uncommon_password_is_accepted() -> None:
    validate_password("meadow-lantern-quarry-47")


@pytest.mark.django_db
def test_there_is_no_sign_up() -> None:
    response = Client().get("/auth/signup/")
    assert b"Sign Up Closed" in response.content
    response = Client().post(
        "/auth/signup/",
        {
            "email": "stranger@example.com",
            "password1": "meadow-lantern-47",
            "password2": "meadow-lantern-47",
        },
    )
    assert b"Sign Up Closed" in response.content
    from postguard.core.models import User

    assert not User.objects.filter(email="stranger@example.com").exists()


def _login(client: Client, email: str, password: str) -> Any:
    return client.post("/auth/login/", {"login": email, "password": password})


def test_password_alone_does_not_sign_in_someone_with_mfa(cast: Any) -> None:
    client = Client()
    response = _login(client, cast.lola.email, CAST_PASSWORD)
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/2fa/authenticate/")
    assert client.get("/posture/").status_code == 302  # still not signed in
    response = client.post("/auth/2fa/authenticate/", {"code": totp_code()})
    assert response.status_code == 302
    assert client.get("/posture/").status_code == 200


def test_repeated_wrong_passwords_are_rate_limited(cast: Any) -> None:
    client = Client()
    for _ in range(5):
        assert _login(client, cast.nora.email, "wrong password here").status_code == 200
    response = _login(client, cast.nora.email, CAST_PASSWORD)
    # allauth's limit: 5 failures per address per 5 minutes; even the right password waits.
    assert client.get("/").status_code == 302
    assert response.status_code in {200, 429}
    assert b"Too many failed login attempts" in response.content


def test_the_admin_signs_in_through_allauth(cast: Any) -> None:
    response = Client().get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/")


def test_api_docs_load_without_a_cdn(cast: Any) -> None:
    page = Client().get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


def test_axes_records_failed_sign_ins_by_address_and_ip(cast: Any) -> None:
    from axes.models import AccessAttempt

    _login(Client(), cast.nora.email, "wrong password here")
    attempt = AccessAttempt.objects.get()
    assert attempt.username == cast.nora.email
    assert attempt.failures_since_start == 1


def test_axes_locks_out_after_too_many_failures(cast: Any, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    settings.ACCOUNT_RATE_LIMITS = False  # let axes, not allauth, be the one that stops it
    client = Client()
    _login(client, cast.nora.email, "wrong password here")
    _login(client, cast.nora.email, "wrong password here")
    response = _login(client, cast.nora.email, CAST_PASSWORD)
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
