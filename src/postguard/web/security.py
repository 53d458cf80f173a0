"""Sign-in helpers shared by the pages and the API: MFA state, sessions, re-authentication."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from allauth.account.decorators import reauthentication_required
from allauth.usersessions.models import UserSession
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from postguard.core.models import User
from postguard.core.permissions import has_mfa, mfa_required

__all__ = ["current_user", "end_all_sessions", "has_mfa", "needs_mfa_setup", "sensitive"]

V = TypeVar("V", bound=Callable[..., Any])


def current_user(request: HttpRequest) -> User:
    """The signed-in user of a view behind @login_required."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError("current_user() is for views that require a signed-in user")
    return user


def needs_mfa_setup(user: Any) -> bool:
    """Signed in, holding a role that approves or publishes, and no TOTP app or passkey yet."""
    return bool(getattr(user, "is_authenticated", False) and mfa_required(user))


def end_all_sessions(user: AbstractBaseUser) -> int:
    """End every signed-in session of `user` (offboarding, a stolen laptop); returns how many."""
    sessions = list(UserSession.objects.filter(user_id=user.pk))
    for session in sessions:
        session.end()
    return len(sessions)


def sensitive(view: V) -> V:
    """Ask for the password (or an MFA code) again unless it was given in the last few minutes.

    allauth stashes the request, sends the person to re-authenticate, then replays it; so a
    POST that arrives after the window closed is not lost. (ACCOUNT_REAUTHENTICATION_TIMEOUT)
    """
    return cast(V, reauthentication_required(view))
