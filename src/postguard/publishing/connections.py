"""A platform account's credentials: stored encrypted, checked against the platform, read only
to publish.

`connect()` signs in once with the credential a lead or security officer gives, records whose
account it opened, and stores the credential encrypted (AES-GCM, bound to the account). Only
`connector_for()` decrypts it (the publisher and the integrity watch reuse what it builds through
`postguard.publishing.connector_cache`). `rotate_credentials()` re-encrypts every stored
credential with the current key after a key rotation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from postguard.audit.log import record
from postguard.connectors.base import Connector, ConnectorError
from postguard.connectors.credentials import CredentialCipher, CredentialError, Secret
from postguard.connectors.http import AddressPolicy, HttpClient, Timeouts
from postguard.connectors.registry import builder
from postguard.core.actors import SYSTEM, actor_name
from postguard.core.permissions import require
from postguard.publishing.models import Connection, credential_context
from postguard.registry.models import PlatformAccount
from postguard.settings.env import SettingError

if TYPE_CHECKING:
    from django.http import HttpRequest


class ConnectError(ValueError):
    """The credential could not be stored: the message says why and what to do."""


def http_client() -> HttpClient:
    """The guarded client with the addresses and timeout the settings allow."""
    seconds = float(settings.PLATFORM_TIMEOUT_SECONDS)
    return HttpClient(
        policy=AddressPolicy(
            allow_loopback=settings.PLATFORM_ALLOW_LOOPBACK,
            allow_private=settings.PLATFORM_ALLOW_PRIVATE,
        ),
        timeouts=Timeouts(connect=min(seconds, 5.0), read=seconds, write=seconds),
    )


def cipher() -> CredentialCipher:
    """The configured credential keys; ConnectError when they are missing or unusable.

    A bad key setting (the key and its _FILE both set, an unreadable file, a malformed key)
    is a ConnectError with the setting's own message, like a missing key: the pages and the
    API answer it as a refusal that names the setting, never as a server error.
    """
    try:
        return CredentialCipher.from_settings()
    except (CredentialError, SettingError) as error:
        raise ConnectError(str(error)) from None


def _build(account: PlatformAccount, service_url: str, login: str, secret: Secret) -> Connector:
    return builder(account.platform)(
        service_url=service_url, login=login, secret=secret, http=http_client()
    )


def connect(
    account: PlatformAccount,
    *,
    service_url: str,
    login: str,
    secret: Secret,
    actor: Any,
    request: HttpRequest | None = None,
) -> Connection:
    """Check the credential with the platform, then store it encrypted (replacing any other).

    Raises PermissionDenied (who), ConnectError (the platform refused it, or no key is set).
    """
    require(actor, "account.connect", account, request=request)
    key = cipher()
    try:
        with _build(account, service_url, login, secret) as connector:
            info = connector.verify_credentials()
    except ConnectorError as error:
        raise ConnectError(
            f"{account}: the platform did not accept these credentials ({error.message}); "
            "check the server address, the handle and the app password or token"
        ) from None
    with transaction.atomic():
        existing = Connection.objects.select_for_update().filter(account=account).first()
        connection = existing or Connection(account=account)
        connection.service_url = service_url
        connection.login = login
        connection.credential = key.encrypt(secret, context=credential_context(account.pk))
        connection.remote_id = info.remote_id
        connection.remote_handle = info.handle
        connection.connected_by = actor if getattr(actor, "pk", None) else None
        connection.connected_by_name = actor_name(actor)
        connection.connected_at = timezone.now()
        connection.verified_at = connection.connected_at
        connection.broken_reason = ""
        connection.save()
        record(
            "publishing.account.connect",
            actor=actor,
            obj=account,
            request=request,
            before={"connected": existing is not None},
            after={
                "service_url": service_url,
                "login": login,
                "remote_id": info.remote_id,
                "remote_handle": info.handle,
            },
        )
    return connection


def connector_for(account: PlatformAccount) -> Connector:
    """A new connector signed in as this account. For the publisher, the integrity watch and
    resolving by hand only.

    The caller closes it (`with connector_for(account) as connector:`): it holds its own HTTP
    client. Workers reuse theirs instead: `connector_cache.lease(account)`.

    Raises ConnectError when the account is not connected, its connection is broken, or its
    credential does not decrypt with the configured keys.
    """
    return connector_from(account, usable_connection(account))


def usable_connection(account: PlatformAccount) -> Connection:
    """The account's stored connection; ConnectError when there is none or it is broken."""
    connection = Connection.objects.filter(account=account).first()
    if connection is None:
        raise ConnectError(
            f"{account} is not connected: a lead or security officer must connect it "
            "(Accounts → Connect, or `postguard account-connect`)"
        )
    if connection.broken_reason:
        raise ConnectError(f"{account}: {connection.broken_reason}")
    return connection


def connector_from(account: PlatformAccount, connection: Connection) -> Connector:
    """A new connector built from this stored connection (decrypting its credential)."""
    try:
        secret = cipher().decrypt(connection.credential, context=credential_context(account.pk))
    except CredentialError as error:
        raise ConnectError(f"{account}: {error}") from None
    return _build(account, connection.service_url, connection.login, secret)


def client_settings() -> tuple[bool, bool, float]:
    """What `http_client()` is built from: a reused connector must have been built the same."""
    return (
        bool(settings.PLATFORM_ALLOW_LOOPBACK),
        bool(settings.PLATFORM_ALLOW_PRIVATE),
        float(settings.PLATFORM_TIMEOUT_SECONDS),
    )


def mark_broken(account: PlatformAccount, reason: str) -> None:
    """The platform refused the stored credential: stop using it until someone reconnects."""
    with transaction.atomic():
        updated = Connection.objects.filter(account=account, broken_reason="").update(
            broken_reason=reason
        )
        if updated:
            record(
                "publishing.account.broken",
                actor=SYSTEM,
                actor_name=actor_name(SYSTEM),
                obj=account,
                after={"reason": reason},
            )


def rotate_credentials(actor: Any) -> int:
    """Re-encrypt every stored credential with the current key; how many changed.

    All or nothing: a credential that does not decrypt stops the rotation with its account.
    """
    require(actor, "credentials.rotate", None)
    key = cipher()
    changed = 0
    with transaction.atomic():
        for connection in Connection.objects.select_for_update().select_related("account"):
            if not key.needs_rotation(connection.credential):
                continue
            try:
                connection.credential = key.rotate(
                    connection.credential, context=credential_context(connection.account_id)
                )
            except CredentialError as error:
                raise ConnectError(f"{connection.account}: {error}") from None
            connection.save(update_fields=["credential"])
            changed += 1
        record(
            "publishing.credentials.rotate",
            actor=actor,
            object_type="credentials",
            object_id="all",
            after={"re_encrypted": changed, "key_id": key.current.key_id},
        )
    return changed


def disconnect(account: PlatformAccount, *, actor: Any, request: HttpRequest | None = None) -> bool:
    """Forget the stored credential (Postguard can no longer post there); False if none was."""
    require(actor, "account.connect", account, request=request)
    with transaction.atomic():
        existing = Connection.objects.select_for_update().filter(account=account).first()
        if existing is None:
            return False
        before = {
            "service_url": existing.service_url,
            "login": existing.login,
            "remote_id": existing.remote_id,
            "remote_handle": existing.remote_handle,
        }
        existing.delete()
        record(
            "publishing.account.disconnect",
            actor=actor,
            obj=account,
            request=request,
            before=before,
            after={"connected": False},
        )
    return True
