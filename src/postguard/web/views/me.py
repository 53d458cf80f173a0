"""The signed-in person's own things: MFA, sessions, API tokens. Nobody sees anyone else's."""

from __future__ import annotations

from importlib import import_module

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from postguard.api.models import ApiToken
from postguard.api.tokens import create_token
from postguard.api.tokens import revoke_token as revoke_api_token
from postguard.audit.log import record
from postguard.core.permissions import require
from postguard.web.security import current_user, has_mfa, sensitive
from postguard.web.signals import SESSION_DEVICE_KEY


@login_required
def security(request: HttpRequest) -> HttpResponse:
    require(request.user, "mfa.setup", request=request)
    authenticators = Authenticator.objects.filter(user_id=request.user.pk).order_by("created_at")
    return render(
        request,
        "web/me/security.html",
        {"authenticators": authenticators, "has_mfa": has_mfa(request.user)},
    )


@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    require(request.user, "session.manage_own", request=request)
    rows = UserSession.objects.purge_and_list(request.user)
    rows.sort(key=lambda s: s.last_seen_at, reverse=True)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for row in rows:
        # allauth ships no types, so rows are Any: the device name rides along for the template.
        row.device_name = store(row.session_key).get(SESSION_DEVICE_KEY, "")
    current = request.session.session_key
    return render(request, "web/me/sessions.html", {"sessions": rows, "current_key": current})


@login_required
@require_POST
def end_session(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "session.manage_own", request=request)
    # Only the owner's own sessions are reachable: anyone else's id is simply not found.
    session = get_object_or_404(UserSession, pk=pk, user=current_user(request))
    is_current = session.session_key == request.session.session_key
    record(
        "auth.session.end",
        obj=session,
        object_repr=f"session from {session.ip} ({session.user_agent[:80]})",
    )
    session.end()
    if is_current:
        return redirect("account_login")
    messages.success(request, "That session has ended; the browser using it is signed out.")
    return redirect("web:my_sessions")


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What the token is for, e.g. 'monthly export'."
    )
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        help_text="Read only unless the script must change things. A token never has more "
        "access than you do.",
    )
    days = forms.IntegerField(
        min_value=1,
        max_value=366,
        initial=90,
        required=False,
        label="Expires after (days)",
        help_text="1 to 366 days; empty for no expiry.",
    )


@login_required
@sensitive
def tokens(request: HttpRequest) -> HttpResponse:
    require(request.user, "token.manage_own", request=request)
    new_token: str | None = None
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            _, new_token = create_token(
                current_user(request),
                form.cleaned_data["name"],
                form.cleaned_data["scope"],
                form.cleaned_data["days"],
            )
            form = TokenForm()
    else:
        form = TokenForm()
    rows = ApiToken.objects.filter(user=current_user(request))
    return render(
        request, "web/me/tokens.html", {"form": form, "tokens": rows, "new_token": new_token}
    )


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "token.manage_own", request=request)
    token = get_object_or_404(ApiToken, pk=pk, user=current_user(request))
    revoke_api_token(token, request.user)
    messages.success(request, f"Token {token.prefix}… is revoked.")
    return redirect("web:my_tokens")
