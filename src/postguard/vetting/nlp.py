"""Named-entity recognition behind one small interface, so rules and tests can swap the model.

The engine analyses each post's text once and hands the result to every rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Entity:
    label: str  # "PERSON", "LOCATION", ...
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Analysis:
    text: str
    entities: tuple[Entity, ...] = ()


class NameFinder(Protocol):
    """Finds people and places in text. `available` is False when no model is installed."""

    available: bool
    description: str

    def analyse(self, text: str) -> Analysis: ...

    def analyse_many(self, texts: Sequence[str]) -> list[Analysis]:
        """The same as analyse() for each text, in one batched pass where the model allows."""
        ...


class NoNameFinder:
    """Used when no spaCy model is installed: every pattern rule still runs."""

    available = False
    description = "name detection is off: no spaCy model is installed"

    def analyse(self, text: str) -> Analysis:
        return Analysis(text=text)

    def analyse_many(self, texts: Sequence[str]) -> list[Analysis]:
        return [Analysis(text=text) for text in texts]
