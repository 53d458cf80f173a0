"""The canonical encoding of an event, its hash, and the redaction applied before storing.

Kept free of database access so the same functions hash an event when it is appended, when
`postguard audit verify` re-checks it, and when an exported JSONL line is checked off the box.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import math
import re
import uuid
from collections.abc import Mapping
from typing import Any

GENESIS_HASH = "0" * 64
FORMAT_VERSION = 1
REDACTED = "[redacted]"

# Every field that the hash covers, in the order they are documented (the encoding sorts keys).
HASHED_FIELDS = (
    "seq",
    "time",
    "actor_id",
    "actor_name",
    "device",
    "ip",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "request_id",
    "prev_hash",
)

# A key is secret when its last word (split on _, -, . and camelCase) is one of these, or when it
# ends in a word such as "hash" after one of these ("password_hash"). "token_scopes" and
# "credential_keeper" are not secrets: auditors need to see them change.
_SECRET_WORDS = frozenset(
    {
        "password",
        "passwords",
        "passwd",
        "pwd",
        "passphrase",
        "token",
        "tokens",
        "secret",
        "secrets",
        "key",
        "keys",
        "apikey",
        "totp",
        "hotp",
        "otp",
        "seed",
        "cookie",
        "cookies",
        "authorization",
        "credential",
        "credentials",
        "pin",
    }
)
_DERIVED_WORDS = frozenset(
    {"hash", "hashed", "digest", "encrypted", "ciphertext", "enc", "value", "data", "plain"}
)
# Whole keys that are secret even though no single word says so.
_SECRET_KEYS = frozenset(
    {
        "app_password",
        "apppassword",
        "client_secret",
        "private_key",
        "session_key",
        "sessionid",
        "recovery_codes",
    }
)
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
_PRIVATE_KEY_BLOCK = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")


def is_secret_key(key: str) -> bool:
    """True when a snapshot key names a secret (password, token, app_password, totp, ...)."""
    lowered = key.lower()
    if lowered in _SECRET_KEYS:
        return True
    words = [w.lower() for w in _WORD_SPLIT.split(key) if w]
    if not words:
        return False
    if words[-1] in _SECRET_WORDS:
        return True
    return words[-1] in _DERIVED_WORDS and any(w in _SECRET_WORDS for w in words[:-1])


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _clean_text(value: str) -> str:
    # PostgreSQL refuses NUL in text and jsonb, and a lone surrogate is not UTF-8 at all: replace
    # them so that every database stores, and the hash covers, the same text.
    return _UNSTORABLE.sub("\ufffd", value)


def jsonable(value: Any) -> Any:
    """A JSON-native copy of `value` (dicts with string keys, lists, str, int, float, bool, None).

    Dates become ISO 8601, decimals and UUIDs strings, whole floats ints, non-finite floats
    strings, and anything else its str(); so the stored JSON and the hashed JSON are the same
    on every database.
    """
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        # PostgreSQL's jsonb keeps numbers as decimals: 1e+16 comes back as 10000000000000000
        # and -0.0 as 0. Whole floats are stored as ints so the stored JSON hashes the same.
        return int(value) if value.is_integer() else value
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, Mapping):
        return {_clean_text(str(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        if isinstance(value, set | frozenset):
            items.sort(key=lambda item: json.dumps(item, sort_keys=True))
        return items
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    return _clean_text(str(value))


def redact(value: Any) -> Any:
    """A copy of a JSON-native snapshot with every secret value replaced by "[redacted]".

    Secret keys (password, token, secret, app_password, key, totp, ...) at any depth, and any
    string holding a PEM private key, never reach the log.
    """
    if isinstance(value, dict):
        return {
            k: (REDACTED if is_secret_key(k) and v not in (None, "") else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, str) and _PRIVATE_KEY_BLOCK.search(value):
        return REDACTED
    return value


def format_time(value: dt.datetime) -> str:
    """The canonical form of an event time: UTC, ISO 8601, microseconds."""
    if value.tzinfo is None:
        raise ValueError("audit event times must be timezone-aware")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical_bytes(fields: Mapping[str, Any]) -> bytes:
    """Sorted-key, compact, UTF-8 JSON of every hashed field (and the format version)."""
    payload: dict[str, Any] = {name: fields[name] for name in HASHED_FIELDS}
    time = payload["time"]
    if isinstance(time, dt.datetime):
        payload["time"] = format_time(time)
    payload["v"] = FORMAT_VERSION
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def compute_hash(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()
