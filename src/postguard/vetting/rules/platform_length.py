"""platform.length: the post must fit every target platform.

Bluesky counts graphemes (300); Mastodon counts characters with every link as 23 (500); X
counts a weighted length (280) as twitter-text does: links 23, characters in the Latin,
punctuation and general ranges 1, everything else (CJK, most other scripts) 2, and every emoji
sequence 2 however many code points it has. The finding covers the part past the limit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Platform, Post
from postguard.vetting.rules._text import links
from postguard.vetting.rules.base import Rule

LIMITS = {Platform.BLUESKY: 300, Platform.MASTODON: 500, Platform.X: 280}
NAMES = {Platform.BLUESKY: "Bluesky", Platform.MASTODON: "Mastodon", Platform.X: "X"}
UNITS = {
    Platform.BLUESKY: "graphemes",
    Platform.MASTODON: "characters (links count as 23)",
    Platform.X: "weighted characters (links 23, CJK and emoji 2)",
}
URL_LENGTH = 23
# Past this many characters the exact length no longer helps anyone: the message says "over".
EXACT_UP_TO = 20_000
_URL = re.compile(r"(?i)\bhttps?://[^\s<>\"]+[^\s<>\".,;:!?)\]'’”]")
# twitter-text v3 config: weight 100 (one character) for these ranges, 200 elsewhere.
_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))


@lru_cache(maxsize=1)
def _patterns() -> tuple[Any, Any]:
    import regex  # type: ignore[import-untyped]  # no type stubs are installed for regex

    return regex.compile(r"\X"), regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")


def _x_weight(cluster: str) -> int:
    if _patterns()[1].search(cluster):
        return 2
    total = 0
    for char in unicodedata.normalize("NFC", cluster):
        code = ord(char)
        total += 1 if any(lo <= code <= hi for lo, hi in _LIGHT_RANGES) else 2
    return total


def _units(text: str, platform: Platform) -> Iterator[tuple[int, int]]:
    """(start, weight) pieces of the text as the platform counts them, in order."""
    if platform is Platform.BLUESKY:
        urls: list[tuple[int, int]] = []
    elif platform is Platform.X:  # twitter-text links bare domains too
        urls = [(link.start, link.end) for link in links(text)]
    else:
        urls = [(m.start(), m.end()) for m in _URL.finditer(text)]
    grapheme = _patterns()[0]
    position = 0
    for url_start, url_end in [*urls, (len(text), len(text))]:
        if platform is Platform.MASTODON:
            for i in range(position, url_start):
                yield i, 1
        else:
            for m in grapheme.finditer(text, position, url_start):
                weight = 1 if platform is Platform.BLUESKY else _x_weight(m.group())
                yield m.start(), weight
        if url_end > url_start:
            yield url_start, URL_LENGTH
        position = url_end


def measure(text: str, platform: Platform) -> tuple[int, int | None, bool]:
    """(length as the platform counts it, offset where the limit is first passed, exact?).

    Counting stops a little past EXACT_UP_TO characters of text: the length is then a lower bound.
    """
    limit = LIMITS[platform]
    total = 0
    overflow: int | None = None
    for start, weight in _units(text, platform):
        if overflow is not None and start > EXACT_UP_TO:
            return total, overflow, False
        total += weight
        if overflow is None and total > limit:
            overflow = start
    return total, overflow, True


class LengthRule(Rule):
    ids: ClassVar = {"platform.length": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        for platform in dict.fromkeys(post.platforms):
            limit = LIMITS[platform]
            # Cheap bounds first: a grapheme is at least one character, a link counts 23.
            slack = URL_LENGTH * (post.text.count("://") + post.text.count("."))
            factor = 2 if platform is Platform.X else 1
            if platform is Platform.BLUESKY and len(post.text) <= limit:
                continue
            if platform is not Platform.BLUESKY and len(post.text) * factor + slack <= limit:
                continue
            length, overflow, exact = measure(post.text, platform)
            if overflow is None:
                continue
            counted = f"{length} {UNITS[platform]}" if exact else f"over {length} {UNITS[platform]}"
            yield Hit(
                rule="platform.length",
                start=overflow,
                end=len(post.text),
                message=(
                    f"Too long for {NAMES[platform]}: {counted}, the limit is {limit}; "
                    "the underlined part does not fit."
                ),
                suggestion=(
                    f"Shorten the post by {length - limit} or more, or split it into a thread."
                    if not exact
                    else f"Shorten the post by {length - limit} or split it into a thread."
                ),
                evidence={"platform": platform.value, "length": length, "limit": limit},
            )
