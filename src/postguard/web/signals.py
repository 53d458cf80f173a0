"""Remember, per session, which enrolled company device it signed in from (for My sessions).

The name is kept in the session itself: allauth creates its session record after this signal,
so the session store is the one place both exist at sign-in.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest

SESSION_DEVICE_KEY = "postguard_signed_in_device"


def remember_device(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    device = getattr(request, "device", None)
    request.session[SESSION_DEVICE_KEY] = str(device) if device is not None else ""


def connect() -> None:
    user_logged_in.connect(remember_device, dispatch_uid="postguard.web.remember_device")
