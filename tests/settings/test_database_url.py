"""DATABASE_URL: sqlite:///path and postgres://user@host:port/db, nothing else, loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from postguard.settings import env
from postguard.settings.database import SQLITE_INIT, parse_database_url
from postguard.settings.env import SettingError


def test_sqlite_relative_and_absolute() -> None:
    relative = parse_database_url("sqlite:///var/postguard.sqlite3")
    assert relative["ENGINE"] == "django.db.backends.sqlite3"
    assert relative["NAME"] == "var/postguard.sqlite3"
    assert parse_database_url("sqlite:////srv/pg/db.sqlite3")["NAME"] == "/srv/pg/db.sqlite3"


def test_sqlite_is_tuned_for_a_single_server() -> None:
    options = parse_database_url("sqlite:///db.sqlite3")["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "PRAGMA journal_mode=WAL;" in SQLITE_INIT
    assert "PRAGMA busy_timeout=5000;" in options["init_command"]


def test_postgres_with_and_without_password() -> None:
    db = parse_database_url("postgres://postgres@127.0.0.1:5432/postgres")
    assert (db["ENGINE"], db["USER"], db["HOST"], db["PORT"], db["NAME"]) == (
        "django.db.backends.postgresql",
        "postgres",
        "127.0.0.1",
        "5432",
        "postgres",
    )
    db = parse_database_url("postgresql://pg:p%40ss@db.internal/postguard?sslmode=require")
    assert (db["PASSWORD"], db["PORT"], db["OPTIONS"]) == ("p@ss", "", {"sslmode": "require"})


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/pg", "unsupported scheme 'mysql'"),
        ("sqlite://", "names no database file"),
        ("sqlite://host/db.sqlite3", "a SQLite URL has no host"),
        ("postgres://user@host", "needs a host and a database name"),
        ("postgres:///db", "needs a host and a database name"),
        ("postgres://u@h:notaport/db", "is not a valid URL"),
        ("postgres://u@h/db?pool=1", "unknown option 'pool'"),
        ("just words", "unsupported scheme ''"),
    ],
)
def test_anything_else_fails_loudly_naming_the_variable(url: str, message: str) -> None:
    with pytest.raises(SettingError, match="DATABASE_URL=") as caught:
        parse_database_url(url)
    assert message in str(caught.value)
    assert "accepted" in str(caught.value) or "accepted options" in str(caught.value)


def test_the_password_never_reaches_the_message() -> None:
    with pytest.raises(SettingError) as caught:
        parse_database_url("postgres://admin:topsecret@host/db?bogus=1")
    assert "topsecret" not in str(caught.value)
    assert "admin:***@host" in str(caught.value)


def test_database_url_may_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "database-url"
    secret.write_text("postgres://app:s3cret@db.internal:5433/postguard\n", encoding="utf-8")
    url = env.optional_string("DATABASE_URL", {"DATABASE_URL_FILE": str(secret)})
    assert url is not None
    database = parse_database_url(url)
    assert (database["PASSWORD"], database["PORT"]) == ("s3cret", "5433")
