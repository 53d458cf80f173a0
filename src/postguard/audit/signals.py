"""Sign-in, sign-out, failed sign-in, lockout, password and MFA events, from framework signals.

Passwords never reach the log: a failed sign-in records only the identifier that was tried.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from postguard.audit import chain
from postguard.audit.log import record

# The credential keys that identify who was trying to sign in (never the password).
_IDENTIFIER_KEYS = ("email", "username", "login")


@receiver(user_logged_in, dispatch_uid="postguard.audit.login")
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record("auth.login", actor=user, obj=user, request=request)


@receiver(user_logged_out, dispatch_uid="postguard.audit.logout")
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:  # signing out when not signed in changes nothing
        return
    record("auth.logout", actor=user, obj=user, request=request)


@receiver(user_login_failed, dispatch_uid="postguard.audit.login_failed")
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    tried = next(
        (str(credentials[k]) for k in _IDENTIFIER_KEYS if credentials.get(k)),
        "",
    )
    record(
        "auth.login.failed",
        request=request,
        actor_name=f"unauthenticated: {tried}" if tried else "unauthenticated",
        object_type="core.user",
        object_repr=tried,
        after={
            k: v
            for k, v in chain.redact(chain.jsonable(credentials)).items()
            if k in _IDENTIFIER_KEYS
        },
    )


def _connect_allauth() -> None:
    """Record password and MFA changes made through allauth, when allauth is installed."""
    if apps.is_installed("allauth.account"):
        from allauth.account import signals as account_signals

        for signal, action in (
            (account_signals.password_changed, "auth.password.change"),
            (account_signals.password_set, "auth.password.set"),
            (account_signals.password_reset, "auth.password.reset"),
            (account_signals.email_changed, "auth.email.change"),
        ):
            signal.connect(
                _user_event(action), dispatch_uid=f"postguard.audit.{action}", weak=False
            )
    if apps.is_installed("allauth.mfa"):
        from allauth.mfa import signals as mfa_signals

        for signal, action in (
            (mfa_signals.authenticator_added, "auth.mfa.add"),
            (mfa_signals.authenticator_removed, "auth.mfa.remove"),
            (mfa_signals.authenticator_reset, "auth.mfa.reset"),
            (mfa_signals.authentication_failed, "auth.mfa.failed"),
        ):
            signal.connect(_mfa_event(action), dispatch_uid=f"postguard.audit.{action}", weak=False)


def _connect_axes() -> None:
    """Record lockouts after repeated failed sign-ins, when django-axes is installed."""
    if not apps.is_installed("axes"):
        return
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="postguard.audit.lockout", weak=False)


def _locked_out(
    sender: Any,
    request: HttpRequest | None = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    record(
        "auth.lockout",
        request=request,
        actor_name=f"unauthenticated: {username}" if username else "unauthenticated",
        ip=ip_address,
        object_type="core.user",
        object_repr=username or "",
    )


def _user_event(action: str) -> Any:
    def handler(
        sender: Any, request: HttpRequest | None = None, user: Any = None, **kw: Any
    ) -> None:
        record(action, actor=user, obj=user, request=request)

    return handler


def _mfa_event(action: str) -> Any:
    def handler(
        sender: Any,
        request: HttpRequest | None = None,
        user: Any = None,
        authenticator: Any = None,
        **kw: Any,
    ) -> None:
        kind = getattr(authenticator, "type", "")
        record(
            action,
            actor=user,
            request=request,
            obj=authenticator,
            object_repr=f"{kind} authenticator of {user}" if kind else None,
            after={"type": str(kind)} if kind else None,
        )

    return handler


_connect_allauth()
_connect_axes()
