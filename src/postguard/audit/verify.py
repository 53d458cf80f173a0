"""Walks the chain from the first event and names the first broken link; checks checkpoints."""

from __future__ import annotations

from dataclasses import dataclass, field

from postguard.audit import chain
from postguard.audit.log import event_fields
from postguard.audit.models import AuditEvent
from postguard.audit.signing import Checkpoint


@dataclass(frozen=True)
class Problem:
    # "hash mismatch", "prev_hash mismatch", "gap in seq", "out of order",
    # "row count less than checkpoint"
    kind: str
    seq: int | None
    id: int | None
    detail: str

    def __str__(self) -> str:
        where = f"seq {self.seq} (id {self.id})" if self.id is not None else f"seq {self.seq}"
        return (
            f"{where}: {self.kind}: {self.detail}"
            if self.seq is not None
            else (f"{self.kind}: {self.detail}")
        )


@dataclass
class Report:
    count: int = 0
    head_seq: int = 0
    head_hash: str = chain.GENESIS_HASH
    problems: list[Problem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_chain(using: str = "default", checkpoint: Checkpoint | None = None) -> Report:
    """Check every event's hash and link, stopping at the first broken link."""
    report = Report()
    previous: AuditEvent | None = None
    events = AuditEvent.objects.using(using).order_by("seq").iterator(chunk_size=2000)
    for event in events:
        report.count += 1
        problem = _check_link(event, previous)
        if problem is not None:
            report.problems.append(problem)
            break
        previous = event
        report.head_seq, report.head_hash = event.seq, event.hash
    if report.problems:
        report.count = AuditEvent.objects.using(using).count()
    if checkpoint is not None and not report.problems:
        problem = _check_checkpoint(report, checkpoint, using)
        if problem is not None:
            report.problems.append(problem)
    return report


def _check_link(event: AuditEvent, previous: AuditEvent | None) -> Problem | None:
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
        return Problem("gap in seq", event.seq, event.pk, f"{where}: {missing}")
    expected_prev = chain.GENESIS_HASH if previous is None else previous.hash
    if event.prev_hash != expected_prev:
        before = "the start of the log" if previous is None else f"seq {previous.seq}"
        return Problem(
            "prev_hash mismatch",
            event.seq,
            event.pk,
            f"prev_hash is {event.prev_hash[:16]}... but {before} has hash "
            f"{expected_prev[:16]}...: the event before it was rewritten, or this one forged",
        )
    computed = chain.compute_hash(event_fields(event))
    if computed != event.hash:
        return Problem(
            "hash mismatch",
            event.seq,
            event.pk,
            f"stored hash {event.hash[:16]}... but the contents hash to {computed[:16]}...: "
            "the event was changed after it was written",
        )
    if previous is not None and event.pk < previous.pk:
        return Problem(
            "out of order",
            event.seq,
            event.pk,
            f"id {event.pk} is lower than the previous event's id {previous.pk}: rows were "
            "reordered",
        )
    return None


def _check_checkpoint(report: Report, checkpoint: Checkpoint, using: str) -> Problem | None:
    if report.count < checkpoint.count or report.head_seq < checkpoint.head_seq:
        removed = checkpoint.count - report.count
        return Problem(
            "row count less than checkpoint",
            None,
            None,
            f"the log has {report.count} events but the checkpoint of {checkpoint.created} "
            f"recorded {checkpoint.count}: {removed} event{'s' if removed != 1 else ''} "
            f"(the newest, after seq {report.head_seq}) were removed",
        )
    at = (
        AuditEvent.objects.using(using)
        .filter(seq=checkpoint.head_seq)
        .values_list("pk", "hash")
        .first()
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
