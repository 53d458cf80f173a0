"""A readable screen, whiteboard or document in the frame, judged from the OCR'd text layout.

No registry package ships weights for a screen or laptop detector that works offline; what
makes a screen dangerous is that it can be read, and OCR already tells us that. A block of
several text lines close together, stacked like a page (rather than one sign or a logo), is
reported with its bounding box.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from postguard.vetting.findings import Region
from postguard.vetting.images.ocr import TextLine

MIN_LINES = 4
MIN_CHARS = 40


@dataclass(frozen=True, slots=True)
class TextBlock:
    region: Region
    lines: tuple[TextLine, ...]
    kind: str  # "screen" (light text on dark) or "document" (dark on light)

    @property
    def chars(self) -> int:
        return sum(len(line.text) for line in self.lines)


def text_blocks(
    lines: list[TextLine], rgb: np.typing.NDArray[np.uint8] | None = None
) -> list[TextBlock]:
    """Groups of lines that sit together like a page: readable screens and documents."""
    groups: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda item: (item.region.y, item.region.x)):
        for group in groups:
            if any(_near(line, other) for other in group):
                group.append(line)
                break
        else:
            groups.append([line])
    groups = _merge(groups)
    blocks: list[TextBlock] = []
    for group in groups:
        chars = sum(len(line.text) for line in group)
        if len(group) < MIN_LINES or chars < MIN_CHARS:
            continue
        region = _union([line.region for line in group])
        blocks.append(TextBlock(region, tuple(group), _kind(region, rgb)))
    return blocks


def _near(a: TextLine, b: TextLine) -> bool:
    height = max(a.region.h, b.region.h)
    gap_y = max(
        0, max(a.region.y, b.region.y) - min(a.region.y + a.region.h, b.region.y + b.region.h)
    )
    gap_x = max(
        0, max(a.region.x, b.region.x) - min(a.region.x + a.region.w, b.region.x + b.region.w)
    )
    return gap_y <= 1.8 * height and gap_x <= 3 * height


def _merge(groups: list[list[TextLine]]) -> list[list[TextLine]]:
    merged = True
    while merged:
        merged = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                if any(_near(a, b) for a in groups[i] for b in groups[j]):
                    groups[i].extend(groups.pop(j))
                    merged = True
                    break
            if merged:
                break
    return groups


def _union(regions: list[Region]) -> Region:
    x0 = min(r.x for r in regions)
    y0 = min(r.y for r in regions)
    x1 = max(r.x + r.w for r in regions)
    y1 = max(r.y + r.h for r in regions)
    return Region(x0, y0, x1 - x0, y1 - y0)


def _kind(region: Region, rgb: np.typing.NDArray[np.uint8] | None) -> str:
    if rgb is None:
        return "screen or document"
    patch = rgb[region.y : region.y + region.h, region.x : region.x + region.w]
    if patch.size == 0:
        return "screen or document"
    return "document or whiteboard" if float(np.median(patch)) >= 128 else "screen"
