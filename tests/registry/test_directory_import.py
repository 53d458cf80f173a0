"""The directory import: whole file validated first, all-or-nothing, re-import updates by email."""

from __future__ import annotations

import string

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postguard.audit.models import AuditEvent
from postguard.core.actors import SYSTEM
from postguard.registry.models import DirectoryEntry
from postguard.registry.services import DirectoryImportError, import_directory
from tests.cast import Cast

pytestmark = pytest.mark.django_db

HEADER = "name,preferred_name,department,title,email,phone,office,participant\n"
GOOD = (
    HEADER
    + "Jane Smith,,Accounting,Clerk,jane.smith@example.gov,555-0100,Room 4,no\n"
    + "Omar Haddad,Om,Parks,Ranger,omar.haddad@example.gov,,,no\n"
)


def test_a_clean_file_is_imported_and_reported(cast: Cast) -> None:
    report = import_directory(cast.lola, GOOD.encode(), source="staff.csv")
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert report.summary() == "staff.csv: 2 added, 0 updated, 0 unchanged"
    jane = DirectoryEntry.objects.get(email="jane.smith@example.gov")
    assert (jane.department, jane.office) == ("Accounting", "Room 4")
    event = AuditEvent.objects.get(action="registry.directory.import")
    assert event.after is not None
    assert event.after["created"] == 2
    # the permanent log holds counts and a digest, never the employees themselves
    assert "Jane" not in str(event.after)


def test_one_bad_row_means_nothing_is_written(cast: Cast) -> None:
    bad = GOOD + "Ann Lee,,IT,,not-an-email,,,no\n"
    with pytest.raises(DirectoryImportError) as caught:
        import_directory(cast.lola, bad.encode(), source="staff.csv")
    message = str(caught.value)
    assert message.startswith("staff.csv: 1 error; nothing was imported")
    assert "row 4, email" in message
    assert DirectoryEntry.objects.count() == 0
    assert not AuditEvent.objects.exists()


def test_skip_invalid_imports_the_valid_rows_and_names_the_others(cast: Cast) -> None:
    bad = GOOD + "Ann Lee,,IT,,not-an-email,,,no\n"
    report = import_directory(cast.lola, bad.encode(), source="staff.csv", skip_invalid=True)
    assert report.created == 2
    assert [e.row for e in report.skipped] == [4]
    assert "1 invalid row skipped" in report.summary()


def test_whole_file_errors_stop_even_with_skip_invalid(cast: Cast) -> None:
    with pytest.raises(DirectoryImportError, match="not UTF-8"):
        import_directory(cast.lola, b"name\n\xff\xfe\n", skip_invalid=True)
    with pytest.raises(DirectoryImportError, match=r"too large|larger"):
        import_directory(cast.lola, GOOD.encode(), max_bytes=10, skip_invalid=True)
    assert DirectoryEntry.objects.count() == 0


def test_reimport_updates_by_email(cast: Cast) -> None:
    import_directory(cast.lola, GOOD.encode())
    moved = GOOD.replace("Accounting,Clerk", "Finance,Senior clerk").replace(
        "jane.smith@", "Jane.Smith@"
    )
    report = import_directory(cast.lola, moved.encode())
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert DirectoryEntry.objects.get(email="jane.smith@example.gov").department == "Finance"
    assert DirectoryEntry.objects.count() == 2


def test_markup_and_sql_are_stored_as_plain_text(cast: Cast) -> None:
    text = (
        HEADER
        + '"<script>alert(1)</script>",,"x\'); DROP TABLE registry_directoryentry;--",,,,,no\n'
    )
    import_directory(cast.lola, text.encode())
    entry = DirectoryEntry.objects.get()
    assert entry.name == "<script>alert(1)</script>"
    assert entry.department.startswith("x'); DROP TABLE")


@pytest.mark.parametrize("name", ["eddie", "ada", "nora", "mona"])
def test_only_lead_and_security_import(cast: Cast, name: str) -> None:
    with pytest.raises(PermissionDenied):
        import_directory(getattr(cast, name), GOOD.encode())


_cell = st.text(
    alphabet=st.sampled_from(string.ascii_letters + string.digits + " ,\"'@.;\n\r\t<>é\x00-"),
    max_size=12,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(st.lists(_cell, min_size=1, max_size=9), max_size=6), header=st.booleans())
def test_fuzzed_files_import_fully_or_not_at_all(
    db: None, rows: list[list[str]], header: bool
) -> None:
    text = (HEADER if header else "") + "\n".join(",".join(r) for r in rows)
    DirectoryEntry.objects.all().delete()
    try:
        report = import_directory(SYSTEM, text.encode("utf-8"), source="fuzz.csv")
    except DirectoryImportError as error:
        problems = error.errors
        assert DirectoryEntry.objects.count() == 0
        assert problems
        assert all(str(e) for e in problems)
    else:
        assert DirectoryEntry.objects.count() == report.created
