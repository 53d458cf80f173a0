"""The interface of rules that look at a post's images, one image at a time.

An image rule is a `Rule` (it declares its ids and defaults the same way, and the policy turns
it off the same way), but the engine calls `check_image` once per image with that image's shared
analysis instead of `check`.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Post
from postguard.vetting.rules.base import Rule

if TYPE_CHECKING:
    from postguard.vetting.images.analysis import ImageAnalysis


class ImageRule(Rule):
    # What the image's analysis must include for this rule (OCR and faces cost time).
    needs_text: ClassVar[bool] = False
    needs_faces: ClassVar[bool] = False
    # Ids this rule may report that another rule declares (a face with a named employee is
    # `identity.exposure`); dropped when no rule in the engine declares them.
    also_reports: ClassVar[frozenset[str]] = frozenset()

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        return ()

    @abstractmethod
    def check_image(self, post: Post, image: ImageAnalysis, ctx: VettingContext) -> Iterable[Hit]:
        """Yield Hits for one image, each with `image` set (and `region` when it has a place)."""
