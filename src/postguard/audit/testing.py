"""Test support: lets Django's test flush empty the audit table, which the database protects.

Transactional tests (pytest-django's `transactional_db`, `live_server`) empty every table after
each test with DELETE (SQLite) or TRUNCATE (PostgreSQL); the audit triggers refuse both. While
`flushable_audit_log()` is active, the flush statements disable the triggers and restore them in
the same transaction. Production code never uses this: `postguard flush` stays refused.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

# The backends' base modules first: importing operations directly would hit an import cycle.
import django.db.backends.postgresql.base
import django.db.backends.sqlite3.base  # noqa: F401
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.db.backends.sqlite3.operations import DatabaseOperations as SqliteOperations

from postguard.audit import triggers


def _wrapped(original: Any, before: list[str], after: list[str]) -> Any:
    def sql_flush(self: Any, style: Any, tables: Any, **kwargs: Any) -> list[str]:
        statements: list[str] = original(self, style, tables, **kwargs)
        if triggers.TABLE not in tables or not statements:
            return statements
        return [*before, *statements, *after]

    return sql_flush


@contextlib.contextmanager
def flushable_audit_log() -> Iterator[None]:
    sqlite_original = SqliteOperations.sql_flush
    postgres_original = PostgresOperations.sql_flush
    SqliteOperations.sql_flush = _wrapped(  # type: ignore[method-assign]
        sqlite_original, triggers.SQLITE_DROP_V1, triggers.SQLITE_CREATE_V1
    )
    PostgresOperations.sql_flush = _wrapped(  # type: ignore[method-assign]
        postgres_original,
        [f"ALTER TABLE {triggers.TABLE} DISABLE TRIGGER USER"],
        [f"ALTER TABLE {triggers.TABLE} ENABLE TRIGGER USER"],
    )
    try:
        yield
    finally:
        SqliteOperations.sql_flush = sqlite_original  # type: ignore[method-assign]
        PostgresOperations.sql_flush = postgres_original  # type: ignore[method-assign]
