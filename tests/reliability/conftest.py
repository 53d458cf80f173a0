"""Fixtures for the reliability runs: a database of the run's own, removed afterwards.

The runs use no pytest-django database fixture on purpose: their worker processes share a
database of their own (see harness.py), so each run happens once, in the SQLite pass of
`make test`, whichever database it exercises.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.harness import PostgresDatabase, SqliteDatabase


@pytest.fixture
def postgres_run_database() -> Iterator[PostgresDatabase]:
    """A fresh PostgreSQL database on 127.0.0.1:5432 (postguard_rel_<pid>_<random>), dropped
    at the end even when the run fails."""
    database = PostgresDatabase.fresh()
    try:
        yield database
    finally:
        database.drop()


@pytest.fixture
def sqlite_run_database(tmp_path: Path) -> Iterator[SqliteDatabase]:
    """A SQLite file for the run, as the embedded default keeps it (POSTGUARD_DATA_DIR)."""
    database = SqliteDatabase(tmp_path / "run.sqlite3")
    try:
        yield database
    finally:
        database.drop()
