"""OCR'd lines as one text for the text rules, and the way back from a span to a box.

Lines are joined in reading order with newlines, so "wifi password:" on one line of a sticky
note and the password on the next read as one phrase, as a person would read them.
"""

from __future__ import annotations

from dataclasses import dataclass

from postguard.vetting.findings import Region
from postguard.vetting.images.ocr import TextLine


@dataclass(frozen=True, slots=True)
class OcrText:
    text: str
    lines: tuple[TextLine, ...]
    starts: tuple[int, ...]  # offset of each line in `text`

    @classmethod
    def of(cls, lines: list[TextLine]) -> OcrText:
        starts: list[int] = []
        parts: list[str] = []
        offset = 0
        for line in lines:
            starts.append(offset)
            parts.append(line.text)
            offset += len(line.text) + 1
        return cls("\n".join(parts), tuple(lines), tuple(starts))

    def lines_in(self, start: int, end: int) -> list[TextLine]:
        """The lines a character span touches (at least one)."""
        touched = [
            line
            for line, first in zip(self.lines, self.starts, strict=True)
            if first < max(end, start + 1) and start < first + len(line.text)
        ]
        if not touched and self.lines:
            index = max(i for i, first in enumerate(self.starts) if first <= start)
            touched = [self.lines[index]]
        return touched

    def region(self, start: int, end: int) -> Region:
        boxes = [line.region for line in self.lines_in(start, end)]
        x0 = min(b.x for b in boxes)
        y0 = min(b.y for b in boxes)
        x1 = max(b.x + b.w for b in boxes)
        y1 = max(b.y + b.h for b in boxes)
        return Region(x0, y0, x1 - x0, y1 - y0)
