"""DATABASE_URL: `sqlite:///path` or `postgres://user[:password]@host[:port]/name`, nothing else.

SQLite gets the settings that make it a good single-server database: WAL, a busy timeout, and
IMMEDIATE transactions (so a writer takes the lock when it begins, not half-way through).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from postguard.settings.env import SettingError

SQLITE_INIT = (
    "PRAGMA journal_mode=WAL;"
    "PRAGMA busy_timeout=5000;"
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA foreign_keys=ON;"
)

_ACCEPTED = (
    "accepted forms: sqlite:///relative/path.sqlite3, sqlite:////absolute/path.sqlite3, "
    "postgres://user[:password]@host[:port]/database[?sslmode=require]"
)
_PG_OPTIONS = {"sslmode", "connect_timeout", "application_name", "sslrootcert"}


def sqlite_database(path: Path | str) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 5,
            "init_command": SQLITE_INIT,
        },
        # Tests use a file too, not Django's shared in-memory database: the live server's
        # threads then meet WAL and the busy timeout as in production, instead of failing on
        # shared-cache table locks. The process id keeps parallel test runs apart.
        "TEST": {
            "NAME": str(Path(tempfile.gettempdir()) / f"postguard-test-{os.getpid()}.sqlite3")
        },
    }


def parse_database_url(url: str, *, name: str = "DATABASE_URL") -> dict[str, Any]:
    """Django's DATABASES["default"] for `url`; SettingError naming `name` on anything else."""
    # The password must never reach an error message.
    shown = _redact(url)
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise SettingError(f"{name}={shown!r} is not a valid URL ({exc}); {_ACCEPTED}") from None
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        if parts.netloc or parts.query or parts.fragment:
            raise SettingError(
                f"{name}={shown!r}: a SQLite URL has no host, query or fragment; {_ACCEPTED}"
            )
        path = unquote(parts.path)[1:]  # sqlite:///a.db -> "a.db"; sqlite:////abs -> "/abs"
        if not path:
            raise SettingError(f"{name}={shown!r} names no database file; {_ACCEPTED}")
        return sqlite_database(Path(path))
    if scheme in {"postgres", "postgresql"}:
        database = unquote(parts.path.lstrip("/"))
        if not parts.hostname or not database or "/" in database:
            raise SettingError(f"{name}={shown!r} needs a host and a database name; {_ACCEPTED}")
        if parts.fragment:
            raise SettingError(f"{name}={shown!r}: a fragment (#...) is not allowed; {_ACCEPTED}")
        options: dict[str, str] = {}
        for key, value in parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False):
            if key not in _PG_OPTIONS:
                raise SettingError(
                    f"{name}={shown!r}: unknown option {key!r}; accepted options: "
                    f"{', '.join(sorted(_PG_OPTIONS))}"
                )
            options[key] = value
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": database,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname,
            "PORT": str(port) if port is not None else "",
            "OPTIONS": options,
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            # The process id keeps parallel test runs on one server apart (as for SQLite).
            "TEST": {"NAME": f"test_{database}_{os.getpid()}"},
        }
    raise SettingError(f"{name}={shown!r} uses an unsupported scheme {scheme!r}; {_ACCEPTED}")


def _redact(url: str) -> str:
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return parts._replace(netloc=netloc).geturl()
    except ValueError:
        return "<unparseable URL>"
