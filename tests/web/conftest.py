"""Clients signed in as members of the cast, optionally having just re-authenticated."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from postguard.core.models import User

# allauth's record of how this session authenticated, and whose record it is.
REAUTH_SESSION_KEY = "account_authentication_methods"
REAUTH_USER_SESSION_KEY = "account_authentication_methods_user"


def signed_in(user: User | None, *, reauthenticated: bool = False) -> Client:
    client = Client()
    if user is None:
        return client
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if reauthenticated:
        session = client.session
        session[REAUTH_SESSION_KEY] = [
            {"method": "password", "at": time.time(), "reauthenticated": True}
        ]
        session[REAUTH_USER_SESSION_KEY] = str(user.pk)
        session.save()
    return client


@pytest.fixture
def client_for() -> Callable[..., Client]:
    def make(user: User | None, **kwargs: Any) -> Client:
        return signed_in(user, **kwargs)

    return make
