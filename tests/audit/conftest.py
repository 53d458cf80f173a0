"""Helpers for audit tests: raw SQL that a tamperer would run, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from postguard.audit import triggers
from postguard.audit.log import record
from postguard.audit.models import AuditEvent


def drop_triggers() -> None:
    """What a database administrator would do first to edit the log."""
    statements = (
        triggers.SQLITE_DROP_V1 if connection.vendor == "sqlite" else triggers.POSTGRESQL_DROP_V1
    )
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def raw(sql: str, params: list[str | int] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def row(seq: int) -> AuditEvent:
    return AuditEvent.objects.get(seq=seq)


@pytest.fixture
def five_events(db: None) -> list[AuditEvent]:
    return [
        record(
            "registry.account.update",
            actor_name="Lola Lead <lola@example.gov>",
            object_type="registry.platformaccount",
            object_id=7,
            object_repr="@county on Bluesky",
            before={"mfa_method": "sms", "n": i},
            after={"mfa_method": "app", "n": i},
        )
        for i in range(5)
    ]


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "keys" / "audit.pem"
    monkeypatch.setenv("POSTGUARD_AUDIT_SIGNING_KEY_FILE", str(path))
    return path


@pytest.fixture
def checkpoint(tmp_path: Path, key_file: Path) -> Callable[[], Path]:
    def take() -> Path:
        out = tmp_path / f"checkpoint-{AuditEvent.objects.count()}.json"
        call_command("audit", "checkpoint", "--out", str(out))
        return out

    return take
