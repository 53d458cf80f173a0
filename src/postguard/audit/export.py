"""Export events as JSON lines: each line is an event's hashed fields plus its id and hash.

Anyone can re-check an exported line off the box: `chain.compute_hash(line)` must equal
`line["hash"]`, and each line's prev_hash must be the previous line's hash.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Protocol

from postguard.audit import chain
from postguard.audit.log import event_fields
from postguard.audit.models import AuditEvent


class Writer(Protocol):
    def write(self, text: str, /) -> object: ...


def event_line(event: AuditEvent) -> dict[str, Any]:
    fields = event_fields(event)
    fields["time"] = chain.format_time(event.time)
    fields["id"] = event.pk
    fields["hash"] = event.hash
    return fields


def export_events(
    out: Writer,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    after_seq: int | None = None,
    action: str | None = None,
    using: str = "default",
) -> int:
    """Write matching events, oldest first, one JSON object per line; return how many."""
    events = AuditEvent.objects.using(using).order_by("seq")
    if since is not None:
        events = events.filter(time__gte=since)
    if until is not None:
        events = events.filter(time__lt=until)
    if after_seq is not None:
        events = events.filter(seq__gt=after_seq)
    if action:
        events = events.filter(action__startswith=action)
    count = 0
    for event in events.iterator(chunk_size=2000):
        out.write(json.dumps(event_line(event), sort_keys=True, ensure_ascii=False) + "\n")
        count += 1
    return count
