"""lexicon.* and platform.length."""

from __future__ import annotations

import pytest

from postguard.vetting.post import Platform
from tests.vetting.pattern_support import offsets, spans, vet

LEXICON = [
    ("What a load of crap", [("lexicon.blocked", "crap")]),
    ("CRAP! and Crap.", [("lexicon.blocked", "CRAP"), ("lexicon.blocked", "Crap")]),
    ("oh damn  it", [("lexicon.blocked", "damn  it")]),
    ("Our Assessor's office; scrap metal; class; crappy", []),
    ("The lawsuit was settled", [("lexicon.flagged", "lawsuit")]),
    ("Layoffs announced", [("lexicon.flagged", "Layoffs")]),
]


@pytest.mark.parametrize(("text", "expected"), LEXICON)
def test_lexicon_whole_words_any_case(text: str, expected: list[tuple[str, str]]) -> None:
    assert spans(text, "lexicon.") == expected


def test_flagged_message_names_the_category() -> None:
    (finding,) = vet("a settlement was reached").findings
    assert "legal" in finding.message
    assert finding.evidence["category"] == "legal"
    assert finding.severity.value == "review"


def _length(text: str, platform: Platform) -> list[tuple[str, int, int]]:
    return offsets(text, "platform.length", platforms=[platform])


def test_bluesky_counts_graphemes() -> None:
    family = "👩‍👩‍👧"  # one grapheme, five code points
    assert _length(family * 300, Platform.BLUESKY) == []
    text = family * 301
    assert _length(text, Platform.BLUESKY) == [("platform.length", 300 * len(family), len(text))]


def test_mastodon_counts_each_link_as_23() -> None:
    link = "https://example.org/" + "a" * 100
    text = "x" * 477 + " " + link  # 477 + 1 + 23 = 501
    assert _length(text, Platform.MASTODON) == [
        ("platform.length", len(text) - len(link), len(text))
    ]
    assert _length("x" * 476 + " " + link, Platform.MASTODON) == []
    short = "x" * 480 + " https://a.co"  # 12 characters that count as 23: 504 in all
    assert _length(short, Platform.MASTODON) == [("platform.length", 481, len(short))]


def test_x_weighs_cjk_and_emoji_double() -> None:
    assert _length("東" * 140, Platform.X) == []
    assert _length("東" * 141, Platform.X) == [("platform.length", 140, 141)]
    assert _length("😀" * 140, Platform.X) == []
    assert _length("a" * 280, Platform.X) == []
    assert _length("a" * 281, Platform.X) == [("platform.length", 280, 281)]
    # Latin-1 and general punctuation weigh 1.
    assert _length("é" * 280, Platform.X) == []
    assert _length("—" * 280, Platform.X) == []


def test_length_message_names_platform_and_numbers() -> None:
    report = vet("a" * 320, platforms=[Platform.BLUESKY, Platform.X])
    messages = [f.message for f in report.findings]
    assert any("Bluesky" in m and "320" in m and "300" in m for m in messages)
    assert any("X" in m and "280" in m for m in messages)


def test_no_platform_means_no_length_check() -> None:
    assert vet("a" * 5000).findings == ()
