"""Walks the chain from the first event and names the first broken link; checks checkpoints.

Works on the database (`verify_chain`) and, off the box, on a JSONL export (`verify_export`):
the same checks, so an auditor holding an export, a checkpoint and the public key needs nothing
else.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from postguard.audit import chain
from postguard.audit.log import event_fields
from postguard.audit.models import AuditEvent
from postguard.audit.signing import Checkpoint


@dataclass(frozen=True)
class Problem:
    # "hash mismatch", "prev_hash mismatch", "gap in seq", "out of order",
    # "row count less than checkpoint", "malformed line", "checkpoint not in export"
    kind: str
    seq: int | None
    id: int | None
    detail: str

    def __str__(self) -> str:
        if self.seq is None:
            return f"{self.kind}: {self.detail}"
        where = f"seq {self.seq} (id {self.id})" if self.id is not None else f"seq {self.seq}"
        return f"{where}: {self.kind}: {self.detail}"


@dataclass
class Report:
    count: int = 0
    first_seq: int = 1
    head_seq: int = 0
    head_hash: str = chain.GENESIS_HASH
    problems: list[Problem] = field(default_factory=list)
    # seq -> hash, kept only for the checkpoint's head when checking an export
    hashes: dict[int, str] = field(default_factory=dict)

    @property
    def intact(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Link:
    """What the checks need from an event, whether a database row or an exported line."""

    seq: int
    id: int | None
    prev_hash: str
    hash: str
    fields: Mapping[str, Any]


def verify_chain(using: str = "default", checkpoint: Checkpoint | None = None) -> Report:
    """Check every event's hash and link, stopping at the first broken link."""
    report = Report()
    previous: _Link | None = None
    events = AuditEvent.objects.using(using).order_by("seq").iterator(chunk_size=2000)
    for event in events:
        link = _Link(event.seq, event.pk, event.prev_hash, event.hash, event_fields(event))
        report.count += 1
        problem = _check_link(link, previous)
        if problem is not None:
            report.problems.append(problem)
            break
        previous = link
        report.head_seq, report.head_hash = link.seq, link.hash
    if report.problems:
        report.count = AuditEvent.objects.using(using).count()
    if checkpoint is not None and not report.problems:
        at = (
            AuditEvent.objects.using(using)
            .filter(seq=checkpoint.head_seq)
            .values_list("pk", "hash")
            .first()
        )
        problem = _check_checkpoint(report, checkpoint, at)
        if problem is not None:
            report.problems.append(problem)
    return report


def verify_export(
    lines: Iterable[str], checkpoint: Checkpoint | None = None, *, partial: bool = False
) -> Report:
    """Check an export from `postguard audit export`, off the box, without the database.

    A full export starts at seq 1. With `partial`, it may start later (an export `--since` a
    date): its first event's prev_hash is then taken on trust and links are checked from there.
    """
    report = Report()
    previous: _Link | None = None
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        link = _parse_line(number, text)
        if isinstance(link, Problem):
            report.problems.append(link)
            break
        report.count += 1
        if previous is None and partial and link.seq > 1:
            report.first_seq = link.seq
            previous = _Link(link.seq - 1, None, "", link.prev_hash, {})
        problem = _check_link(link, previous)
        if problem is not None:
            report.problems.append(problem)
            break
        previous = link
        report.head_seq, report.head_hash = link.seq, link.hash
        if checkpoint is not None and link.seq == checkpoint.head_seq:
            report.hashes[link.seq] = link.hash
    if checkpoint is not None and not report.problems and checkpoint.head_seq < report.first_seq:
        report.problems.append(
            Problem(
                "checkpoint not in export",
                None,
                None,
                f"the export starts at seq {report.first_seq}, after the checkpoint's head "
                f"(seq {checkpoint.head_seq}); export from an earlier date to check it",
            )
        )
    if checkpoint is not None and not report.problems:
        at_hash = report.hashes.get(checkpoint.head_seq)
        at = None if at_hash is None else (None, at_hash)
        problem = _check_checkpoint(report, checkpoint, at)
        if problem is not None:
            report.problems.append(problem)
    return report


def _parse_line(number: int, text: str) -> _Link | Problem:
    try:
        line = json.loads(text)
    except ValueError as exc:
        return Problem("malformed line", None, None, f"line {number} is not JSON: {exc}")
    if not isinstance(line, dict):
        return Problem("malformed line", None, None, f"line {number} is not a JSON object")
    missing = [name for name in (*chain.HASHED_FIELDS, "hash") if name not in line]
    if missing:
        return Problem("malformed line", None, None, f"line {number} lacks {', '.join(missing)}")
    seq, prev_hash, hash_ = line["seq"], line["prev_hash"], line["hash"]
    if not (isinstance(seq, int) and isinstance(prev_hash, str) and isinstance(hash_, str)):
        return Problem(
            "malformed line", None, None, f"line {number} has a malformed seq, prev_hash or hash"
        )
    event_id = line.get("id")
    return _Link(seq, event_id if isinstance(event_id, int) else None, prev_hash, hash_, line)


def _check_link(event: _Link, previous: _Link | None) -> Problem | None:
    expected_seq = 1 if previous is None else previous.seq + 1
    if event.seq != expected_seq:
        missing = (
            f"event {expected_seq} is missing"
            if event.seq == expected_seq + 1
            else f"events {expected_seq} to {event.seq - 1} are missing"
        )
        where = (
            f"the log starts at seq {event.seq}"
            if previous is None
            else f"after seq {previous.seq} comes seq {event.seq}"
        )
        if event.seq < expected_seq:
            missing = "seq went backwards: events are duplicated or reordered"
        return Problem("gap in seq", event.seq, event.id, f"{where}: {missing}")
    expected_prev = chain.GENESIS_HASH if previous is None else previous.hash
    if event.prev_hash != expected_prev:
        before = "the start of the log" if previous is None else f"seq {previous.seq}"
        return Problem(
            "prev_hash mismatch",
            event.seq,
            event.id,
            f"prev_hash is {event.prev_hash[:16]}... but {before} has hash "
            f"{expected_prev[:16]}...: the event before it was rewritten, or this one forged",
        )
    computed = chain.compute_hash(event.fields)
    if computed != event.hash:
        return Problem(
            "hash mismatch",
            event.seq,
            event.id,
            f"stored hash {event.hash[:16]}... but the contents hash to {computed[:16]}...: "
            "the event was changed after it was written",
        )
    if (
        previous is not None
        and event.id is not None
        and previous.id is not None
        and event.id < previous.id
    ):
        return Problem(
            "out of order",
            event.seq,
            event.id,
            f"id {event.id} is lower than the previous event's id {previous.id}: rows were "
            "reordered",
        )
    return None


def _check_checkpoint(
    report: Report, checkpoint: Checkpoint, at: tuple[int | None, str] | None
) -> Problem | None:
    """`at` is (id, hash) of the event at the checkpoint's head seq, if there is one."""
    if report.head_seq < checkpoint.head_seq or (
        report.first_seq == 1 and report.count < checkpoint.count
    ):
        removed = checkpoint.head_seq - report.head_seq
        return Problem(
            "row count less than checkpoint",
            None,
            None,
            f"the log has {report.count} events (up to seq {report.head_seq}) but the checkpoint "
            f"of {checkpoint.created} recorded {checkpoint.count}: {removed} "
            f"event{'s' if removed != 1 else ''} (the newest, after seq {report.head_seq}) "
            "were removed",
        )
    if at is None or at[1] != checkpoint.head_hash:
        return Problem(
            "hash mismatch",
            checkpoint.head_seq,
            None if at is None else at[0],
            f"the checkpoint of {checkpoint.created} recorded hash {checkpoint.head_hash[:16]}... "
            "for this event: the history up to the checkpoint was rewritten",
        )
    return None
