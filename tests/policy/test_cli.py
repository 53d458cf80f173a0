"""`postguard policy init` and `postguard policy check`, as a person at a terminal uses them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from postguard.cli.policy import known_rule_ids, run
from postguard.policy.loader import load_policy


def test_init_writes_a_starter_policy_that_passes_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "policy.yaml"
    assert run(["init", str(path)]) == 0
    assert run(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}: valid" in out
    assert "credentials: kept by security, rotated every 90 days, MFA required" in out


def test_the_starter_policy_encodes_the_seed_guidance(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    run(["init", str(path), "--organization", "Springfield County", "--domain", "springfield.gov"])
    text = path.read_text(encoding="utf-8")
    policy = load_policy(path)
    assert policy.organization == "Springfield County"
    assert policy.domains == ("springfield.gov",)
    # role addresses, not personal ones; never two identifiers; zero trust; quarterly review;
    # the credential keeper and rotation; MFA that is not SMS; devices; photos away from desks.
    assert "social" in policy.role_addresses
    assert policy.rules["identity.exposure"] == "block"
    assert policy.rules["email.personal_address"] == "block"
    assert "more than one" in text
    assert "identifier" in text
    assert policy.approvals.self_approval is False
    assert "Zero trust" in text
    assert policy.review.cadence_days <= 92
    assert "quarterly" in text
    assert policy.credentials.keeper == "security"
    assert policy.credentials.rotation_days == 90
    assert policy.credentials.mfa_required
    assert "sms" not in policy.credentials.mfa_methods_allowed
    assert policy.devices.personal_devices_may == ("draft",)
    assert "away from workspaces" in text
    assert policy.media.alt_text_required


def test_init_to_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["init", "-", "--organization", "Springfield Schools"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Postguard policy")
    assert 'organization: "Springfield Schools"' in out


def test_init_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("mine\n", encoding="utf-8")
    assert run(["init", str(path)]) == 1
    assert "already exists; not overwritten (use --force" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == "mine\n"
    assert run(["init", str(path), "--force"]) == 0
    assert load_policy(path).organization == "Example County"


def test_init_with_a_bad_domain_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "policy.yaml"
    assert run(["init", str(path), "--domain", "not a domain"]) == 2
    assert "'not a domain' is not a domain name" in capsys.readouterr().err
    assert not path.exists()


def test_init_names_like_yaml_are_quoted_safely(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    assert run(["init", str(path), "--organization", 'O\'Brien: "Parks" # & *Rec']) == 0
    assert load_policy(path).organization == 'O\'Brien: "Parks" # & *Rec'


def test_check_prints_every_error_with_line_and_column_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "organization: X\ndomains: [example.gov]\ncredentials:\n  keper: lead\n"
        "  rotation_days: -5\n",
        encoding="utf-8",
    )
    assert run(["check", str(path)]) == 2
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{path}:4:3: credentials.keper: unknown key 'keper'; did you mean")
    assert out[1].startswith(f"{path}:5:18: credentials.rotation_days: ")
    assert out[2] == f"{path}: 2 errors; the policy is not valid"


def test_check_knows_the_vetting_engines_rule_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "organization: X\ndomains: [example.gov]\nrules:\n  identity.exposur: off\n",
        encoding="utf-8",
    )
    assert run(["check", str(path)]) == 2
    assert (
        f"{path}:4:3: rules.identity.exposur: unknown rule id 'identity.exposur'; "
        "did you mean 'identity.exposure'?" in capsys.readouterr().out
    )


def test_the_starter_policy_names_only_real_rules(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    run(["init", str(path)])
    assert set(load_policy(path).rules) <= known_rule_ids()
    assert {"identity.exposure", "pii.email", "secret.credential"} <= known_rule_ids()


def test_the_size_limit_is_configurable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "policy.yaml"
    run(["init", str(path)])
    monkeypatch.setenv("POSTGUARD_POLICY_MAX_BYTES", "2KiB")
    assert run(["check", str(path)]) == 2
    assert f"{path}:1:1: (top level): the file is larger than 2048 bytes" in capsys.readouterr().out
    monkeypatch.setenv("POSTGUARD_POLICY_MAX_BYTES", "lots")
    assert run(["check", str(path)]) == 2
    assert "POSTGUARD_POLICY_MAX_BYTES='lots' is not a size" in capsys.readouterr().err


def test_check_of_a_missing_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["check", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot be read: No such file or directory" in capsys.readouterr().out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([]) == 2
    assert run(["frobnicate"]) == 2
    assert run(["--help"]) == 0


def test_the_installed_command_runs_without_django(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    code = (
        "import sys; from postguard.cli.main import main; rc = main(sys.argv[1:]); "
        "assert 'django' not in sys.modules, 'policy commands must not import Django'; "
        "sys.exit(rc)"
    )
    for argv in (["policy", "init", str(path)], ["policy", "check", str(path)]):
        done = subprocess.run(
            [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
