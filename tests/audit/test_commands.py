"""The signing key's first use, checkpoint output, and `audit export` as JSON lines."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from postguard.audit import chain
from postguard.audit.log import record
from postguard.audit.models import AuditEvent
from postguard.settings.audit import signing_key_path
from postguard.settings.env import SettingError


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("audit", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_signing_key_is_created_on_first_use_with_0600(db: None, key_file: Path) -> None:
    record("x.create", actor_name="system")
    out, err = run("checkpoint")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert f"Created a new audit signing key at {key_file} (permissions 0600" in err
    checkpoint = json.loads(out)
    assert checkpoint["count"] == 1
    assert checkpoint["head_seq"] == 1
    assert checkpoint["head_hash"] == AuditEvent.objects.get(seq=1).hash
    assert checkpoint["format"] == "postguard-audit-checkpoint/1"
    _, err = run("checkpoint")
    assert "Created" not in err  # the same key is used from then on


def test_a_key_readable_by_others_is_warned_about(db: None, key_file: Path) -> None:
    run("checkpoint")
    key_file.chmod(0o644)
    _, err = run("checkpoint")
    assert f"can be read by other users; run: chmod 600 {key_file}" in err


def test_a_checkpoint_is_itself_recorded(db: None, key_file: Path) -> None:
    record("x.create", actor_name="system")
    run("checkpoint")
    event = AuditEvent.objects.get(seq=2)
    assert event.action == "audit.checkpoint"
    assert event.after is not None
    assert event.after["count"] == 1


def test_a_broken_log_is_not_signed(db: None, key_file: Path) -> None:
    AuditEvent.objects.create(seq=2, time=record("x").time, action="x", prev_hash="0", hash="1")
    with pytest.raises(CommandError, match="refusing to sign a broken audit log"):
        run("checkpoint")


def test_a_key_that_is_not_a_key_is_named(db: None, key_file: Path) -> None:
    key_file.parent.mkdir(parents=True)
    key_file.write_text("not a key")
    with pytest.raises(CommandError, match="is not an unencrypted PEM private key"):
        run("checkpoint")


def test_the_key_path_setting(tmp_path: Path) -> None:
    assert signing_key_path(tmp_path, {}) == tmp_path / "audit-signing-key.pem"
    chosen = {"POSTGUARD_AUDIT_SIGNING_KEY_FILE": "/etc/postguard/audit.pem"}
    assert signing_key_path(tmp_path, chosen) == Path("/etc/postguard/audit.pem")
    with pytest.raises(SettingError, match="set POSTGUARD_AUDIT_SIGNING_KEY_FILE to the path"):
        signing_key_path(tmp_path, {"POSTGUARD_AUDIT_SIGNING_KEY": "inline"})
    with pytest.raises(SettingError, match="is empty"):
        signing_key_path(tmp_path, {"POSTGUARD_AUDIT_SIGNING_KEY_FILE": " "})


def test_export_writes_one_verifiable_json_object_per_line(db: None) -> None:
    record("auth.login", actor_name="lola", after={"password": "nope"})
    record("registry.grant.create", actor_name="lola")
    record("auth.logout", actor_name="lola")
    out, _ = run("export")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["seq"] for line in lines] == [1, 2, 3]
    previous = chain.GENESIS_HASH
    for line in lines:  # what an auditor does off the box with the export
        assert line["prev_hash"] == previous
        assert chain.compute_hash(line) == line["hash"]
        previous = line["hash"]
    assert "nope" not in out
    only_auth, _ = run("export", "--action", "auth.", "--after-seq", "1")
    assert [json.loads(line)["action"] for line in only_auth.splitlines()] == ["auth.logout"]


def test_export_by_time_and_to_a_file(db: None, tmp_path: Path) -> None:
    record("x.one", actor_name="system")
    target = tmp_path / "events.jsonl"
    _, err = run("export", "--since", "2000-01-01", "--until", "2999-01-01", "--out", str(target))
    assert err.strip() == f"Exported 1 events to {target}"
    assert json.loads(target.read_text())["action"] == "x.one"
    out, _ = run("export", "--since", "2999-01-01T00:00:00Z")
    assert out == ""
    with pytest.raises(CommandError, match="--since 'last week' is not a date or time; use"):
        run("export", "--since", "last week")
