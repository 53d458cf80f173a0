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
from typing import ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Platform, Post
from postguard.vetting.rules._text import links
from postguard.vetting.rules.base import Rule

LIMITS = {Platform.BLUESKY: 300, Platform.MASTODON: 500, Platform.X: 280}
URL_LENGTH = 23
_URL = re.compile(r"(?i)\bhttps?://[^\s<>\"]+[^\s<>\".,;:!?)\]'’”]")
# twitter-text v3 config: weight 100 (one character) for these ranges, 200 elsewhere.
_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))


def _graphemes(text: str) -> Iterator[tuple[int, int]]:
    import regex  # type: ignore[import-untyped]  # no type stubs are installed for regex

    for m in regex.finditer(r"\X", text):
        yield m.start(), m.end()


def _is_emoji(cluster: str) -> bool:
    import regex

    return bool(regex.search(r"\p{Extended_Pictographic}|\p{Regional_Indicator}", cluster))


def _x_weight(cluster: str) -> int:
    if _is_emoji(cluster):
        return 2
    total = 0
    for char in unicodedata.normalize("NFC", cluster):
        code = ord(char)
        light = any(lo <= code <= hi for lo, hi in _LIGHT_RANGES)
        total += 100 if light else 200
    return total // 100 if total % 100 == 0 else total // 100 + 1


def _units(text: str, platform: Platform) -> Iterator[tuple[int, int, int]]:
    """(start, end, weight) pieces of the text as the platform counts them."""
    if platform is Platform.BLUESKY:
        urls: list[tuple[int, int]] = []
    elif platform is Platform.X:  # twitter-text links bare domains too
        urls = [(link.start, link.end) for link in links(text)]
    else:
        urls = [(m.start(), m.end()) for m in _URL.finditer(text)]
    position = 0
    for url_start, url_end in [*urls, (len(text), len(text))]:
        if platform is Platform.MASTODON:
            for i in range(position, url_start):
                yield i, i + 1, 1
        else:
            segment = text[position:url_start]
            for start, end in _graphemes(segment):
                cluster = segment[start:end]
                weight = 1 if platform is Platform.BLUESKY else _x_weight(cluster)
                yield position + start, position + end, weight
        if url_end > url_start:
            yield url_start, url_end, URL_LENGTH
        position = url_end


def measure(text: str, platform: Platform) -> tuple[int, int | None]:
    """(length as the platform counts it, offset where the limit is first passed or None)."""
    limit = LIMITS[platform]
    total = 0
    overflow: int | None = None
    for start, _end, weight in _units(text, platform):
        total += weight
        if overflow is None and total > limit:
            overflow = start
    return total, overflow


class LengthRule(Rule):
    ids: ClassVar = {"platform.length": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        for platform in dict.fromkeys(post.platforms):
            limit = LIMITS[platform]
            # Cheap bounds first: a link never counts more than 23 plus its own length.
            slack = URL_LENGTH * (post.text.count("://") + post.text.count("."))
            factor = 2 if platform is Platform.X else 1
            if platform is Platform.BLUESKY and len(post.text) <= limit:
                continue
            if platform is not Platform.BLUESKY and len(post.text) * factor + slack <= limit:
                continue
            length, overflow = measure(post.text, platform)
            if overflow is None:
                continue
            unit = {
                Platform.BLUESKY: "graphemes",
                Platform.MASTODON: "characters (links count as 23)",
                Platform.X: "weighted characters (links 23, CJK and emoji 2)",
            }[platform]
            name = {Platform.BLUESKY: "Bluesky", Platform.MASTODON: "Mastodon", Platform.X: "X"}[
                platform
            ]
            yield Hit(
                rule="platform.length",
                start=overflow,
                end=len(post.text),
                message=(
                    f"Too long for {name}: {length} {unit}, the limit is {limit}; "
                    f"the underlined part does not fit."
                ),
                suggestion=f"Shorten the post by {length - limit} or split it into a thread.",
                evidence={"platform": platform.value, "length": length, "limit": limit},
            )
