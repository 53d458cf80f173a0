"""Sign-in adapter: nobody signs themselves up; the lead adds people to the registry."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth ships no types
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The address a sign-in attempt names, whichever form (allauth's, the admin's) sent it."""
    for source in (credentials or {}, request.POST):
        for key in ("email", "login", "username"):
            value = source.get(key)
            if value:
                return str(value).strip().lower()
    return ""
