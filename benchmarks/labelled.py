"""The labelled evaluation set: two fictional organizations, their posts and the gold findings.

Posts are written in `benchmarks/data/src/*.txt` with inline marks (`[[rule.id|span]]`), plus a
seeded generator (`benchmarks/generate.py`); `python -m benchmarks.build_labelled` turns both into
`benchmarks/data/posts.jsonl` with exact character offsets. This module reads that file back,
checks it, and builds each organization's vetting context.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex  # type: ignore[import-untyped]  # no stubs installed (types-regex)

DATA = Path(__file__).parent / "data"
POSTS = DATA / "posts.jsonl"
ORGS = DATA / "orgs"

# Every rule id issue 3 names: the labelled set must have positives for each of them.
RULE_IDS = (
    "identity.exposure",
    "email.personal_address",
    "email.scheme_inferable",
    "pii.email",
    "pii.phone",
    "pii.address",
    "pii.government_id",
    "pii.card",
    "pii.iban",
    "pii.ip",
    "pii.dob",
    "pii.person",
    "secret.credential",
    "internal.host",
    "internal.url",
    "internal.ip",
    "internal.codename",
    "internal.ticket",
    "solicitation.personal_data",
    "link.lookalike",
    "link.shortener",
    "link.not_allowed",
    "lexicon.blocked",
    "lexicon.flagged",
    "platform.length",
)

PLATFORMS = ("bluesky", "mastodon", "x")


@dataclass(frozen=True, slots=True)
class Gold:
    rule: str
    start: int
    end: int
    text: str
    # Gold spans sharing a group are one finding seen from several places (an employee's name and
    # the identifiers that expose them): a rule reporting any of them finds it, once.
    group: str | None = None

    def key(self, post_id: str) -> str:
        return f"{post_id}:{self.rule}:{self.group or f'{self.start}-{self.end}'}"


@dataclass(frozen=True, slots=True)
class LabelledPost:
    id: str
    org: str
    text: str
    platform: str | None
    gold: tuple[Gold, ...]
    history: str | None = None  # posts sharing a history id are vetted in order, in batch mode
    lang: str = "en"
    note: str = ""
    split: str = "main"  # "holdout": written after the rules were tuned, never used to tune them
    extra: dict[str, Any] = field(default_factory=dict)


class LabelledSetError(ValueError):
    pass


def load_posts(path: Path = POSTS) -> list[LabelledPost]:
    """Read the JSONL file and check every span against its text."""
    posts: list[LabelledPost] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise LabelledSetError(f"{where}: not JSON ({exc})") from None
            post = _post_from_json(raw, where)
            if post.id in seen:
                raise LabelledSetError(f"{where}: duplicate post id {post.id!r}")
            seen.add(post.id)
            posts.append(post)
    return posts


def _post_from_json(raw: dict[str, Any], where: str) -> LabelledPost:
    for key in ("id", "org", "text", "gold"):
        if key not in raw:
            raise LabelledSetError(f"{where}: missing key {key!r}")
    text = raw["text"]
    platform = raw.get("platform")
    if platform is not None and platform not in PLATFORMS:
        raise LabelledSetError(f"{where}: platform {platform!r} is not one of {PLATFORMS}")
    golds: list[Gold] = []
    for index, item in enumerate(raw["gold"]):
        gold = Gold(
            rule=item["rule"],
            start=item["start"],
            end=item["end"],
            text=item["text"],
            group=item.get("group"),
        )
        if gold.rule not in RULE_IDS:
            raise LabelledSetError(f"{where}: gold[{index}] has unknown rule {gold.rule!r}")
        if not 0 <= gold.start < gold.end <= len(text):
            raise LabelledSetError(
                f"{where}: gold[{index}] span {gold.start}-{gold.end} is outside the text "
                f"(length {len(text)})"
            )
        if text[gold.start : gold.end] != gold.text:
            raise LabelledSetError(
                f"{where}: gold[{index}] ({gold.rule}) says {gold.text!r} but the text at "
                f"{gold.start}-{gold.end} is {text[gold.start : gold.end]!r}"
            )
        golds.append(gold)
    return LabelledPost(
        id=raw["id"],
        org=raw["org"],
        text=text,
        platform=platform,
        gold=tuple(golds),
        history=raw.get("history"),
        lang=raw.get("lang", "en"),
        note=raw.get("note", ""),
        split=raw.get("split", "main"),
    )


# --- platform lengths, as the platforms count them (the reference the gold is checked against)

_URL = regex.compile(r"https?://[^\s]+")
_MENTION = regex.compile(r"(?<![\w@])@(\w+)@[\w.-]+\w")
_GRAPHEME = regex.compile(r"\X")
_PICTO = regex.compile(r"\p{Extended_Pictographic}")
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))

LIMITS = {"bluesky": 300, "mastodon": 500, "x": 280}


def bluesky_length(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def mastodon_length(text: str) -> int:
    counted = _URL.sub("x" * 23, text)
    counted = _MENTION.sub(lambda m: "@" + m.group(1), counted)
    return len(counted)


def x_length(text: str) -> int:
    """twitter-text v3: links weigh 23, emoji 2, CJK and other heavy code points 2, NFC first."""
    text = unicodedata.normalize("NFC", text)
    weight = 0
    position = 0
    for match in _URL.finditer(text):
        weight += _x_plain(text[position : match.start()]) + 23
        position = match.end()
    return weight + _x_plain(text[position:])


def _x_plain(text: str) -> int:
    weight = 0
    for cluster in _GRAPHEME.findall(text):
        if _PICTO.search(cluster):
            weight += 2
            continue
        for char in cluster:
            code = ord(char)
            weight += 1 if any(lo <= code <= hi for lo, hi in _LIGHT_RANGES) else 2
    return weight


def platform_length(platform: str, text: str) -> int:
    return {"bluesky": bluesky_length, "mastodon": mastodon_length, "x": x_length}[platform](text)


def too_long(platform: str | None, text: str) -> bool:
    return platform is not None and platform_length(platform, text) > LIMITS[platform]


# --- organizations


def org_names() -> list[str]:
    return sorted(p.name for p in ORGS.iterdir() if (p / "policy.yaml").exists())


def policy_path(org: str) -> Path:
    return ORGS / org / "policy.yaml"


def directory_path(org: str) -> Path:
    return ORGS / org / "directory.csv"
