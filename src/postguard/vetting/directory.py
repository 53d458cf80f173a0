"""The employee directory as the vetting engine sees it: who works here and how they can be named.

Parsed from the directory CSV (`name,preferred_name,department,title,email,phone,office,
participant`, optionally `consent_date,work_handle,team`); the registry's importer uses the same
parser and adds the database write. The whole file is validated before anything is used, and
every bad row is reported, so an import can be all-or-nothing or skip the invalid rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

# A directory of 100,000 people is a few megabytes; anything far larger is a wrong file.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_FIELD_CHARS = 300

REQUIRED_COLUMNS = ("name",)
STANDARD_COLUMNS = (
    "name",
    "preferred_name",
    "department",
    "title",
    "email",
    "phone",
    "office",
    "participant",
)
OPTIONAL_COLUMNS = ("consent_date", "work_handle", "team")
KNOWN_COLUMNS = STANDARD_COLUMNS + OPTIONAL_COLUMNS

_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0", ""})
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_PHONE_CHARS = re.compile(r"^[0-9+()./\s-]+(\s*(x|ext\.?|extension)\s*\d+)?$", re.IGNORECASE)
_HANDLE = re.compile(r"^@?[\w.-]+(@[\w.-]+\.[A-Za-z]{2,})?$")


@dataclass(frozen=True, slots=True)
class Employee:
    name: str
    preferred_name: str = ""
    department: str = ""
    title: str = ""
    email: str = ""
    phone: str = ""
    office: str = ""
    team: str = ""
    participant: bool = False
    nicknames: tuple[str, ...] = field(default=())
    consent_date: dt.date | None = None
    # The participant's work-only social media handle, without a leading "@".
    work_handle: str = ""
    # The CSV row the employee came from (header = row 1); 0 when not read from a file.
    row: int = field(default=0, compare=False)

    @property
    def display_name(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class DirectoryRowError:
    """One problem in a directory file. `row` counts as a spreadsheet does (header = row 1);
    0 means the file as a whole (too large)."""

    row: int
    field: str
    reason: str
    accepted: str

    def __str__(self) -> str:
        where = "whole file" if self.row == 0 else f"row {self.row}"
        if self.field:
            where += f", {self.field}"
        return f"{where}: {self.reason} (accepted: {self.accepted})"


@dataclass(frozen=True, slots=True)
class DirectoryParseResult:
    """Valid employees and errors, kept apart so an importer can choose all-or-nothing or skip."""

    source: str
    employees: tuple[Employee, ...]
    errors: tuple[DirectoryRowError, ...]
    rows_read: int = 0  # data rows seen, blank lines excluded

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def invalid_rows(self) -> tuple[int, ...]:
        return tuple(sorted({e.row for e in self.errors}))

    def raise_for_errors(self) -> None:
        if self.errors:
            raise DirectoryError(self.source, self.errors)


class DirectoryError(ValueError):
    """The directory file has errors; str() lists every one with its row and field."""

    def __init__(self, source: str, errors: tuple[DirectoryRowError, ...]) -> None:
        self.source = source
        self.errors = errors
        super().__init__(self._describe())

    def _describe(self) -> str:
        count = len(self.errors)
        lines = [f"{self.source}: {count} error{'s' if count != 1 else ''} in the directory file"]
        lines.extend(f"  {error}" for error in self.errors)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self._describe()


def load_directory_csv(
    path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[Employee, ...]:
    """Read and validate a directory file; raise DirectoryError listing every problem."""
    result = read_directory_csv(path, max_bytes=max_bytes)
    result.raise_for_errors()
    return result.employees


def read_directory_csv(
    path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> DirectoryParseResult:
    """Read a directory file and return valid rows and errors separately (never raises on content).

    An unreadable file (missing, a directory, no permission) raises DirectoryError.
    """
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return _too_large(source, size, max_bytes)
        data = path.read_bytes()
    except OSError as exc:
        error = DirectoryRowError(
            0, "", f"cannot read the file ({exc.strerror})", "give a path to a readable CSV file"
        )
        raise DirectoryError(source, (error,)) from None
    return parse_directory_bytes(data, source, max_bytes=max_bytes)


def parse_directory_bytes(
    data: bytes, source: str, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> DirectoryParseResult:
    """Decode as UTF-8 (a byte-order mark is fine) and parse; name the first undecodable byte."""
    if len(data) > max_bytes:
        return _too_large(source, len(data), max_bytes)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start
        row = _row_at_byte(data, offset)
        error = DirectoryRowError(
            row,
            "",
            f"the file is not UTF-8: byte 0x{data[offset]:02x} at byte offset {offset} "
            "cannot be decoded",
            "save the file as UTF-8 (in Excel: 'CSV UTF-8')",
        )
        return DirectoryParseResult(source=source, employees=(), errors=(error,))
    return parse_directory_csv(text, source, max_bytes=max_bytes)


def parse_directory_csv(
    text: str, source: str, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> DirectoryParseResult:
    """Validate the whole text first, then return the valid employees and every error."""
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        return _too_large(source, len(text.encode("utf-8", "surrogatepass")), max_bytes)
    text = text.removeprefix("\ufeff")
    records = _records(text)
    errors: list[DirectoryRowError] = []
    if isinstance(records, DirectoryRowError):
        return DirectoryParseResult(source=source, employees=(), errors=(records,))
    header_index = next((i for i, rec in enumerate(records) if any(c.strip() for c in rec)), None)
    if header_index is None:
        error = DirectoryRowError(
            1,
            "",
            "the file is empty",
            f"expected a header row such as: {','.join(STANDARD_COLUMNS)}",
        )
        return DirectoryParseResult(source=source, employees=(), errors=(error,))

    header_row = header_index + 1
    columns, header_errors = _header(records[header_index], header_row)
    errors.extend(header_errors)
    if any(e.field in REQUIRED_COLUMNS or e.field == "" for e in header_errors):
        # Without a usable header no row can be read meaningfully.
        return DirectoryParseResult(source=source, employees=(), errors=tuple(errors))

    employees: list[Employee] = []
    emails_seen: dict[str, int] = {}
    rows_read = 0
    for index in range(header_index + 1, len(records)):
        row_number = index + 1
        values = records[index]
        if not any(v.strip() for v in values):
            continue
        rows_read += 1
        if len(values) != len(columns):
            errors.append(
                DirectoryRowError(
                    row_number,
                    "",
                    f"the row has {len(values)} value{'s' if len(values) != 1 else ''} but the "
                    f"header has {len(columns)} columns",
                    "one value per column; quote values that contain commas",
                )
            )
            continue
        record = {col: value.strip() for col, value in zip(columns, values, strict=True)}
        employee, row_errors = _employee(record, row_number, emails_seen, has_header=columns)
        errors.extend(row_errors)
        if employee is not None and not row_errors:
            employees.append(employee)
    if not errors and rows_read == 0:
        errors.append(
            DirectoryRowError(
                header_row + 1,
                "",
                "the file has a header but no employees",
                "one row per employee below the header",
            )
        )
    bad_rows = {e.row for e in errors}
    return DirectoryParseResult(
        source=source,
        employees=tuple(e for e in employees if e.row not in bad_rows),
        errors=tuple(sorted(errors, key=lambda e: (e.row, e.field))),
        rows_read=rows_read,
    )


def _too_large(source: str, size: int, max_bytes: int) -> DirectoryParseResult:
    error = DirectoryRowError(
        0,
        "",
        f"the file is {size:,} bytes, larger than the limit of {max_bytes:,} bytes",
        "split the directory into smaller files or raise the limit",
    )
    return DirectoryParseResult(source=source, employees=(), errors=(error,))


def _row_at_byte(data: bytes, offset: int) -> int:
    """The spreadsheet row holding a byte offset, counting quoted line breaks as in-row."""
    prefix = data[:offset].decode("utf-8", "replace")
    records = _records(prefix)
    if isinstance(records, DirectoryRowError):
        return prefix.count("\n") + 1
    if not records:
        return 1
    # The record in progress at the offset is the last one (or a new one after a final newline).
    ends_with_newline = prefix.endswith(("\n", "\r"))
    return len(records) + (1 if ends_with_newline else 0)


def _records(text: str) -> list[list[str]] | DirectoryRowError:
    """Split into records as a spreadsheet would: blank lines are rows too."""
    # newline="" keeps line breaks inside quoted values; only \n, \r and \r\n end a line.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as exc:
        return DirectoryRowError(
            len(records) + 1,
            "",
            f"the CSV cannot be read here ({exc})",
            "comma-separated values; a value with a comma, quote or line break must be in "
            'double quotes, with quotes inside doubled ("")',
        )
    return records


def _normalise_column(raw: str) -> str:
    return re.sub(r"[\s-]+", "_", raw.strip().lower())


def _header(values: list[str], row: int) -> tuple[list[str], list[DirectoryRowError]]:
    errors: list[DirectoryRowError] = []
    columns = [_normalise_column(v) for v in values]
    seen: set[str] = set()
    accepted = f"known columns: {', '.join(KNOWN_COLUMNS)}"
    for raw, column in zip(values, columns, strict=True):
        if column == "":
            errors.append(
                DirectoryRowError(row, "", "the header has an empty column name", accepted)
            )
        elif column not in KNOWN_COLUMNS:
            errors.append(
                DirectoryRowError(row, raw.strip(), f"unknown column {raw.strip()!r}", accepted)
            )
        elif column in seen:
            errors.append(
                DirectoryRowError(
                    row, column, f"the column {column!r} appears twice", "each column once"
                )
            )
        seen.add(column)
    for required in REQUIRED_COLUMNS:
        if required not in seen:
            errors.append(
                DirectoryRowError(
                    row,
                    required,
                    f"the header has no {required!r} column",
                    f"a header row such as: {','.join(STANDARD_COLUMNS)}",
                )
            )
    return columns, errors


def _employee(
    record: dict[str, str],
    row: int,
    emails_seen: dict[str, int],
    *,
    has_header: list[str],
) -> tuple[Employee | None, list[DirectoryRowError]]:
    errors: list[DirectoryRowError] = []

    def error(column: str, reason: str, accepted: str) -> None:
        errors.append(DirectoryRowError(row, column, reason, accepted))

    for column, value in record.items():
        if len(value) > MAX_FIELD_CHARS:
            error(
                column, f"the value is {len(value)} characters long", f"at most {MAX_FIELD_CHARS}"
            )
            record[column] = value[:MAX_FIELD_CHARS]

    name = " ".join(record.get("name", "").split())
    if not name:
        error("name", "the name is missing", "the employee's full name, e.g. 'Jane Smith'")
    elif not any(ch.isalpha() for ch in name):
        error("name", f"{name!r} has no letters", "the employee's full name, e.g. 'Jane Smith'")

    email = record.get("email", "")
    if email:
        if not _EMAIL.match(email):
            error(
                "email", f"{email!r} is not an email address", "name@example.org, or leave it blank"
            )
        else:
            key = email.lower()
            if key in emails_seen:
                error(
                    "email",
                    f"{email!r} is already used on row {emails_seen[key]}",
                    "each employee's own address, once",
                )
            else:
                emails_seen[key] = row

    phone = record.get("phone", "")
    if phone and (not _PHONE_CHARS.match(phone) or sum(ch.isdigit() for ch in phone) < 4):
        error(
            "phone",
            f"{phone!r} is not a phone number",
            "digits with optional +, spaces, dashes, dots, brackets and an extension "
            "('+1 555-010-2000 x214'), or leave it blank",
        )

    participant_raw = record.get("participant", "")
    participant = False
    if participant_raw.lower() in _YES:
        participant = True
    elif participant_raw.lower() not in _NO:
        error("participant", f"{participant_raw!r} is not yes or no", "yes, no, or blank for no")

    consent: dt.date | None = None
    consent_raw = record.get("consent_date", "")
    if consent_raw:
        try:
            consent = dt.date.fromisoformat(consent_raw)
        except ValueError:
            error(
                "consent_date",
                f"{consent_raw!r} is not a date",
                "a date as YYYY-MM-DD, e.g. 2026-03-31",
            )
    if participant and not consent_raw:
        accepted = (
            "the date the employee agreed to take part, as YYYY-MM-DD"
            if "consent_date" in has_header
            else "add a consent_date column with the date the employee agreed (YYYY-MM-DD)"
        )
        error("consent_date", "participant=yes needs a consent date", accepted)

    handle = record.get("work_handle", "")
    if handle and not _HANDLE.match(handle):
        error(
            "work_handle",
            f"{handle!r} is not a social media handle",
            "a handle such as @jane_at_work, @jane@social.example.org or jane.example.org",
        )

    if errors:
        return None, errors
    employee = Employee(
        name=name,
        preferred_name=" ".join(record.get("preferred_name", "").split()),
        department=record.get("department", ""),
        title=record.get("title", ""),
        email=email.lower(),
        phone=phone,
        office=record.get("office", ""),
        team=record.get("team", ""),
        participant=participant,
        consent_date=consent,
        work_handle=handle.removeprefix("@"),
        row=row,
    )
    return employee, errors
