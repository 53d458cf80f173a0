"""An auditor off the box checks an export against a checkpoint: no database needed."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pytest_django import DjangoDbBlocker

from postguard.audit.models import AuditEvent
from postguard.audit.verify import verify_export

Checkpointer = Callable[[], Path]


def export(tmp_path: Path, *args: str) -> Path:
    out = io.StringIO()
    call_command("audit", "export", *args, stdout=out)
    path = tmp_path / "events.jsonl"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def verify(*args: str) -> str:
    out = io.StringIO()
    call_command("audit", "verify", *args, stdout=out)
    return out.getvalue()


def broken(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        verify(*args)
    assert caught.value.returncode == 1
    return str(caught.value)


def edit(path: Path, change: Callable[[list[str]], list[str]]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(change(lines)) + "\n", encoding="utf-8")


def test_an_export_verifies_against_a_checkpoint(
    five_events: list[AuditEvent], checkpoint: Checkpointer, tmp_path: Path
) -> None:
    taken = checkpoint()
    events = export(tmp_path)
    out = verify("--export", str(events), "--checkpoint", str(taken))
    assert out.startswith("OK: 6 events, seq 1 to 6, chain intact")
    assert "is covered: nothing up to it was removed or changed" in out


def test_an_edited_export_line_is_caught(five_events: list[AuditEvent], tmp_path: Path) -> None:
    events = export(tmp_path)

    def rename(lines: list[str]) -> list[str]:
        line = json.loads(lines[1])
        line["actor_name"] = "Somebody Else"
        return [lines[0], json.dumps(line), *lines[2:]]

    edit(events, rename)
    assert f"seq 2 (id {five_events[1].pk}): hash mismatch" in broken("--export", str(events))


def test_a_line_removed_from_an_export_is_a_gap(
    five_events: list[AuditEvent], tmp_path: Path
) -> None:
    events = export(tmp_path)
    edit(events, lambda lines: lines[:2] + lines[3:])
    assert "gap in seq: after seq 2 comes seq 4: event 3 is missing" in broken(
        "--export", str(events)
    )


def test_a_truncated_export_is_caught_by_the_checkpoint(
    five_events: list[AuditEvent], checkpoint: Checkpointer, tmp_path: Path
) -> None:
    taken = checkpoint()
    events = export(tmp_path)
    edit(events, lambda lines: lines[:3])
    assert verify("--export", str(events)).startswith("OK: 3 events")
    message = broken("--export", str(events), "--checkpoint", str(taken))
    assert "row count less than checkpoint: the log has 3 events (up to seq 3)" in message


def test_a_partial_export_checks_from_where_it_starts(
    five_events: list[AuditEvent], checkpoint: Checkpointer, tmp_path: Path
) -> None:
    taken = checkpoint()
    events = export(tmp_path, "--after-seq", "2")
    assert "the log starts at seq 3: events 1 to 2 are missing" in broken("--export", str(events))
    out = verify("--export", str(events), "--partial", "--checkpoint", str(taken))
    assert out.startswith("OK: 4 events, seq 3 to 6, chain intact")
    later = export(tmp_path, "--after-seq", "5")
    with pytest.raises(CommandError, match="checkpoint not in export: the export starts at seq 6"):
        verify("--export", str(later), "--partial", "--checkpoint", str(taken))


def test_a_malformed_export_is_named(tmp_path: Path) -> None:
    report = verify_export(['{"seq": 1}', "not json"])
    assert str(report.problems[0]).startswith("malformed line: line 1 lacks time, actor_id")
    report = verify_export(["", "[1, 2]"])
    assert str(report.problems[0]) == "malformed line: line 2 is not a JSON object"
    report = verify_export(["{"])
    assert str(report.problems[0]).startswith("malformed line: line 1 is not JSON")


def test_checking_an_export_needs_no_database(
    five_events: list[AuditEvent], tmp_path: Path, django_db_blocker: DjangoDbBlocker
) -> None:
    lines = export(tmp_path).read_text(encoding="utf-8").splitlines()
    with django_db_blocker.block():
        report = verify_export(lines)
    assert report.intact
    assert (report.count, report.head_seq) == (5, 5)
