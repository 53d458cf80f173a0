"""image.screen: a readable screen, whiteboard or document in the frame (review).

Judged from the OCR'd text layout (several lines stacked like a page), since what makes a screen
a risk is that it can be read. Needs OCR, so it is silent when `image.text` is off.
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


class ImageScreenRule(ImageRule):
    ids: ClassVar[dict[str, Severity]] = {"image.screen": Severity.REVIEW}
    needs_text: ClassVar[bool] = True

    def check_image(self, post: Post, image: ImageAnalysis, ctx: VettingContext) -> Iterable[Hit]:
        for block in image.blocks:
            first = block.lines[0].text
            yield Hit(
                rule="image.screen",
                start=0,
                end=0,
                message=f"{image.label} shows a readable {block.kind}: {len(block.lines)} lines, "
                f"{block.chars} characters, starting {first[:60]!r}",
                suggestion="retake the photo away from screens and papers, or blur that area",
                image=image.index,
                region=block.region,
                evidence={
                    "source": "image.text",
                    "text": "\n".join(line.text for line in block.lines),
                    "kind": block.kind,
                },
            )
