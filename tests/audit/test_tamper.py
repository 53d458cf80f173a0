"""A tamperer with SQL access drops the triggers and edits history; `audit verify` names the break.

Each test plays one attack through raw SQL on the test database (SQLite or PostgreSQL) and checks
that `postguard audit verify` fails, naming the first broken link: seq, id and what is wrong.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from postguard.audit import chain
from postguard.audit.log import event_fields, record
from postguard.audit.models import AuditEvent
from tests.audit.conftest import drop_triggers, raw, row

Checkpointer = Callable[[], Path]


def verify(*args: str) -> str:
    out = io.StringIO()
    call_command("audit", "verify", *args, stdout=out)
    return out.getvalue()


def broken(*args: str) -> tuple[str, int]:
    with pytest.raises(CommandError) as caught:
        verify(*args)
    return str(caught.value), caught.value.returncode


def rehash_from(seq: int) -> None:
    """The careful tamperer: recompute every hash from `seq` on, so the chain links again."""
    previous = row(seq - 1).hash if seq > 1 else chain.GENESIS_HASH
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        event.prev_hash = previous
        event.hash = chain.compute_hash(event_fields(event))
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
        previous = event.hash


def test_an_untouched_log_verifies(five_events: list[AuditEvent]) -> None:
    assert verify().startswith("OK: 5 events, seq 1 to 5, chain intact; head hash ")


def test_an_empty_log_verifies(db: None) -> None:
    assert verify().startswith("OK: 0 events")


def test_editing_a_row_is_a_hash_mismatch(five_events: list[AuditEvent]) -> None:
    drop_triggers()
    raw("UPDATE audit_auditevent SET actor_name = %s WHERE seq = 3", ["Someone Else"])
    message, code = broken()
    assert code == 1
    assert message.startswith(f"audit log broken at seq 3 (id {five_events[2].pk}): hash mismatch")
    assert "changed after it was written" in message


def test_editing_a_snapshot_is_a_hash_mismatch(five_events: list[AuditEvent]) -> None:
    drop_triggers()
    raw("UPDATE audit_auditevent SET after = %s WHERE seq = 2", ['{"mfa_method": "none"}'])
    message, _ = broken()
    assert f"seq 2 (id {five_events[1].pk}): hash mismatch" in message


def test_editing_a_row_and_its_hash_breaks_the_next_link(five_events: list[AuditEvent]) -> None:
    drop_triggers()
    raw("UPDATE audit_auditevent SET actor_name = %s WHERE seq = 3", ["Someone Else"])
    event = row(3)
    raw(
        "UPDATE audit_auditevent SET hash = %s WHERE seq = 3",
        [chain.compute_hash(event_fields(event))],
    )
    message, _ = broken()
    assert f"seq 4 (id {five_events[3].pk}): prev_hash mismatch" in message
    assert "the event before it was rewritten" in message


def test_deleting_a_row_is_a_gap(five_events: list[AuditEvent]) -> None:
    drop_triggers()
    raw("DELETE FROM audit_auditevent WHERE seq = 3")
    message, _ = broken()
    assert (
        f"seq 4 (id {five_events[3].pk}): gap in seq: after seq 2 comes seq 4: event 3 is missing"
        in message
    )


def test_deleting_the_first_rows_is_a_gap(five_events: list[AuditEvent]) -> None:
    drop_triggers()
    raw("DELETE FROM audit_auditevent WHERE seq <= 2")
    message, _ = broken()
    assert "seq 3" in message
    assert "gap in seq: the log starts at seq 3: events 1 to 2 are missing" in message


def test_reordering_events_breaks_the_chain(five_events: list[AuditEvent]) -> None:
    drop_triggers()
    raw("UPDATE audit_auditevent SET seq = 1000 WHERE seq = 2")
    raw("UPDATE audit_auditevent SET seq = 2 WHERE seq = 3")
    raw("UPDATE audit_auditevent SET seq = 3 WHERE seq = 1000")
    message, _ = broken()
    assert f"seq 2 (id {five_events[2].pk}): prev_hash mismatch" in message


def test_reordering_rows_by_id_is_named(five_events: list[AuditEvent]) -> None:
    drop_triggers()
    second, third = five_events[1].pk, five_events[2].pk
    raw("UPDATE audit_auditevent SET id = %s WHERE id = %s", [10_000, second])
    raw("UPDATE audit_auditevent SET id = %s WHERE id = %s", [second, third])
    raw("UPDATE audit_auditevent SET id = %s WHERE id = %s", [third, 10_000])
    message, _ = broken()
    assert f"seq 3 (id {second}): out of order: id {second} is lower" in message


def test_a_forged_row_inserted_in_the_middle_is_caught(five_events: list[AuditEvent]) -> None:
    drop_triggers()
    raw("UPDATE audit_auditevent SET seq = 6 WHERE seq = 5")
    raw("UPDATE audit_auditevent SET seq = 5 WHERE seq = 4")
    forged = AuditEvent(
        seq=4,
        time=row(3).time,
        actor_name="Lola Lead <lola@example.gov>",
        action="registry.grant.create",
        prev_hash=row(3).hash,
    )
    forged.hash = chain.compute_hash(event_fields(forged))
    forged.save(force_insert=True)
    message, _ = broken()
    # The forged row links correctly; the genuine event after it no longer does.
    assert f"seq 5 (id {five_events[3].pk}): " in message


def test_a_forged_row_appended_with_a_made_up_hash_is_caught(
    five_events: list[AuditEvent],
) -> None:
    forged = AuditEvent.objects.create(
        seq=6, time=timezone.now(), action="auth.login", prev_hash=row(5).hash, hash="f" * 64
    )
    message, _ = broken()
    assert f"seq 6 (id {forged.pk}): hash mismatch" in message


def test_removing_the_newest_events_is_caught_by_a_checkpoint(
    five_events: list[AuditEvent], checkpoint: Checkpointer
) -> None:
    taken = checkpoint()  # covers events 1-5; it records event 6, "audit.checkpoint", itself
    record("registry.grant.revoke", actor_name="Lola Lead")
    drop_triggers()
    raw("DELETE FROM audit_auditevent WHERE seq >= 4")
    assert verify().startswith("OK: 3 events")  # the chain alone cannot see a clean truncation
    message, code = broken("--checkpoint", str(taken))
    assert code == 1
    assert "row count less than checkpoint: the log has 3 events (up to seq 3) but the" in message
    assert "recorded 5: 2 events (the newest, after seq 3) were removed" in message


def test_rewriting_all_of_history_is_caught_by_a_checkpoint(
    five_events: list[AuditEvent], checkpoint: Checkpointer
) -> None:
    taken = checkpoint()
    drop_triggers()
    raw("UPDATE audit_auditevent SET actor_name = %s WHERE seq = 2", ["Nobody"])
    rehash_from(2)
    assert verify().startswith("OK: 6 events")  # a consistent forgery, without the checkpoint
    message, _ = broken("--checkpoint", str(taken))
    assert f"seq 5 (id {five_events[4].pk}): hash mismatch: the checkpoint of" in message
    assert "the history up to the checkpoint was rewritten" in message


def test_an_intact_log_covers_its_checkpoint(
    five_events: list[AuditEvent], checkpoint: Checkpointer
) -> None:
    taken = checkpoint()
    record("registry.grant.revoke", actor_name="Lola Lead")
    out = verify("--checkpoint", str(taken))
    assert "OK: 7 events" in out
    assert "(5 events, signed by sha256:" in out
    assert "nothing up to it was removed or changed" in out


def test_an_edited_checkpoint_does_not_verify(
    five_events: list[AuditEvent], checkpoint: Checkpointer
) -> None:
    taken = checkpoint()
    data = json.loads(taken.read_text())
    data["count"] = 2  # pretend the checkpoint was taken earlier, to hide a truncation
    taken.write_text(json.dumps(data))
    message, code = broken("--checkpoint", str(taken))
    assert code == 2
    assert "has a signature that does not verify: it was altered after it was signed" in message


def test_a_checkpoint_from_another_key_is_named(
    five_events: list[AuditEvent],
    checkpoint: Checkpointer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taken = checkpoint()
    monkeypatch.setenv("POSTGUARD_AUDIT_SIGNING_KEY_FILE", str(tmp_path / "other.pem"))
    call_command("audit", "checkpoint", stdout=io.StringIO(), stderr=io.StringIO())
    message, code = broken("--checkpoint", str(taken))
    assert code == 2
    assert "was signed by key sha256:" in message
    assert "not by this key" in message


def test_verify_with_an_exported_public_key(
    five_events: list[AuditEvent], checkpoint: Checkpointer, tmp_path: Path, key_file: Path
) -> None:
    taken = checkpoint()
    public = tmp_path / "audit.pub"
    out = io.StringIO()
    call_command("audit", "public-key", stdout=out)
    public.write_text(out.getvalue())
    key_file.unlink()  # an auditor off the box has only the public key
    assert "is covered" in verify("--checkpoint", str(taken), "--public-key", str(public))
    message, code = broken("--checkpoint", str(taken))
    assert code == 2
    assert "no audit signing key at" in message
