"""What the engine says about a post: findings with a severity, and the verdict they add up to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    BLOCK = "block"
    REVIEW = "review"
    WARN = "warn"


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    REVIEW = "review"
    BLOCK = "block"

    @property
    def exit_code(self) -> int:
        return {Verdict.PASS: 0, Verdict.REVIEW: 3, Verdict.BLOCK: 4}[self]


@dataclass(frozen=True, slots=True)
class Region:
    """A box in an image, in pixels from the top-left corner."""

    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule reports: the engine turns it into a Finding by giving it a severity.

    `start`/`end` are character offsets into the original text (end exclusive). Image rules set
    `image` (the index of the image in the post) and `region` instead and leave the offsets 0.
    """

    rule: str
    start: int
    end: int
    message: str
    suggestion: str = ""
    image: int | None = None
    region: Region | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    start: int
    end: int
    text: str
    suggestion: str = ""
    image: int | None = None
    region: Region | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape: the same from the CLI, the API and the workflow."""
        data: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "suggestion": self.suggestion,
        }
        if self.image is not None:
            data["image"] = self.image
        if self.region is not None:
            data["region"] = asdict(self.region)
        if self.evidence:
            data["evidence"] = self.evidence
        return data


def verdict_of(findings: Iterable[Finding]) -> Verdict:
    """block if any finding blocks, else review if any needs review, else pass."""
    severities = {f.severity for f in findings}
    if Severity.BLOCK in severities:
        return Verdict.BLOCK
    if Severity.REVIEW in severities:
        return Verdict.REVIEW
    return Verdict.PASS


@dataclass(frozen=True, slots=True)
class Report:
    verdict: Verdict
    findings: tuple[Finding, ...]
    notices: tuple[str, ...] = ()  # e.g. "name detection is off: no spaCy model installed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "findings": [f.to_dict() for f in self.findings],
        }
