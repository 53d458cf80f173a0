"""Small helpers the registry commands share."""

from __future__ import annotations

import datetime as dt

from postguard.core.management import BadInput
from postguard.registry.models import PlatformAccount


def find_account(text: str) -> PlatformAccount:
    """An account by id ("3") or by platform and handle ("bluesky:county.bsky.social")."""
    value = text.strip()
    if value.isdigit():
        account = PlatformAccount.objects.filter(pk=int(value)).first()
    elif ":" in value:
        platform, _, handle = value.partition(":")
        account = PlatformAccount.objects.filter(
            platform=platform.strip().lower(), handle__iexact=handle.strip()
        ).first()
    else:
        raise BadInput(
            f"--account {text!r}: give an account id (see `postguard accounts`) or "
            "PLATFORM:HANDLE such as bluesky:county.bsky.social"
        )
    if account is None:
        raise BadInput(f"--account {text!r}: no such platform account (see `postguard accounts`)")
    return account


def parse_date(option: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"{option} {text!r} is not a date; use YYYY-MM-DD") from None
