"""The typed environment readers: good values parse, bad ones name the variable, _FILE works."""

from __future__ import annotations

from pathlib import Path

import pytest

from postguard.settings import env
from postguard.settings.env import SettingError


def test_file_variant_reads_the_secret(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("s3cret-value\n", encoding="utf-8")
    assert env.string("POSTGUARD_SECRET_KEY", "d", {"POSTGUARD_SECRET_KEY_FILE": str(secret)}) == (
        "s3cret-value"
    )


def test_both_the_variable_and_its_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingError, match="POSTGUARD_X and POSTGUARD_X_FILE are both set"):
        env.raw("POSTGUARD_X", {"POSTGUARD_X": "a", "POSTGUARD_X_FILE": str(tmp_path)})


def test_an_unreadable_file_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingError, match=r"POSTGUARD_X_FILE=.* cannot be read"):
        env.raw("POSTGUARD_X", {"POSTGUARD_X_FILE": str(tmp_path / "missing")})


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("0", False), ("YES", True)])
def test_booleans(value: str, expected: bool) -> None:
    assert env.boolean("POSTGUARD_B", not expected, {"POSTGUARD_B": value}) is expected


def test_bad_boolean() -> None:
    with pytest.raises(SettingError, match="POSTGUARD_B='maybe' is not a boolean"):
        env.boolean("POSTGUARD_B", False, {"POSTGUARD_B": "maybe"})


def test_integers_and_bounds() -> None:
    assert env.integer("POSTGUARD_N", 1, environ={"POSTGUARD_N": " 42 "}) == 42
    with pytest.raises(SettingError, match="POSTGUARD_N='many' is not a whole number"):
        env.integer("POSTGUARD_N", 1, environ={"POSTGUARD_N": "many"})
    with pytest.raises(SettingError, match="POSTGUARD_N=0 is too small; the minimum is 1"):
        env.integer("POSTGUARD_N", 1, minimum=1, environ={"POSTGUARD_N": "0"})


def test_choice() -> None:
    with pytest.raises(SettingError, match="POSTGUARD_ENV='prod' is not one of: development"):
        env.choice(
            "POSTGUARD_ENV", "development", ("development", "production"), {"POSTGUARD_ENV": "prod"}
        )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:8000", ("127.0.0.1", 8000)),
        ("0.0.0.0:80", ("0.0.0.0", 80)),  # noqa: S104 - a value under test, not a bind
        ("[::1]:8443", ("::1", 8443)),
        ("localhost:9000", ("localhost", 9000)),
    ],
)
def test_bind_addresses(value: str, expected: tuple[str, int]) -> None:
    assert env.bind_address("POSTGUARD_BIND", ("x", 1), {"POSTGUARD_BIND": value}) == expected


@pytest.mark.parametrize("value", ["8000", "localhost", ":8000", "host:99999", "::1:80", "h:x"])
def test_bad_bind_addresses(value: str) -> None:
    with pytest.raises(SettingError, match=r"POSTGUARD_BIND=.*(bind address|IPv6|port)"):
        env.bind_address("POSTGUARD_BIND", ("x", 1), {"POSTGUARD_BIND": value})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1048576", 1048576), ("10MB", 10_000_000), ("512KiB", 524_288), ("2 GB", 2_000_000_000)],
)
def test_byte_sizes(value: str, expected: int) -> None:
    assert (
        env.byte_size(
            "POSTGUARD_MAX_UPLOAD_BYTES", 1, environ={"POSTGUARD_MAX_UPLOAD_BYTES": value}
        )
        == expected
    )


@pytest.mark.parametrize("value", ["ten", "10XB", "-5", "1.5MB", ""])
def test_bad_byte_sizes(value: str) -> None:
    with pytest.raises(SettingError, match="POSTGUARD_MAX_UPLOAD_BYTES="):
        env.byte_size(
            "POSTGUARD_MAX_UPLOAD_BYTES", 1, environ={"POSTGUARD_MAX_UPLOAD_BYTES": value}
        )


def test_urls_never_echo_a_password() -> None:
    url = "redis://:hunter2@cache:6379/0"
    assert env.url("POSTGUARD_BROKER_URL", None, ("redis",), {"POSTGUARD_BROKER_URL": url}) == url
    with pytest.raises(SettingError) as caught:
        env.url(
            "POSTGUARD_BROKER_URL",
            None,
            ("redis", "amqp"),
            {"POSTGUARD_BROKER_URL": "http://:hunter2@cache"},
        )
    assert "hunter2" not in str(caught.value)
    assert "POSTGUARD_BROKER_URL=http://..." in str(caught.value)
