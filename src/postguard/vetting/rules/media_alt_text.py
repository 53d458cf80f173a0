"""media.alt_text_missing: every image needs a real description (block by default).

Accessibility law requires alt text of government accounts. An empty alt text, one made of
spaces, a placeholder ("image", "photo", "IMG_1234") or the file's own name counts as missing.
The policy's `media.alt_text_required: false` turns the check off.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePath
from typing import TYPE_CHECKING, ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.images.rule import ImageRule
from postguard.vetting.post import Post

if TYPE_CHECKING:
    from postguard.vetting.images.analysis import ImageAnalysis

PLACEHOLDERS = frozenset(
    {
        "image",
        "img",
        "photo",
        "picture",
        "pic",
        "graphic",
        "screenshot",
        "alt",
        "alt text",
        "untitled",
        "imagen",
        "foto",
        "figure",
        "placeholder",
        "description",
        "todo",
        "tbd",
        "n/a",
        "na",
        "none",
        "null",
        "-",
        ".",
        "image of",
        "photo of",
    }
)
_FILE_LIKE = re.compile(
    r"^(?:(?:img|dsc|dscn|dcim|pxl|photo|image|screenshot|screen shot|whatsapp image)"
    r"[\s_-]*[\d\s_.:-]*(?:\s*(?:at|am|pm)[\d\s_.:-]*)*|[\w\s.-]+\.(?:jpe?g|png|gif|webp|heic|heif))$",
    re.IGNORECASE,
)


def alt_problem(alt: str, file_name: str) -> str | None:
    """Why an alt text does not describe the image, or None when it is a real description."""
    text = " ".join(alt.split())
    if not text:
        return "has no alt text"
    lowered = text.lower().strip(" .:!")
    if lowered in PLACEHOLDERS or text.lower() in PLACEHOLDERS:
        return f"has only a placeholder as alt text ({text!r})"
    if file_name:
        stem = PurePath(file_name).stem.lower()
        if lowered in {file_name.lower(), stem} or lowered.replace(" ", "_") == stem:
            return f"has its file name as alt text ({text!r})"
    if _FILE_LIKE.match(text):
        return f"has a file name as alt text ({text!r})"
    return None


class MediaAltTextRule(ImageRule):
    ids: ClassVar[dict[str, Severity]] = {"media.alt_text_missing": Severity.BLOCK}

    def check_image(self, post: Post, image: ImageAnalysis, ctx: VettingContext) -> Iterable[Hit]:
        if not ctx.policy.media.alt_text_required:
            return
        source = image.input
        name = source.name or (source.path.name if source.path else "")
        problem = alt_problem(source.alt, name)
        if problem is None:
            return
        yield Hit(
            rule="media.alt_text_missing",
            start=0,
            end=0,
            message=f"{image.label} {problem}",
            suggestion="describe what the picture shows for people who cannot see it "
            "(e.g. 'Three volunteers planting a tree outside the library')",
            image=image.index,
            evidence={"alt": source.alt},
        )
