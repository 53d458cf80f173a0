"""Connecting a platform account: the credential Postguard publishes with (lead and security).

The form takes the server address, the login (Bluesky handle) and the app password or access
token; `publishing.connections.connect()` checks it with the platform and stores it encrypted.
The secret is a password input that is never rendered back (not even after an error), the
view hides it from error reports, and it never reaches a page, a log or the audit log.
Connecting and disconnecting ask for the password again (like grants and tokens); a connect
form posted after that window closed is not replayed (that would keep the secret in the
session): the person confirms the password and types the secret again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from postguard.connectors.credentials import Secret
from postguard.core.permissions import can, require
from postguard.publishing.connections import ConnectError, connect, disconnect
from postguard.publishing.models import Connection
from postguard.registry.models import PlatformAccount
from postguard.settings.env import SettingError
from postguard.web.security import sensitive

# Where each platform's accounts usually live: the form's starting value.
DEFAULT_SERVICE = {"bluesky": "https://bsky.social", "mastodon": "https://mastodon.social"}
SECRET_FIELD = "secret"  # noqa: S105  # the form field's name, not a password

__all__ = ["ConnectForm", "connection_context", "connection_page", "disconnect_account"]


class ConnectForm(forms.Form):
    service_url = forms.URLField(
        label="Server address",
        max_length=500,
        assume_scheme="https",
        help_text="Bluesky: the PDS, https://bsky.social for most accounts. "
        "Mastodon: the instance, e.g. https://mastodon.social.",
    )
    login = forms.CharField(
        label="Handle",
        max_length=200,
        required=False,
        help_text="Bluesky: the account's handle, e.g. examplecounty.bsky.social. "
        "Mastodon: leave empty (the token names the account).",
    )
    secret = forms.CharField(
        label="App password or access token",
        max_length=2000,
        strip=True,
        # Never rendered back: after an error the field is empty and must be typed again.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Bluesky: an app password (Settings → App passwords), never the account "
        "password. Mastodon: an access token with write:statuses and write:media. "
        "Stored encrypted; nobody can read it back.",
    )

    def __init__(self, *args: Any, account: PlatformAccount, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        if account.platform == "mastodon":
            self.fields["login"].label = "Login (not used for Mastodon)"

    def clean_login(self) -> str:
        login: str = self.cleaned_data.get("login", "").strip().lstrip("@")
        if self.account.platform == "bluesky" and not login:
            raise forms.ValidationError(
                "Give the Bluesky handle the app password belongs to, e.g. "
                "examplecounty.bsky.social."
            )
        return login


def connection_context(account: PlatformAccount, request: HttpRequest) -> dict[str, Any]:
    """What the account page's connection section shows (never the credential)."""
    return {
        "account": account,
        "connection": Connection.objects.filter(account=account).first(),
        "can_connect": can(request.user, "account.connect", account, request=request),
    }


def _account(request: HttpRequest, pk: int) -> PlatformAccount:
    accounts = PlatformAccount.objects.restrict(request.user, "account.view", request=request)
    return get_object_or_404(accounts, pk=pk)


def _reauthenticate_first(request: HttpRequest) -> HttpResponse | None:
    """Like @sensitive, but never keeps the request: allauth's replay would store the POSTed
    secret in the session until the password is confirmed. The form is simply shown again."""
    from allauth.account.internal.flows.reauthentication import did_recently_reauthenticate

    if did_recently_reauthenticate(request):
        return None
    if request.method == "POST":
        messages.info(
            request,
            "Confirm your password first; then type the app password or token again "
            "(it was not kept).",
        )
    return redirect(f"{reverse('account_reauthenticate')}?{urlencode({'next': request.path})}")


@login_required
@sensitive_post_parameters(SECRET_FIELD)
def connection_page(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    asked = _reauthenticate_first(request)
    if asked is not None:
        return asked
    require(request.user, "account.connect", account, request=request)
    existing = Connection.objects.filter(account=account).first()
    initial = {
        "service_url": existing.service_url
        if existing
        else DEFAULT_SERVICE.get(account.platform, ""),
        "login": existing.login if existing else account.handle.lstrip("@"),
    }
    form = ConnectForm(request.POST or None, account=account, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            connection = connect(
                account,
                service_url=form.cleaned_data["service_url"],
                login=form.cleaned_data["login"],
                secret=Secret(form.cleaned_data["secret"]),
                actor=request.user,
                request=request,
            )
        except (ConnectError, SettingError) as error:
            form.add_error(None, str(error))
        else:
            who = connection.remote_handle or connection.remote_id
            messages.success(request, f"{account} is connected as @{who}.")
            return redirect("web:account", pk=account.pk)
    return render(
        request,
        "web/connections/connect.html",
        {
            "form": form,
            "heading": f"{'Reconnect' if existing else 'Connect'} {account}",
            "intro": "Postguard signs in with this credential to publish approved posts. "
            "It is checked with the platform now, then stored encrypted.",
            "submit_label": "Check and connect",
            "cancel_url": reverse("web:account", args=[account.pk]),
            "connection": existing,
            "account": account,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
@sensitive
def disconnect_account(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    require(request.user, "account.connect", account, request=request)
    if disconnect(account, actor=request.user, request=request):
        messages.success(request, f"{account} is disconnected: Postguard cannot post there now.")
    else:
        messages.info(request, f"{account} was not connected.")
    return redirect("web:account", pk=account.pk)
