"""The registry's commands, run through the `postguard` entry point as a person would."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from django.db import connections

from postguard.audit.models import AuditEvent
from postguard.cli.main import main
from postguard.registry.demo import DEMO_DOMAIN
from postguard.registry.models import DirectoryEntry, Grant, Person, PlatformAccount
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def run(command: str, *args: str) -> int:
    # Django closes the database connection when a command ends; inside a test's transaction
    # on PostgreSQL that would end the test, so the close is skipped here. The system checks
    # have their own test; here they would only repeat for every command.
    with mock.patch.object(connections, "close_all"):
        return main([command, "--skip-checks", *args])


def test_grant_and_revoke_as_a_lead(cast: Cast, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        "grant",
        "nora@example.gov",
        "contributor",
        "--account",
        "bluesky:examplecounty.bsky.social",
        "--reason",
        "photos",
        "--as",
        "lola@example.gov",
    )
    assert code == 0, capsys.readouterr().err
    assert "granted: Nora as contributor (Bluesky examplecounty.bsky.social)" in (
        capsys.readouterr().out
    )
    assert (
        run(
            "revoke",
            "nora@example.gov",
            "contributor",
            "--account",
            str(cast.bluesky.pk),
            "--reason",
            "done",
            "--as",
            "lola@example.gov",
        )
        == 0
    )
    assert not Grant.objects.active().filter(person__user=cast.nora).exists()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("grant", "nora@example.gov", "boss", "--reason", "x"), 2, "invalid choice: 'boss'"),
        (
            ("grant", "nora@example.gov", "editor", "--reason", "x"),
            2,
            "editor is granted per platform account",
        ),
        (
            ("grant", "nora@example.gov", "editor", "--account", "myspace", "--reason", "x"),
            2,
            "give an account id",
        ),
        (
            ("grant", "who@example.gov", "auditor", "--reason", "x"),
            2,
            "no team member has the email 'who@example.gov'",
        ),
        (
            ("grant", "nora@example.gov", "auditor", "--reason", "x", "--as", "eddie@example.gov"),
            3,
            "permission denied: Eddie <eddie@example.gov> may not grant.create",
        ),
        (
            ("grant", "nora@example.gov", "auditor", "--reason", "x", "--as", "ghost@example.gov"),
            2,
            "--as ghost@example.gov: no user has this email",
        ),
        (("offboard", "eddie@example.gov"), 2, "the following arguments are required: --reason"),
        (
            ("revoke", "eddie@example.gov", "lead", "--reason", "x"),
            2,
            "Eddie holds no active lead grant",
        ),
    ],
)
def test_bad_input_exits_2_with_a_precise_message(
    cast: Cast, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], code: int, message: str
) -> None:
    assert run(*args) == code
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_offboard_from_the_command_line(cast: Cast, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("offboard", "sam@example.gov", "--reason", "left", "--as", "lola@example.gov") == 0
    out = capsys.readouterr().out
    assert "offboarded Sam: 1 grant(s) revoked" in out
    assert "flagged for rotation: Bluesky examplecounty.bsky.social" in out
    assert Person.objects.get(user=cast.sam).status == Person.Status.OFFBOARDED
    event = AuditEvent.objects.get(action="registry.person.offboard")
    assert event.device == "cli"


def test_import_directory_all_or_nothing(
    cast: Cast, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "staff.csv"
    path.write_text("name,email\nJane Smith,jane@example.gov\nBo,not-mail\n", encoding="utf-8")
    assert run("import-directory", str(path)) == 2
    err = capsys.readouterr().err
    assert "1 error; nothing was imported" in err
    assert "row 3, email" in err
    assert DirectoryEntry.objects.count() == 0
    assert run("import-directory", str(path), "--skip-invalid") == 0
    captured = capsys.readouterr()
    assert "1 added, 0 updated, 0 unchanged; 1 invalid row skipped" in captured.out
    assert "skipped row 3, email" in captured.err
    assert run("import-directory", str(tmp_path / "missing.csv")) == 2
    assert "cannot read the file" in capsys.readouterr().err


def test_accounts_lists_posture_for_those_who_may_see_it(
    cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    PlatformAccount.objects.filter(pk=cast.mastodon.pk).update(login_email="ana@gmail.com")
    assert run("accounts", "--as", "ada@example.gov") == 0
    out = capsys.readouterr().out
    assert "the login email ana@gmail.com is not on an organization domain" in out
    assert "organization score:" in out
    assert run("accounts", "--as", "eddie@example.gov") == 0
    out = capsys.readouterr().out
    assert "bluesky examplecounty.bsky.social" in out
    assert "mastodon" not in out
    assert "score" not in out


def test_policy_versions_from_the_command_line(
    cast: Cast, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(cast.policy.yaml_text.replace("90", "30"), encoding="utf-8")
    assert run("policy-version", "propose", str(path), "--as", "sam@example.gov") == 0
    assert "+  rotation_days: 30" in capsys.readouterr().out
    assert run("policy-version", "approve", "2", "--as", "ada@example.gov") == 3
    assert run("policy-version", "approve", "2", "--as", "lola@example.gov") == 0
    assert run("policy-version", "list") == 0
    assert "2  active" in capsys.readouterr().out
    path.write_text("organization: X\ndomains: [not a domain]\n", encoding="utf-8")
    assert run("policy-version", "propose", str(path), "--as", "sam@example.gov") == 2
    assert f"{path}:2:" in capsys.readouterr().err


def test_demo_is_idempotent_and_prints_sign_ins(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("demo") == 0
    first = capsys.readouterr().out
    assert "Created the demo organization" in first
    assert f"lucia.lane@{DEMO_DOMAIN}" in first
    counts = (
        Person.objects.count(),
        Grant.objects.count(),
        PlatformAccount.objects.count(),
        DirectoryEntry.objects.count(),
    )
    assert run("demo") == 0
    assert "already loaded" in capsys.readouterr().out
    assert counts == (
        Person.objects.count(),
        Grant.objects.count(),
        PlatformAccount.objects.count(),
        DirectoryEntry.objects.count(),
    )
    assert run("accounts") == 0
    out = capsys.readouterr().out
    assert "multi-factor authentication is off" in out
    assert "MFA uses SMS" in out


def test_demo_refuses_another_organizations_installation(
    cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("demo") == 2
    assert "belongs to 'Example County'" in capsys.readouterr().err


def test_accounts_are_added_changed_and_rotated_from_the_command_line(
    cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    lead = ("--as", "lola@example.gov")
    assert run("account-add", "x", "@ExampleCounty", "--login-email", "pat@gmail.com", *lead) == 0
    account = PlatformAccount.objects.get(platform="x", handle="@ExampleCounty")
    assert account.login_email == "pat@gmail.com"
    capsys.readouterr()
    assert run("accounts", *lead) == 0
    assert "pat@gmail.com is not on an organization domain" in capsys.readouterr().out
    ref = f"x:{account.handle}"
    assert run("account-change", ref, "--login-email", "social@example.gov", *lead) == 0
    assert run("account-rotated", ref, "--when", "2026-11-01", *lead) == 0
    account.refresh_from_db()
    assert (account.login_email, str(account.last_rotation)) == ("social@example.gov", "2026-11-01")
    actions = list(
        AuditEvent.objects.filter(object_id=str(account.pk)).values_list("action", flat=True)
    )
    assert actions == [
        "registry.account.create",
        "registry.account.change",
        "registry.account.rotate",
    ]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("account-add", "myspace", "@x"), 2, "invalid choice: 'myspace'"),
        (
            ("account-add", "x", "@y", "--login-email", "not-mail"),
            2,
            "login_email: 'not-mail' is not an email address",
        ),
        (("account-change", "bluesky:examplecounty.bsky.social"), 2, "nothing to change"),
        (("account-rotated", "bluesky:nobody"), 2, "no such platform account"),
        (
            ("account-rotated", "bluesky:examplecounty.bsky.social", "--when", "2999-01-01"),
            2,
            "a rotation date cannot be in the future",
        ),
        (
            ("account-add", "x", "@z", "--as", "eddie@example.gov"),
            3,
            "may not account.create",
        ),
        (("device-revoke", "999999", "--reason", "lost"), 2, "no device you may see"),
    ],
)
def test_account_and_device_commands_explain_bad_input(
    cast: Cast, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], code: int, message: str
) -> None:
    assert run(*args) == code
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_devices_are_listed_and_revoked_from_the_command_line(
    cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    from postguard.registry.services import enroll_device

    device, _token = enroll_device(cast.lola, "Comms laptop 9")
    assert run("devices", "--as", "sam@example.gov") == 0
    assert f"[{device.pk}] Comms laptop 9: enrolled" in capsys.readouterr().out
    assert run("device-revoke", str(device.pk), "--reason", "lost", "--as", "sam@example.gov") == 0
    device.refresh_from_db()
    assert device.revoked_at is not None
    assert device.revoke_reason == "lost"
    assert run("devices", "--as", "eddie@example.gov") == 3
