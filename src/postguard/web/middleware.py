"""People whose roles approve or publish can do nothing but set up MFA until it is on.

The registry decides who needs MFA (`mfa_required`); allauth's authenticator records decide
whether they have it. Recovery codes alone do not count: they back up a TOTP app or a passkey.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from postguard.web.security import needs_mfa_setup

# Paths that stay open: allauth (MFA setup, sign-out, re-authentication), this gate's own page,
# the person's own security overview and sessions (ending a stolen session must always work).
OPEN_PREFIXES = ("/auth/", "/static/", "/mfa-required/", "/me/security/", "/me/sessions/")


class MfaRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and needs_mfa_setup(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "detail": "Your roles require multi-factor authentication; "
                        "set up an authenticator app or a passkey in the web app first.",
                        "code": "mfa_required",
                    },
                    status=403,
                )
            return redirect(reverse("web:mfa_required"))
        return self.get_response(request)
