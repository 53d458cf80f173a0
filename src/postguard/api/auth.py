"""API authentication: a personal token (Authorization: Bearer pgt_...) or the web session.

Either way the request then runs as the person: `request.user` is set, and `can()` decides.
Session requests that change something must carry the CSRF token, as in the web app.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from postguard.api.models import ApiToken
from postguard.api.tokens import authenticate_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = authenticate_token(token, ip=request.META.get("REMOTE_ADDR"))
        if found is None:
            return None
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found


class SessionAuth(APIKeyCookie):
    """The signed-in web session; CSRF checked on unsafe methods, after we know who it is."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(403, "CSRF check failed: send the X-CSRFToken header with this request")
        request.api_token = None  # type: ignore[attr-defined]
        return request.user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user if request.user.is_authenticated else None


def require_write(request: HttpRequest) -> None:
    """Refuse a change made with a read-only token."""
    token: ApiToken | None = getattr(request, "api_token", None)
    if token is not None and not token.can_write:
        raise HttpError(403, "this API token is read-only; create a token with the write scope")


def require_recent_auth(request: HttpRequest) -> None:
    """Sensitive actions: a session caller must have re-authenticated in the last few minutes.

    A token caller has already proven possession of a secret that was created after a
    re-authentication; it still needs the write scope (checked by `require_write`).
    """
    if getattr(request, "api_token", None) is not None:
        return
    from allauth.account.internal.flows.reauthentication import did_recently_reauthenticate

    if not did_recently_reauthenticate(request):
        raise HttpError(
            401,
            "re-authenticate first: confirm your password in the web app "
            "(/auth/reauthenticate/), then retry within a few minutes",
        )
