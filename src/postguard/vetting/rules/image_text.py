"""image.text: the text OCR read in the picture (screens, badges, sticky notes, documents).

The engine runs every text rule over that text and reports what they find under their own ids
(a password on a sticky note is `secret.credential`, in the note's box). This rule adds one
`warn` finding per image that says what was read, so the reviewer can check it by eye.
Turning `image.text` off in the policy turns OCR off.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Region, Severity
from postguard.vetting.images.rule import ImageRule
from postguard.vetting.post import Post

if TYPE_CHECKING:
    from postguard.vetting.images.analysis import ImageAnalysis

MAX_QUOTED = 120


class ImageTextRule(ImageRule):
    ids: ClassVar[dict[str, Severity]] = {"image.text": Severity.WARN}
    needs_text: ClassVar[bool] = True

    def check_image(self, post: Post, image: ImageAnalysis, ctx: VettingContext) -> Iterable[Hit]:
        if not image.lines:
            return
        read = " / ".join(line.text for line in image.lines)
        quoted = read if len(read) <= MAX_QUOTED else read[: MAX_QUOTED - 1] + "…"
        boxes = [line.region for line in image.lines]
        x0, y0 = min(b.x for b in boxes), min(b.y for b in boxes)
        x1, y1 = max(b.x + b.w for b in boxes), max(b.y + b.h for b in boxes)
        count = len(image.lines)
        yield Hit(
            rule="image.text",
            start=0,
            end=0,
            message=f"{image.label} shows readable text ({count} line{'s' if count != 1 else ''}): "
            f"{quoted!r}",
            suggestion="check that nothing in the picture should stay private",
            image=image.index,
            region=Region(x0, y0, x1 - x0, y1 - y0),
            evidence={
                "source": "image.text",
                "text": read,
                "lines": [
                    {
                        "text": line.text,
                        "region": [line.region.x, line.region.y, line.region.w, line.region.h],
                    }
                    for line in image.lines
                ],
            },
        )
