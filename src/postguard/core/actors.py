"""Who acts: a signed-in user, an anonymous visitor, or the system actor (the local operator).

The system actor is whoever runs `postguard` on the server without `--as EMAIL`. They already
hold the database and the secret key, so restricting them adds no security; instead their
actions are limited to administration (no posting, no approvals) and every one is audited as
"system (local operator)". See docs/permissions.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, TypeAlias

from django.contrib.auth.models import AnonymousUser

if TYPE_CHECKING:
    from postguard.core.models import User


class SystemActor:
    pk: Final = None
    id: Final = None
    is_authenticated: Final = True
    is_anonymous: Final = False
    is_active: Final = True
    is_superuser: Final = False
    email: Final = "system"

    def __str__(self) -> str:
        return "system (local operator)"

    def __repr__(self) -> str:
        return "<SystemActor>"


SYSTEM: Final = SystemActor()

Actor: TypeAlias = "User | AnonymousUser | SystemActor"


def actor_name(actor: Actor | None) -> str:
    """The actor as text, for audit records that must outlive the user row."""
    if actor is None or isinstance(actor, AnonymousUser):
        return "anonymous"
    if isinstance(actor, SystemActor):
        return str(actor)
    name = actor.display_name or actor.get_full_name()
    return f"{name} <{actor.email}>" if name else actor.email


def is_system(actor: object) -> bool:
    return isinstance(actor, SystemActor)
