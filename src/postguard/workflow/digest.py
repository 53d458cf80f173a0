"""The content digest an approval signs: SHA-256 over a canonical encoding of everything that
decides what the public sees (text, images and their alt texts, target accounts, the window).

One function, `content_digest`; change the encoding only with a new DIGEST_VERSION, since stored
approvals carry the digest they signed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

DIGEST_VERSION = 1


@dataclass(frozen=True, slots=True)
class DigestImage:
    sha256: str
    alt: str


def _instant(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"publish window time {value!r} has no time zone; give an aware datetime")
    # Microseconds kept: two windows a microsecond apart are two different windows.
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def content_digest(
    *,
    text: str,
    images: Sequence[DigestImage],
    account_ids: Iterable[int],
    not_before: dt.datetime | None,
    not_after: dt.datetime | None,
) -> str:
    """Hex SHA-256 of the canonical JSON of the content.

    Text and alt texts are NFC-normalised (the same words typed on two keyboards sign the same);
    image order counts (it is the order the platform shows); target order does not.
    """
    document = {
        "v": DIGEST_VERSION,
        "text": unicodedata.normalize("NFC", text),
        "images": [
            {"sha256": image.sha256.lower(), "alt": unicodedata.normalize("NFC", image.alt)}
            for image in images
        ],
        "targets": sorted({int(account_id) for account_id in account_ids}),
        "not_before": _instant(not_before),
        "not_after": _instant(not_after),
    }
    encoded = json.dumps(
        document, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()
