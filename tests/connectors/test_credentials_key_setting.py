"""A credentials key setting that cannot be used is a ConnectError naming the setting, like a
missing key: connecting and publishing refuse with that message, never a server error."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest

from postguard.connectors.credentials import Secret
from postguard.core.actors import SYSTEM
from postguard.publishing.connections import ConnectError, cipher, connect

VARIABLE = "POSTGUARD_CREDENTIALS_KEY"


def a_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv(VARIABLE, raising=False)
    monkeypatch.delenv(f"{VARIABLE}_FILE", raising=False)
    return monkeypatch


def test_the_key_and_its_file_both_set(no_key: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(a_key())
    no_key.setenv(VARIABLE, a_key())
    no_key.setenv(f"{VARIABLE}_FILE", str(key_file))
    with pytest.raises(ConnectError) as refused:
        cipher()
    assert str(refused.value) == (
        f"{VARIABLE} and {VARIABLE}_FILE are both set; set only one of them"
    )


def test_an_unreadable_key_file(no_key: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-key"
    no_key.setenv(f"{VARIABLE}_FILE", str(missing))
    with pytest.raises(ConnectError) as refused:
        cipher()
    assert str(refused.value) == (
        f"{VARIABLE}_FILE={str(missing)!r} cannot be read: No such file or directory"
    )


def test_a_malformed_key(no_key: pytest.MonkeyPatch) -> None:
    no_key.setenv(VARIABLE, f"{a_key()},not-a-key")
    with pytest.raises(ConnectError, match=f"^{VARIABLE}: key 2 is not 32 random bytes in base64"):
        cipher()


@pytest.mark.django_db
def test_connecting_with_a_bad_key_setting_is_refused_with_the_setting_named(
    no_key: pytest.MonkeyPatch, cast: Any, settings: Any
) -> None:
    settings.PLATFORM_ALLOW_LOOPBACK = True
    no_key.setenv(VARIABLE, "short")
    with pytest.raises(ConnectError, match=f"^{VARIABLE}: key 1 is not 32 random bytes"):
        connect(
            cast.bluesky,
            service_url="http://127.0.0.1:9",
            login="someone.test",
            secret=Secret("app-password"),
            actor=SYSTEM,
        )
