"""docs/permissions.md shows the permission table as it is in the code."""

from __future__ import annotations

from pathlib import Path

from postguard.core.permissions import markdown_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def test_the_documented_table_is_the_code() -> None:
    assert markdown_table() in DOC.read_text(encoding="utf-8"), (
        "docs/permissions.md is out of date: paste postguard.core.permissions.markdown_table()"
    )
