"""Create, check and revoke personal API tokens; every change is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from postguard.api.models import ApiToken
from postguard.audit.log import record
from postguard.core.models import User

TOKEN_PREFIX = "pgt_"  # noqa: S105  # the public marker every token starts with, not a secret
MAX_DAYS = 366


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _snapshot(token: ApiToken) -> dict[str, object]:
    return {
        "name": token.name,
        "prefix": token.prefix,
        "scope": token.scope,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
    }


def create_token(
    user: User, name: str, scope: str = ApiToken.Scope.READ, days: int | None = 90
) -> tuple[ApiToken, str]:
    """Return the new token row and its plaintext, which is never stored and never shown again."""
    name = name.strip()
    if not name:
        raise ValueError("name: give the token a name that says what it is for")
    if scope not in ApiToken.Scope.values:
        raise ValueError(f"scope: {scope!r} is not one of: read, write")
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days: {days} is out of range; use 1 to {MAX_DAYS}, or no expiry")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + dt.timedelta(days=days) if days is not None else None
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=plaintext[: len(TOKEN_PREFIX) + 8],
            digest=digest_of(plaintext),
            scope=scope,
            expires_at=expires,
        )
        record("api.token.create", actor=user, obj=token, after=_snapshot(token))
    return token, plaintext


def authenticate_token(plaintext: str, ip: str | None = None) -> ApiToken | None:
    """The active token this plaintext names, or None. Marks it used."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=digest_of(plaintext)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    # Only touch the row once a minute: a busy script should not turn reads into writes.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
        token.last_used_at = now
    return token


def revoke_token(token: ApiToken, actor: object, reason: str = "revoked by its owner") -> None:
    if token.revoked_at is not None:
        return
    with transaction.atomic():
        before = _snapshot(token)
        token.revoked_at = timezone.now()
        token.revoked_reason = reason[:200]
        token.save(update_fields=["revoked_at", "revoked_reason"])
        record("api.token.revoke", actor=actor, obj=token, before=before, after=_snapshot(token))


def revoke_all_tokens(user: User, actor: object = None, reason: str = "") -> int:
    """Revoke every active token of `user` (offboarding); returns how many were revoked."""
    count = 0
    for token in ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True):
        revoke_token(token, actor if actor is not None else user, reason or "owner offboarded")
        count += 1
    return count
