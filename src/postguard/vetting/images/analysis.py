"""One image's analysis, done once per image and shared by every image rule.

`ImageAnalysers` holds the models (OCR, faces) and the limits; the engine receives it through
its constructor so tests can swap the models. `default_image_analysers()` loads the real models
once per process, on the first image that needs them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from postguard.vetting.images.faces import (
    CenterFaceDetector,
    Face,
    FaceDetector,
    ModelMissingError,
    NoFaceDetector,
)
from postguard.vetting.images.load import (
    DEFAULT_LIMITS,
    ImageError,
    ImageLimits,
    LoadedImage,
    decode,
    read_bytes,
    with_time_limit,
)
from postguard.vetting.images.metadata import Item, read_metadata
from postguard.vetting.images.ocr import NoTextReader, RapidTextReader, TextLine, TextReader
from postguard.vetting.images.screen import TextBlock, text_blocks
from postguard.vetting.post import ImageInput


@dataclass(slots=True)
class ImageAnalysis:
    index: int
    input: ImageInput
    label: str  # "image 1 (desk.jpg)"
    loaded: LoadedImage | None = None
    error: str | None = None  # why it could not be read; then nothing else is filled in
    metadata: list[Item] = field(default_factory=list)
    lines: list[TextLine] | None = None  # None: OCR did not run
    blocks: list[TextBlock] = field(default_factory=list)
    faces: list[Face] | None = None  # None: face detection did not run
    notes: list[str] = field(default_factory=list)


def label_of(index: int, image: ImageInput) -> str:
    name = image.name or (image.path.name if image.path else "")
    return f"image {index + 1} ({name})" if name else f"image {index + 1}"


class ImageAnalysers:
    """The models and limits image vetting uses. Pass NoTextReader/NoFaceDetector to skip one."""

    def __init__(
        self,
        reader: TextReader | None = None,
        faces: FaceDetector | None = None,
        limits: ImageLimits = DEFAULT_LIMITS,
        notices: tuple[str, ...] = (),
    ) -> None:
        self.reader: TextReader = reader or NoTextReader()
        self.faces: FaceDetector = faces or NoFaceDetector()
        self.limits = limits
        self.notices = notices  # e.g. "face detection is off: the model is missing"

    def analyse(
        self, index: int, image: ImageInput, *, read_text: bool, find_faces: bool
    ) -> ImageAnalysis:
        """Never raises for a bad image: the error lands in `ImageAnalysis.error`."""
        label = label_of(index, image)
        # The work fills its own object: a thread abandoned at the time limit can never change
        # what the rules are reading.
        work = ImageAnalysis(index=index, input=image, label=label)
        try:
            with_time_limit(
                self.limits.time_limit,
                f"vetting {label}",
                lambda: self._analyse(work, read_text=read_text, find_faces=find_faces),
            )
        except ImageError as exc:
            return ImageAnalysis(index=index, input=image, label=label, error=str(exc))
        return work

    def _analyse(self, result: ImageAnalysis, *, read_text: bool, find_faces: bool) -> None:
        image = result.input
        name = image.name or (image.path.name if image.path else "")
        if image.data is not None:
            data = image.data
        elif image.path is not None:
            data = read_bytes(image.path, self.limits)
        else:
            raise ImageError(f"{result.label}: no file and no bytes were given")
        loaded = decode(data, name, self.limits)
        result.loaded = loaded
        result.notes.extend(loaded.notes)
        result.metadata = read_metadata(loaded)
        pixels = loaded.array() if (read_text or find_faces) else None
        if read_text and pixels is not None:
            result.lines = self.reader.read(pixels)
            result.blocks = text_blocks(result.lines, pixels)
        if find_faces and pixels is not None:
            result.faces = self.faces.detect(pixels)


_default: ImageAnalysers | None = None
_default_lock = threading.Lock()


def default_image_analysers() -> ImageAnalysers:
    """The real models (rapidocr, CenterFace), loaded once per process and shared."""
    global _default
    with _default_lock:
        if _default is None:
            notices: list[str] = []
            faces: FaceDetector
            try:
                faces = CenterFaceDetector()
            except ModelMissingError as exc:
                faces = NoFaceDetector()
                notices.append(f"face detection is off: {exc}")
            reader = RapidTextReader()
            # Load and run each model once now, so that loading never counts against the first
            # image's time limit.
            reader.warm_up()
            if isinstance(faces, CenterFaceDetector):
                faces.warm_up()
            _default = ImageAnalysers(reader, faces, notices=tuple(notices))
        return _default
