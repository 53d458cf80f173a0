"""The directory CSV parser: valid files, every bad row with its row, field and reason, and
hypothesis for "never crashes, every error names a row"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postguard.vetting.directory import (
    DirectoryError,
    load_directory_csv,
    parse_directory_bytes,
    parse_directory_csv,
    read_directory_csv,
)

HEADER = "name,preferred_name,department,title,email,phone,office,participant"
FULL_HEADER = HEADER + ",consent_date,work_handle,team"


def errors_of(text: str) -> list[tuple[int, str]]:
    return [(e.row, e.field) for e in parse_directory_csv(text, "d.csv").errors]


def test_parses_a_valid_file_with_every_column() -> None:
    text = (
        FULL_HEADER + "\n"
        "Jane Smith,,Accounting,Senior Accountant,Jane.Smith@Example.gov,(555) 010-2000,"
        "Room 214,no,,,\n"
        'Dana Whitfield,Dee,"Parks, Recreation",Parks Director,dana@example.gov,555-010-2010 x12,'
        "Park Office,yes,2026-03-02,@DanaAtParks,Playgrounds\n"
    )
    result = parse_directory_csv(text, "d.csv")
    assert result.ok
    assert result.rows_read == 2
    jane, dana = result.employees
    assert (jane.name, jane.email, jane.participant, jane.row) == (
        "Jane Smith",
        "jane.smith@example.gov",
        False,
        2,
    )
    assert dana.department == "Parks, Recreation"
    assert dana.participant is True
    assert dana.consent_date == dt.date(2026, 3, 2)
    assert dana.work_handle == "DanaAtParks"
    assert (dana.preferred_name, dana.team, dana.row) == ("Dee", "Playgrounds", 3)


def test_only_the_name_column_is_required_and_headers_are_forgiving() -> None:
    result = parse_directory_csv(" Name , Preferred Name\nJane Smith,Janie\n", "d.csv")
    assert result.ok
    assert result.employees[0].preferred_name == "Janie"


def test_byte_order_mark_and_crlf_are_fine() -> None:
    data = ("\ufeff" + HEADER + "\r\nJosé Núñez,,IT,,,,,no\r\n").encode("utf-8")
    result = parse_directory_bytes(data, "d.csv")
    assert result.ok
    assert result.employees[0].name == "José Núñez"


BAD_ROWS = [
    # (rows after the header, [(row, field)])
    (",,IT,,,,,no", [(2, "name")]),
    ("Jane,,,,not-an-email,,,no", [(2, "email")]),
    ("Jane,,,,,,,maybe", [(2, "participant")]),
    ("Jane,,,,,call me,,no", [(2, "phone")]),
    ("Jane,,,,a@example.gov,,,no\nJohn,,,,A@example.gov,,,no", [(3, "email")]),
    ("Jane,,,,,,,no\n\nJohn,,,,,,,maybe", [(4, "participant")]),  # blank lines count as rows
    ("Jane,,,,,,,no,extra", [(2, "")]),  # too many values
    ("Jane,,,", [(2, "")]),  # too few values
    ('"Jane\nSmith",,,,,,,no\nJohn,,,,,,,maybe', [(3, "participant")]),  # a quoted line break
    ("Jane,,,,bad,,,maybe", [(2, "email"), (2, "participant")]),  # every error in a row
]


@pytest.mark.parametrize(("rows", "expected"), BAD_ROWS)
def test_reports_every_bad_row_with_row_number_and_field(
    rows: str, expected: list[tuple[int, str]]
) -> None:
    assert errors_of(HEADER + "\n" + rows + "\n") == expected


def test_participant_needs_a_consent_date() -> None:
    result = parse_directory_csv(FULL_HEADER + "\nJane,,,,,,,yes,,,\n", "d.csv")
    (error,) = result.errors
    assert (error.row, error.field) == (2, "consent_date")
    assert "participant=yes needs a consent date" in error.reason
    assert "YYYY-MM-DD" in error.accepted
    without_column = parse_directory_csv(HEADER + "\nJane,,,,,,,yes\n", "d.csv")
    assert "add a consent_date column" in without_column.errors[0].accepted
    bad_date = parse_directory_csv(FULL_HEADER + "\nJane,,,,,,,yes,31/03/2026,,\n", "d.csv")
    assert [(e.row, e.field) for e in bad_date.errors] == [(2, "consent_date")]


def test_header_problems() -> None:
    assert errors_of("name,departmnet\nJane,IT\n") == [(1, "departmnet")]
    assert errors_of("name,email,email\nJane,a@b.gov,c@d.gov\n") == [(1, "email")]
    assert errors_of("department,title\nIT,Engineer\n") == [(1, "name")]
    assert errors_of("") == [(1, "")]
    assert errors_of(HEADER + "\n") == [(2, "")]  # a header and no employees


def test_valid_and_invalid_rows_are_kept_apart_for_skip_invalid() -> None:
    text = HEADER + "\nJane,,,,,,,no\nBad,,,,x,,,no\nJohn,,,,,,,no\n"
    result = parse_directory_csv(text, "d.csv")
    assert [e.name for e in result.employees] == ["Jane", "John"]
    assert result.invalid_rows == (3,)
    assert not result.ok


def test_wrong_encoding_names_the_byte_offset_and_row() -> None:
    data = (HEADER + "\nJane,,,,,,,no\n").encode() + b"Jos\xe9,,,,,,,no\n"
    (error,) = parse_directory_bytes(data, "d.csv").errors
    assert error.row == 3
    assert f"byte offset {len(HEADER) + 15 + 3}" in error.reason
    assert "0xe9" in error.reason
    assert "UTF-8" in error.accepted


def test_oversized_file_is_refused_with_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "\n" + "Jane,,,,,,,no\n" * 100)
    result = read_directory_csv(path, max_bytes=500)
    (error,) = result.errors
    assert error.row == 0
    assert "larger than the limit of 500 bytes" in error.reason
    assert str(error).startswith("whole file: ")
    assert parse_directory_csv("x" * 600, "d.csv", max_bytes=500).errors[0].row == 0


def test_load_raises_directory_error_listing_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "directory.csv"
    path.write_text(HEADER + "\n,,,,,,,no\nJane,,,,bad,,,no\n")
    with pytest.raises(DirectoryError) as caught:
        load_directory_csv(path)
    message = str(caught.value)
    assert message.splitlines() == [
        f"{path}: 2 errors in the directory file",
        "  row 2, name: the name is missing (accepted: the employee's full name, e.g. "
        "'Jane Smith')",
        "  row 3, email: 'bad' is not an email address (accepted: name@example.org, or leave "
        "it blank)",
    ]
    assert len(caught.value.errors) == 2


def test_load_returns_employees_and_missing_file_is_a_directory_error(tmp_path: Path) -> None:
    path = tmp_path / "directory.csv"
    path.write_text(HEADER + "\nJane Smith,,IT,,,,,no\n")
    assert [e.name for e in load_directory_csv(path)] == ["Jane Smith"]
    with pytest.raises(DirectoryError, match="cannot read the file"):
        load_directory_csv(tmp_path / "missing.csv")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_never_crashes_and_every_error_names_a_row(text: str) -> None:
    result = parse_directory_csv(text, "d.csv")
    records = max(1, text.count("\n") + text.count("\r") + 1)
    for error in result.errors:
        assert 1 <= error.row <= records
        assert str(error)
    for employee in result.employees:
        assert employee.name
        assert employee.row >= 2


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(["Jane", "", "yes", "no", "a@b.gov", "x", '"q,"', "2026-01-01", "ü"]),
            min_size=0,
            max_size=11,
        ),
        max_size=8,
    )
)
def test_rows_of_any_shape_never_crash(rows: list[list[str]]) -> None:
    text = FULL_HEADER + "\n" + "\n".join(",".join(r) for r in rows)
    result = parse_directory_csv(text, "d.csv")
    assert all(1 <= e.row <= len(rows) + 2 for e in result.errors)
    assert len(result.employees) + len(result.invalid_rows) <= max(len(rows), 1)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_never_crash(data: bytes) -> None:
    result = parse_directory_bytes(data, "d.csv")
    assert all(e.row >= 1 for e in result.errors)
