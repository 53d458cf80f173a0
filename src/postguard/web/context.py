"""Template context: the navigation, showing only the pages `can()` lets this person open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from postguard.core.permissions import can

# (label, url name, the action that opens the page)
NAVIGATION: tuple[tuple[str, str, str], ...] = (
    ("Dashboard", "web:dashboard", "registry.view"),
    ("Posts", "web:posts", "post.view"),
    ("Schedule", "web:schedule", "post.view"),
    ("Archive", "web:archive", "archive.view"),
    ("Publishing", "web:publishing", "account.view"),
    ("Posture", "web:posture", "posture.view"),
    ("Accounts", "web:accounts", "account.view"),
    ("People", "web:people", "person.view"),
    ("Directory", "web:directory", "directory.view"),
    ("Devices", "web:devices", "device.view"),
    ("Policy", "web:policy", "policy.view"),
    ("Audit", "web:audit", "audit.view"),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, name, action_name in NAVIGATION:
        if not can(user, action_name, request=request):
            continue
        url = reverse(name)
        current = request.path == url or (url != "/" and request.path.startswith(url))
        items.append({"label": label, "url": url, "current": current})
    return {"nav_items": items}
