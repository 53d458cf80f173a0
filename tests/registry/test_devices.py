"""Enrolled devices: the signed cookie, request.device, revocation."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from postguard.core.permissions import can
from postguard.registry.devices import COOKIE_SALT, DeviceMiddleware, set_device_cookie
from postguard.registry.services import RegistryError, enroll_device, revoke_device
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _through_middleware(cookie: str | None) -> HttpRequest:
    request = RequestFactory().get("/")
    if cookie is not None:
        request.COOKIES[settings.DEVICE_COOKIE_NAME] = cookie
    seen: list[HttpRequest] = []

    def view(req: HttpRequest) -> HttpResponse:
        seen.append(req)
        return HttpResponse()

    DeviceMiddleware(view)(request)
    return seen[0]


def _cookie_for(token: str) -> str:
    response = HttpResponse()
    set_device_cookie(response, token)
    return response.cookies[settings.DEVICE_COOKIE_NAME].value


def test_an_enrolled_device_is_recognised_and_may_publish(cast: Cast) -> None:
    device, token = enroll_device(cast.lola, "Comms laptop 3", owner=Cast.person(cast.eddie))
    request = _through_middleware(_cookie_for(token))
    assert request.device == device  # type: ignore[attr-defined]
    assert can(cast.eddie, "post.publish", request=request)
    assert device.token_hash != token


@pytest.mark.parametrize(
    "cookie",
    [
        None,
        "garbage",
        signing.get_cookie_signer(salt=COOKIE_SALT).sign("unknown-token"),
        signing.get_cookie_signer(salt="another-salt").sign("x"),
    ],
)
def test_anything_else_is_an_unenrolled_device(cast: Cast, cookie: str | None) -> None:
    request = _through_middleware(cookie)
    assert request.device is None  # type: ignore[attr-defined]
    assert not can(cast.eddie, "post.publish", request=request)
    assert can(cast.eddie, "post.draft", request=request)


def test_a_forged_cookie_for_a_real_token_fails_without_the_signature(cast: Cast) -> None:
    _, token = enroll_device(cast.lola, "Comms laptop 3")
    assert _through_middleware(token).device is None  # type: ignore[attr-defined]


def test_a_revoked_device_is_unenrolled_at_once(cast: Cast) -> None:
    device, token = enroll_device(cast.lola, "Comms laptop 3")
    with pytest.raises(RegistryError, match="reason"):
        revoke_device(cast.sam, device, reason="")
    revoke_device(cast.sam, device, reason="stolen from a car")
    assert _through_middleware(_cookie_for(token)).device is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["sam", "ada", "eddie", "nora"])
def test_only_a_lead_enrolls(cast: Cast, name: str) -> None:
    with pytest.raises(PermissionDenied):
        enroll_device(getattr(cast, name), "my phone")
