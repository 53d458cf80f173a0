"""A platform account's publishing connection over the API: its status (GET), connecting it
with a credential (PUT, the secret in the body) and disconnecting it (DELETE).

The same `can()` rules and services as the web page: `account.connect` for changes, with a
recent re-authentication for session callers and the write scope for tokens. No answer ever
contains the credential; the status says whose account it opens and whether it still works.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from postguard.api.auth import require_recent_auth, require_write
from postguard.api.errors import FieldError
from postguard.connectors.credentials import Secret
from postguard.core.permissions import require
from postguard.publishing.connections import ConnectError, connect, disconnect
from postguard.publishing.models import Connection
from postguard.registry.models import PlatformAccount
from postguard.settings.env import SettingError

router = Router(tags=["connections"])


class ConnectionIn(Schema):
    service_url: str = Field(
        description="Bluesky: the PDS (https://bsky.social); Mastodon: the instance URL"
    )
    login: str = Field("", description="Bluesky: the handle; Mastodon: empty")
    secret: str = Field(
        description="the app password (Bluesky) or access token (Mastodon); never returned"
    )


class ConnectionOut(Schema):
    account_id: int
    connected: bool
    service_url: str | None = None
    login: str | None = None
    remote_id: str | None = None
    remote_handle: str | None = None
    connected_by: str | None = None
    connected_at: dt.datetime | None = None
    verified_at: dt.datetime | None = None
    broken: bool = False
    broken_reason: str = ""


def _account(request: HttpRequest, account_id: int) -> PlatformAccount:
    visible = PlatformAccount.objects.restrict(request.user, "account.view", request=request)
    return get_object_or_404(visible, pk=account_id)


def status(account: PlatformAccount) -> ConnectionOut:
    connection = Connection.objects.filter(account=account).first()
    if connection is None:
        return ConnectionOut(account_id=account.pk, connected=False)
    return ConnectionOut(
        account_id=account.pk,
        connected=True,
        service_url=connection.service_url,
        login=connection.login,
        remote_id=connection.remote_id,
        remote_handle=connection.remote_handle,
        connected_by=connection.connected_by_name,
        connected_at=connection.connected_at,
        verified_at=connection.verified_at,
        broken=bool(connection.broken_reason),
        broken_reason=connection.broken_reason,
    )


def _check(payload: ConnectionIn, account: PlatformAccount) -> tuple[str, str]:
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    errors: list[tuple[str, str]] = []
    service_url = payload.service_url.strip()
    try:
        URLValidator(schemes=["http", "https"])(service_url)
    except ValidationError:
        errors.append(
            ("body.service_url", f"{service_url!r} is not an http(s) URL, e.g. https://bsky.social")
        )
    login = payload.login.strip().lstrip("@")
    if account.platform == "bluesky" and not login:
        errors.append(("body.login", "give the Bluesky handle the app password belongs to"))
    if not payload.secret.strip():
        errors.append(("body.secret", "give the app password or access token"))
    if errors:
        raise FieldError(errors)
    return service_url, login


@router.get(
    "/accounts/{account_id}/connection",
    response=ConnectionOut,
    summary="Whether Postguard can publish to this account, and as whom (never the credential)",
)
def get_connection(request: HttpRequest, account_id: int) -> ConnectionOut:
    return status(_account(request, account_id))


@router.put(
    "/accounts/{account_id}/connection",
    response=ConnectionOut,
    summary="Connect the account: the credential is checked with the platform, stored encrypted",
)
def put_connection(request: HttpRequest, account_id: int, payload: ConnectionIn) -> ConnectionOut:
    require_write(request)
    account = _account(request, account_id)
    require(request.user, "account.connect", account, request=request)
    require_recent_auth(request)
    service_url, login = _check(payload, account)
    try:
        connect(
            account,
            service_url=service_url,
            login=login,
            secret=Secret(payload.secret.strip()),
            actor=request.user,
            request=request,
        )
    except (ConnectError, SettingError) as error:
        raise FieldError([("body.secret", str(error))], detail=str(error)) from None
    return status(account)


@router.delete(
    "/accounts/{account_id}/connection",
    response=ConnectionOut,
    summary="Disconnect the account: forget its credential (audited)",
)
def delete_connection(request: HttpRequest, account_id: int) -> ConnectionOut:
    require_write(request)
    account = _account(request, account_id)
    require(request.user, "account.connect", account, request=request)
    require_recent_auth(request)
    disconnect(account, actor=request.user, request=request)
    return status(account)
