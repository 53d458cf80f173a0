"""Text in the picture, read by OCR: screens, badges, sticky notes, whiteboards, documents.

`RapidTextReader` wraps rapidocr 3.10, whose wheel ships its default PP-OCR models: the default
model choice is kept on purpose, because choosing another model or language makes rapidocr
download one. The angle classifier is off and the long side is capped at 1024 px: on our generated
set that read every planted secret (30 of 30) for 1.46 CPU-seconds per 2 MP photo, against
2.02 at 1280 px.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from postguard.vetting.findings import Region


@dataclass(frozen=True, slots=True)
class TextLine:
    text: str
    region: Region  # the axis-aligned box around the (possibly tilted) line
    score: float
    angle: float = 0.0  # degrees from horizontal


class TextReader(Protocol):
    """Reads lines of text from an H x W x 3 RGB uint8 array."""

    def read(self, rgb: np.typing.NDArray[np.uint8]) -> list[TextLine]: ...


class NoTextReader:
    """For tests and for installs that turn OCR off: reads nothing."""

    def read(self, rgb: np.typing.NDArray[np.uint8]) -> list[TextLine]:
        return []


class RapidTextReader:
    """rapidocr with its bundled models, loaded once and shared (thread-safe by a lock)."""

    def __init__(self, *, max_side: int = 1024, min_score: float = 0.5) -> None:
        from rapidocr import RapidOCR

        # rapidocr logs every call at INFO; Postguard's own messages say what matters.
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        self._engine: Any = RapidOCR(
            params={
                "Global.use_cls": False,
                "Global.max_side_len": max_side,
                "Global.text_score": min_score,
                "Global.log_level": "error",
            }
        )
        self._lock = threading.Lock()
        _load_without_spinning(self._engine)

    def warm_up(self) -> None:
        """Load the detection and recognition models now rather than on the first photo."""
        # Square, because detection scales the short side up to 736 px: a wide strip would cost
        # as much as a whole photo.
        canvas = np.full((96, 96, 3), 255, dtype=np.uint8)
        canvas[40:56, 8:88] = 0
        self.read(canvas)

    def read(self, rgb: np.typing.NDArray[np.uint8]) -> list[TextLine]:
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])  # rapidocr, like OpenCV, wants BGR
        with self._lock:
            result = self._engine(bgr)
        boxes = getattr(result, "boxes", None)
        texts = getattr(result, "txts", None)
        scores = getattr(result, "scores", None)
        if boxes is None or texts is None:
            return []
        return lines_from(boxes, texts, scores or [1.0] * len(texts), rgb.shape[1], rgb.shape[0])


def lines_from(
    boxes: Sequence[Any], texts: Sequence[str], scores: Sequence[float], width: int, height: int
) -> list[TextLine]:
    lines: list[TextLine] = []
    for quad, text, score in zip(boxes, texts, scores, strict=False):
        if not text.strip():
            continue
        points = np.asarray(quad, dtype=np.float64).reshape(-1, 2)
        x0 = max(0, int(np.floor(points[:, 0].min())))
        y0 = max(0, int(np.floor(points[:, 1].min())))
        x1 = min(width, int(np.ceil(points[:, 0].max())))
        y1 = min(height, int(np.ceil(points[:, 1].max())))
        dx, dy = points[1] - points[0]
        angle = float(np.degrees(np.arctan2(dy, dx)))
        lines.append(
            TextLine(
                text.strip(), Region(x0, y0, max(1, x1 - x0), max(1, y1 - y0)), float(score), angle
            )
        )
    return reading_order(lines)


def reading_order(lines: list[TextLine]) -> list[TextLine]:
    """Top to bottom, then left to right within a row (rows: boxes whose middles are close)."""
    ordered = sorted(lines, key=lambda line: (line.region.y + line.region.h / 2, line.region.x))
    rows: list[list[TextLine]] = []
    for line in ordered:
        middle = line.region.y + line.region.h / 2
        if rows:
            last = rows[-1][0]
            if abs(middle - (last.region.y + last.region.h / 2)) < 0.5 * min(
                line.region.h, last.region.h
            ):
                rows[-1].append(line)
                continue
        rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda item: item.region.x)]


def _load_without_spinning(engine: Any) -> None:
    """Load the detection and recognition sessions now, with onnxruntime's busy-waiting off.

    onnxruntime's worker threads spin between operators by default; with two models (OCR and
    faces) sharing two cores that spinning steals about a fifth of the CPU (measured with
    CenterFace: 0.63 -> 0.51 CPU-seconds per photo). rapidocr 3.10 offers no option for it, so
    its session-options factory is wrapped while the sessions are built. If rapidocr's
    internals ever change, the models simply load lazily with the defaults.
    """
    try:
        from rapidocr.inference_engine.onnxruntime.main import OrtInferSession
    except ImportError:
        return
    original = OrtInferSession.__dict__.get("_init_sess_opts")
    if not isinstance(original, staticmethod):
        return

    def options(cfg: Any) -> Any:
        made = original.__func__(cfg)
        made.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return made

    OrtInferSession._init_sess_opts = staticmethod(options)  # type: ignore[method-assign]  # only while our sessions load
    try:
        for loader in ("_load_det_model", "_load_rec_model"):
            load = getattr(engine, loader, None)
            if callable(load):
                load()
    finally:
        OrtInferSession._init_sess_opts = original  # type: ignore[method-assign]  # restored
