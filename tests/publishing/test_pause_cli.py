"""`postguard pause`, `resume`, `pauses` and `alerts`, run through the entry point as a person
would (`integrity-check` runs against the real PDS in test_integrity.py)."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest
from django.db import connections

from postguard.cli.main import main
from postguard.publishing.models import IntegrityAlert, Pause

pytestmark = pytest.mark.django_db


def run(command: str, *args: str) -> int:
    # Django closes the connection when a command ends; inside a test's transaction on
    # PostgreSQL that would end the test (as in tests/registry/test_commands.py).
    with mock.patch.object(connections, "close_all"):
        return main([command, "--skip-checks", *args])


def test_pause_list_and_resume(cast: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        "pause", "--account", "bluesky:examplecounty.bsky.social", "--reason", "suspected takeover"
    )
    assert code == 0, capsys.readouterr().err
    held = Pause.objects.get()
    out = capsys.readouterr().out
    assert out.startswith(f"paused [{held.pk}] {cast.bluesky}: paused by system (local operator)")
    assert out.rstrip().endswith("suspected takeover")

    assert run("pauses", "--active") == 0
    assert f"[{held.pk}] {cast.bluesky}: ACTIVE; paused " in capsys.readouterr().out

    assert run("resume", str(held.pk), "--note", "reset", "--as", "sam@example.gov") == 0
    assert capsys.readouterr().out == (
        f"resumed pause {held.pk} of {cast.bluesky}: 0 posts released to publish, "
        "0 sent back to review (past their publish window)\n"
    )
    assert run("pauses", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["resumed_by"] == "Sam <sam@example.gov>"
    assert rows[0]["resume_note"] == "reset"


def test_the_organization_is_paused_with_a_flag(
    cast: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("pause", "--organization", "--reason", "incident", "--as", "lola@example.gov") == 0
    assert Pause.objects.get().account is None
    assert "the whole organization" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--organization"], 2, "the following arguments are required: --reason"),
        (["--reason", "x"], 2, "one of the arguments --account --organization is required"),
        (
            ["--organization", "--reason", " "],
            2,
            "postguard pause: error: --reason: say why publishing stops",
        ),
        (
            ["--account", "mastodon:nobody", "--reason", "x"],
            2,
            "--account 'mastodon:nobody': no such platform account",
        ),
        (
            ["--organization", "--reason", "x", "--as", "eddie@example.gov"],
            3,
            "permission denied: Eddie <eddie@example.gov> may not publishing.pause",
        ),
    ],
)
def test_pause_refuses_with_a_precise_message(
    cast: Any, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    assert run("pause", *args) == code
    assert message in capsys.readouterr().err
    assert not Pause.objects.exists()


def test_a_second_pause_and_an_unknown_pause_are_refused(
    cast: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    run("pause", "--organization", "--reason", "first")
    capsys.readouterr()
    assert run("pause", "--organization", "--reason", "second") == 2
    assert "the whole organization is already paused by system" in capsys.readouterr().err
    assert run("resume", "999999") == 2
    assert "PAUSE_ID 999999: no such pause" in capsys.readouterr().err


def test_alerts_lists_the_open_ones_one_may_see(
    cast: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    IntegrityAlert.objects.create(
        account=cast.bluesky,
        kind=IntegrityAlert.Kind.DELETED,
        remote_id="at://did:plc:abc/app.bsky.feed.post/3k",
        url="https://bsky.app/profile/did:plc:abc/post/3k",
    )
    IntegrityAlert.objects.create(
        account=cast.mastodon, kind=IntegrityAlert.Kind.UNKNOWN_POST, remote_id="110"
    )
    assert run("alerts", "--as", "eddie@example.gov") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert lines[0].endswith(
        "a post Postguard published was deleted on the platform, outside Postguard: "
        "https://bsky.app/profile/did:plc:abc/post/3k"
    )
    assert run("alerts", "--json") == 0
    assert {row["kind"] for row in json.loads(capsys.readouterr().out)} == {
        "deleted",
        "unknown_post",
    }
    assert run("alerts", "--as", "nora@example.gov") == 3
