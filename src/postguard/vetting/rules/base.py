"""The interface every rule implements, in the manner of Presidio's recognizers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from typing import ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Post


class Rule(ABC):
    """A check over one post.

    `ids` maps every rule id the rule can report to its default severity; the policy may change
    a severity or turn an id off (`rules: {pii.person: off}`). A rule never reads a database or
    the network: what it needs comes from the post, the context and the NLP analysis.
    """

    ids: ClassVar[Mapping[str, Severity]]

    @abstractmethod
    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        """Yield a Hit for everything wrong with the post."""
