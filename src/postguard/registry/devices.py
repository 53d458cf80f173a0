"""Enrolled company devices: the signed device cookie and the middleware that reads it.

At enrollment a lead creates a Device with a random token; the browser on that device receives
a cookie holding the token, signed with the secret key (django.core.signing) so it cannot be
forged or edited. Only the token's SHA-256 is stored. Every request then carries
`request.device`: the enrolled, unrevoked Device it comes from, or None. The policy's `devices`
section decides what a request without one may do (by default: draft only).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.utils import timezone

from postguard.registry.models import Device

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

COOKIE_SALT = "postguard.registry.device"
# last_seen_at is written at most this often per device, to keep requests read-only.
_SEEN_EVERY_SECONDS = 3600


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def set_device_cookie(response: HttpResponse, token: str) -> None:
    """Put the enrolled device's token on the response (the enrollment view calls this)."""
    response.set_signed_cookie(
        settings.DEVICE_COOKIE_NAME,
        token,
        salt=COOKIE_SALT,
        max_age=settings.DEVICE_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def clear_device_cookie(response: HttpResponse) -> None:
    response.delete_cookie(settings.DEVICE_COOKIE_NAME, samesite="Lax")


def device_for_request(request: HttpRequest) -> Device | None:
    """The enrolled device whose valid signed cookie this request carries, or None."""
    try:
        token = request.get_signed_cookie(
            settings.DEVICE_COOKIE_NAME,
            default=None,
            salt=COOKIE_SALT,
            max_age=settings.DEVICE_COOKIE_AGE,
        )
    except signing.BadSignature:
        return None
    if not token:
        return None
    device = Device.objects.enrolled().filter(token_hash=token_hash(token)).first()
    if device is None:
        return None
    now = timezone.now()
    if device.last_seen_at is None or (now - device.last_seen_at).total_seconds() > (
        _SEEN_EVERY_SECONDS
    ):
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now
    return device


class DeviceMiddleware:
    """Sets `request.device` on every request (None when not from an enrolled device)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.device = device_for_request(request)  # type: ignore[attr-defined]
        return self.get_response(request)
