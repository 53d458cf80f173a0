"""image.unreadable: an image that cannot be opened safely (damaged, truncated, a bomb, too slow).

It could not be checked, so it cannot be published: the message says what is wrong with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.images.rule import ImageRule
from postguard.vetting.post import Post

if TYPE_CHECKING:
    from postguard.vetting.images.analysis import ImageAnalysis


class ImageUnreadableRule(ImageRule):
    ids: ClassVar[dict[str, Severity]] = {"image.unreadable": Severity.BLOCK}

    def check_image(self, post: Post, image: ImageAnalysis, ctx: VettingContext) -> Iterable[Hit]:
        if image.error is None:
            return
        yield Hit(
            rule="image.unreadable",
            start=0,
            end=0,
            message=image.error,
            suggestion="attach a whole JPEG, PNG, WebP, GIF or HEIC photo (export it again)",
            image=image.index,
        )
