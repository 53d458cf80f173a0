"""image.metadata: GPS, serials, names, timestamps and other metadata still in the file.

Blocks until the image is stripped (`postguard strip`; the publisher always strips before
upload). The message lists what was found, so a person sees why it matters.
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


class ImageMetadataRule(ImageRule):
    ids: ClassVar[dict[str, Severity]] = {"image.metadata": Severity.BLOCK}

    def check_image(self, post: Post, image: ImageAnalysis, ctx: VettingContext) -> Iterable[Hit]:
        if image.loaded is None or not image.metadata:
            return
        from postguard.vetting.images.metadata import describe

        kinds = sorted({item.kind for item in image.metadata})
        yield Hit(
            rule="image.metadata",
            start=0,
            end=0,
            message=f"{image.label} carries metadata: {describe(image.metadata)}",
            suggestion="strip it before publishing: postguard strip IN OUT "
            "(the publisher also strips every image before upload)",
            image=image.index,
            evidence={"found": [item.label for item in image.metadata], "kinds": kinds},
        )
