"""Any text at all: the rules never crash and every span indexes the original text exactly."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postguard.vetting.context import VettingContext
from postguard.vetting.post import Platform, Post
from postguard.vetting.rules.registry import default_engine
from tests.vetting.pattern_support import POLICY

ENGINE = default_engine()
PLATFORMS = (Platform.BLUESKY, Platform.MASTODON, Platform.X)

# Pieces that exercise the rules and the awkward corners of Unicode: right-to-left text and marks,
# zero-width joiners, combining marks, emoji sequences, CJK, surrogate-free astral characters.
PIECES = [
    "שלום ",
    "مرحبا ",
    "\u200f",
    "\u200e",
    "\u202e",
    "\u200d",
    "\u200b",
    "e\u0301",
    "\u0338\u0321\u0322",
    "👩‍👩‍👧",
    "🇺🇸",
    "東京",
    "𝐀",
    " ",
    "\n",
    "\t",
    "(540) 266-4821",
    "jane.doe@madisoncounty.gov",
    "x@y.com",
    "1428 Elm Street",
    "PO Box 12",
    "4111 1111 1111 1111",
    "GB82 WEST 1234 5698 7654 32",
    "10.0.0.1",
    "8.8.8.8",
    "fe80::1",
    "password: ",
    "Summer2024!",
    "https://bit.ly/x",
    "madis0ncounty.gov",
    "http://intranet/",
    "INC-12345",
    "Bluejay",
    "crap",
    "born on March 3, 1985",
    "460-89-9847",
    "-----BEGIN PRIVATE KEY-----",
    ".",
    "-",
    ":",
    "/",
    "\\\\",
]

texts = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(PIECES), max_size=80).map("".join),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), max_size=60).map("".join),
)


def _check(text: str) -> None:
    ctx = VettingContext.from_policy(POLICY, track_history=True)
    report = ENGINE.vet(Post(text=text, platforms=PLATFORMS), ctx)
    for finding in report.findings:
        assert 0 <= finding.start <= finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.text
        assert finding.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_any_text(text: str) -> None:
    _check(text)


def test_one_megabyte_of_mixed_scripts() -> None:
    unit = (
        "שלום e\u0301 👩‍👩‍👧 東京 Call (540) 266-4821 or jane@x.org at 1428 Elm Street. "
        "مرحبا \u200d see https://example.org/a and 10.0.0.1.\n"
    )
    text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    _check(text)
