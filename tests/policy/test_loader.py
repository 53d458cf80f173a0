"""The policy loader: every problem with its line, column, key path and what is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from postguard.policy.loader import (
    MAX_ALIASES,
    PolicyError,
    PolicyIssue,
    load_policy,
    load_policy_bytes,
    load_policy_text,
)

MINIMAL = "organization: Example County\ndomains: [example.gov]\n"


def errors_of(text: str) -> list[PolicyIssue]:
    with pytest.raises(PolicyError) as caught:
        load_policy_text(text, source="policy.yaml")
    return caught.value.errors


def only_error(text: str) -> PolicyIssue:
    errors = errors_of(text)
    assert len(errors) == 1, errors
    return errors[0]


def test_a_ten_line_policy_is_valid_and_gets_every_default() -> None:
    policy = load_policy_text(MINIMAL)
    assert policy.organization == "Example County"
    assert policy.domains == ("example.gov",)
    assert policy.credentials.rotation_days == 90
    assert policy.approvals.self_approval is False


@pytest.mark.parametrize(
    ("text", "line", "column", "path", "message", "accepted"),
    [
        (  # a typo at the top level, with the keys that would be accepted
            MINIMAL + "credentals:\n  keeper: lead\n",
            3,
            1,
            "credentals",
            "unknown key 'credentals'; did you mean 'credentials'?",
            "version, organization, domains, role_addresses",
        ),
        (  # a typo one level down names that level's keys
            MINIMAL + "approvals:\n  step: []\n",
            4,
            3,
            "approvals.step",
            "unknown key 'step'; did you mean 'steps'?",
            "steps, self_approval, max_age_hours, override_roles, reply_fast_path",
        ),
        (  # an unknown role inside a list inside a list
            MINIMAL + "approvals:\n  steps:\n    - roles: [reviewer, boss]\n",
            5,
            25,
            "approvals.steps[0].roles[1]",
            "'boss' is not one of the accepted values",
            "lead, security, auditor, editor, reviewer, contributor",
        ),
        (
            MINIMAL + "credentials:\n  rotation_days: ninety\n",
            4,
            18,
            "credentials.rotation_days",
            "'ninety' is not a whole number",
            "a whole number from 1 to 3650",
        ),
        (
            MINIMAL + "credentials:\n  rotation_days: 0\n",
            4,
            18,
            "credentials.rotation_days",
            "greater than or equal to 1",
            "from 1 to 3650",
        ),
        (  # the schema refuses self-approval outright
            MINIMAL + "approvals:\n  self_approval: true\n",
            4,
            18,
            "approvals.self_approval",
            "true is not one of the accepted values",
            "nobody may approve their own post",
        ),
        (
            "organization: X\ndomains: [example.gov, 'not a domain']\n",
            2,
            24,
            "domains[1]",
            "'not a domain' is not a domain name",
            "example.gov",
        ),
        (
            MINIMAL + "ticket_pattern: '(INC-'\n",
            3,
            17,
            "ticket_pattern",
            "not a valid regular expression: missing )",
            "a regular expression",
        ),
        (
            MINIMAL + "rules:\n  pii.email: blok\n",
            4,
            14,
            "rules.pii.email",
            "'blok' is not one of the accepted values",
            "block, review, warn, off",
        ),
        (
            MINIMAL + "role_addresses: [social@elsewhere.org]\n",
            3,
            17,
            "role_addresses",
            "'social@elsewhere.org' is not on one of the organization",
            "a list of",
        ),
        (
            MINIMAL + "incident:\n  templates:\n    - name: breach\n",
            5,
            7,
            "incident.templates[0].text",
            "required key 'text' is missing from incident.templates[0]",
            "text",
        ),
        (
            "organization: Example County\n",
            1,
            1,
            "domains",
            "required key 'domains' is missing from the policy",
            "domain name",
        ),
        (
            MINIMAL + "review: 91\n",
            3,
            9,
            "review",
            "expected a mapping (indented 'key: value' lines), found 91",
            "cadence_days",
        ),
        (
            MINIMAL + "codenames: bluebird\n",
            3,
            12,
            "codenames",
            "expected a list, found 'bluebird'",
            "a list of",
        ),
    ],
)
def test_schema_errors_point_at_the_key_or_value(
    text: str, line: int, column: int, path: str, message: str, accepted: str
) -> None:
    error = only_error(text)
    assert (error.line, error.column, error.path) == (line, column, path)
    assert message in error.message
    assert accepted in error.accepted


def test_every_error_is_reported_at_once_in_file_order() -> None:
    text = (
        "organization: X\n"
        "domains: [example.gov]\n"
        "rulez: {}\n"
        "credentials:\n"
        "  keeper: nobody\n"
        "review:\n"
        "  cadence_days: 91\n"
        "  cadence_days: 30\n"
    )
    errors = errors_of(text)
    assert [(e.line, e.path) for e in errors] == [
        (3, "rulez"),
        (5, "credentials.keeper"),
        (8, "review.cadence_days"),
    ]


def test_the_message_names_file_line_column_path_and_what_is_accepted() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy_text(MINIMAL + "media:\n  max_imges: 3\n", source="county.yaml")
    assert str(caught.value) == (
        "county.yaml:4:3: media.max_imges: unknown key 'max_imges'; did you mean 'max_images'? "
        "(accepted: alt_text_required, max_images)"
    )
    assert isinstance(caught.value, ValueError)


def test_a_duplicate_key_is_an_error_not_last_wins() -> None:
    error = only_error("organization: A\norganization: B\ndomains: [example.gov]\n")
    assert (error.line, error.column, error.path) == (2, 1, "organization")
    assert "duplicate key 'organization' (first defined at line 1, column 1)" in error.message


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("organization: X\ndomains:\n\t- example.gov\n", 3, 1, "tab"),
        ("organization: X\n  domains: [example.gov]\n", 2, 10, "mapping values are not allowed"),
        ("organization: X\ndomains: [example.gov\n", 3, 1, "expected ',' or ']'"),
        ("organization: 'unterminated\n", 2, 1, "unexpected end of stream"),
        ("organization: X\n---\norganization: Y\n", 2, 1, "expected a single document"),
        ("organization: X\ndomains: [*nowhere]\n", 2, 11, "undefined alias"),
    ],
)
def test_malformed_yaml_has_a_place(text: str, line: int, column: int, message: str) -> None:
    error = only_error(text)
    assert (error.line, error.column) == (line, column)
    assert message in error.message
    assert error.message.startswith("malformed YAML")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("", "nothing (the file is empty)"),
        ("# only a comment\n", "nothing (the file is empty)"),
        ("- organization: X\n", "a list"),
        ("just words\n", "the text 'just words'"),
        ("42\n", "the number 42"),
    ],
)
def test_the_root_must_be_a_mapping(text: str, found: str) -> None:
    error = only_error(text)
    assert (error.line, error.column) == (1, 1)
    assert error.message == f"the policy must be a mapping of keys, found {found}"


def test_not_utf8_names_the_byte_offset_line_and_column() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy_bytes(b"organization: X\ndomains: [caf\xe9.example]\n", source="p.yaml")
    (error,) = caught.value.errors
    assert (error.line, error.column) == (2, 14)
    assert error.message == "not UTF-8: byte 0xE9 at byte offset 29 cannot be decoded"
    assert "UTF-8" in error.accepted


def test_utf16_is_named_and_a_utf8_bom_is_fine() -> None:
    with pytest.raises(PolicyError, match="UTF-16"):
        load_policy_bytes(MINIMAL.encode("utf-16"))
    assert load_policy_bytes(b"\xef\xbb\xbf" + MINIMAL.encode()).organization == "Example County"


def test_control_characters_are_refused_with_their_place() -> None:
    error = only_error("organization: X\ndomains: [exa\x07mple.gov]\n")
    assert (error.line, error.column) == (2, 14)
    assert "U+0007" in error.message


def test_an_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(MINIMAL + "codenames:\n" + "  - word\n" * 200, encoding="utf-8")
    with pytest.raises(PolicyError, match="larger than 1000 bytes"):
        load_policy(path, max_bytes=1000)
    assert load_policy(path).codenames == ("word",) * 200


def test_an_alias_bomb_is_stopped() -> None:
    lines = ["organization: X", "domains: [example.gov]", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    errors = errors_of("\n".join(lines) + "\n")
    assert any("expands to more than" in e.message and e.line >= 3 for e in errors)


def test_too_many_aliases_are_refused() -> None:
    text = (
        "organization: X\ndomains: [example.gov]\nx: &x 1\ny: ["
        + ", ".join(["*x"] * (MAX_ALIASES + 1))
        + "]\n"
    )
    error = only_error(text)
    assert error.line == 4
    assert f"more than {MAX_ALIASES} aliases" in error.message


def test_a_recursive_alias_is_refused() -> None:
    error = errors_of(MINIMAL + "codenames: &c [a, *c]\n")[0]
    assert error.line == 3
    assert "refers to the value that contains it" in error.message


def test_deep_nesting_is_refused() -> None:
    error = only_error(MINIMAL + "codenames: " + "[" * 500 + "]" * 500 + "\n")
    assert error.line == 3
    assert "nested more than" in error.message


def test_tags_never_build_objects() -> None:
    error = only_error(MINIMAL + "codenames: !!python/object/apply:os.system ['true']\n")
    assert error.line == 3
    assert "YAML tags" in error.message


def test_yaml_1_1_booleans_stay_text() -> None:
    # "no" is Norway's country code, not false.
    policy = load_policy_text(MINIMAL + "codenames: [yes, no, on, off]\n")
    assert policy.codenames == ("yes", "no", "on", "off")


def test_aliases_within_limits_work() -> None:
    text = (
        MINIMAL
        + "internal_domains: &internal [corp.example.gov]\nallowed_link_domains: *internal\n"
    )
    policy = load_policy_text(text)
    assert policy.allowed_link_domains == ("corp.example.gov",)


def test_rule_ids_are_checked_when_the_engine_names_them() -> None:
    text = MINIMAL + "rules:\n  pii.emial: off\n  pii.phone: warn\n"
    assert load_policy_text(text).rules["pii.emial"] == "off"  # the schema alone cannot know
    with pytest.raises(PolicyError) as caught:
        load_policy_text(text, rule_ids={"pii.email", "pii.phone"})
    (error,) = caught.value.errors
    assert (error.line, error.column, error.path) == (4, 3, "rules.pii.emial")
    assert error.message == "unknown rule id 'pii.emial'; did you mean 'pii.email'?"
    assert error.accepted == "pii.email, pii.phone"


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path / "absent.yaml")
    assert (
        str(caught.value)
        == f"{tmp_path / 'absent.yaml'}: (top level): cannot be read: No such file or directory"
    )
