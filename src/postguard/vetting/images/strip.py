"""Clean copies of images: nothing but the picture (and its colour profile and orientation).

JPEG to JPEG is lossless: the segments that carry metadata are dropped and the compressed
picture is copied byte for byte, so the pixels are identical. Everything else is re-encoded from
decoded pixels with the orientation applied first, so no chunk, comment or trailer can survive.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageSequence

from postguard.vetting.images import jpeg
from postguard.vetting.images.load import (
    DEFAULT_LIMITS,
    FORMATS,
    ImageError,
    ImageLimits,
    apply_orientation,
    open_image,
    register_heif,
    sniff_format,
    to_rgb8,
    with_time_limit,
)


@dataclass(frozen=True, slots=True)
class Stripped:
    data: bytes
    format: str  # Pillow's name of the format written
    lossless: bool
    frames: int = 1


def strip(
    data: bytes,
    name: str = "",
    *,
    target_format: str | None = None,
    limits: ImageLimits = DEFAULT_LIMITS,
) -> Stripped:
    """A copy of the image with every piece of metadata removed. Raises ImageError.

    `target_format` (Pillow's name) converts as it strips; None keeps the image's own format.
    """
    return with_time_limit(
        limits.time_limit,
        "stripping the image",
        lambda: _strip(data, name, target_format, limits),
    )


def _strip(data: bytes, name: str, target_format: str | None, limits: ImageLimits) -> Stripped:
    img = open_image(data, name, limits)  # every safety check, before anything is decoded
    real = str(img.format or sniff_format(data))
    target = target_format or real
    if target not in FORMATS:
        raise ImageError(f"cannot write {target}: expected one of {', '.join(FORMATS.values())}")
    if real == "JPEG" and target == "JPEG":
        try:
            return Stripped(strip_jpeg(data), "JPEG", lossless=True)
        except jpeg.JpegError as exc:
            raise ImageError(f"{name or 'image'}: the JPEG file is {exc}") from None
    return _reencode(img, name, target)


def strip_jpeg(data: bytes) -> bytes:
    """Lossless: keep the picture's own segments, ICC profile and Adobe colour transform only."""
    layout = jpeg.parse(data)
    orientation = _jpeg_orientation(layout)
    out = bytearray(b"\xff\xd8")
    jfif = next(
        (
            s
            for s in layout.segments
            if s.marker == jpeg.APP0 and s.payload.startswith(jpeg.JFIF_HEADER)
        ),
        None,
    )
    if jfif is not None:
        out += jpeg.minimal_jfif(jfif.payload)
    if orientation != 1:
        out += jpeg.minimal_exif(orientation)
    for seg in layout.segments:
        if seg.marker in (jpeg.SOI, jpeg.EOI, jpeg.COM):
            continue
        if seg.is_app:
            icc = seg.marker == jpeg.APP2 and seg.payload.startswith(jpeg.ICC_HEADER)
            if not (icc or jpeg.is_adobe_transform(seg)):
                continue
        out += data[seg.start : seg.end]
    out += b"\xff\xd9"
    return bytes(out)


def _jpeg_orientation(layout: jpeg.JpegLayout) -> int:
    for exif in jpeg.iter_app(layout, jpeg.APP1, jpeg.EXIF_HEADER):
        try:
            value = Image.Exif()
            value.load(exif)
            orientation = value.get(0x0112, 1)
        except Exception:  # damaged EXIF: keep the stored orientation (upright)
            return 1
        return orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1
    return 1


def _reencode(img: Image.Image, name: str, target: str) -> Stripped:
    label = name or "image"
    if target == "HEIF":
        register_heif()
    try:
        orientation = _orientation(img)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            frames, durations = _clean_frames(img, orientation, animated=target in {"GIF", "WEBP"})
        frames = [_for_target(f, target) for f in frames]
        out = io.BytesIO()
        first = frames[0]
        icc = img.info.get("icc_profile") if target in {"JPEG", "PNG", "WEBP"} else None
        options: dict[str, object] = {}
        if icc and first.mode in {"RGB", "RGBA", "L", "CMYK"}:
            options["icc_profile"] = icc
        if target == "JPEG":
            options.update(quality=95, subsampling=0)
        elif target == "WEBP":
            options.update(quality=95, method=4)
        elif target == "HEIF":
            options.update(quality=90)
        if len(frames) > 1:
            options.update(save_all=True, append_images=frames[1:], duration=durations, loop=0)
        first.save(out, format=target, **options)
    except ImageError:
        raise
    except (OSError, ValueError, SyntaxError, MemoryError) as exc:
        raise ImageError(
            f"{label}: the {FORMATS.get(str(img.format))} pixels cannot be decoded ({exc})"
        ) from None
    return Stripped(out.getvalue(), target, lossless=False, frames=len(frames))


def _orientation(img: Image.Image) -> int:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # damaged EXIF: nothing to apply, and it goes
            value = img.getexif().get(0x0112, 1)
    except Exception:  # damaged EXIF: nothing to apply
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _clean_frames(
    img: Image.Image, orientation: int, *, animated: bool
) -> tuple[list[Image.Image], list[int]]:
    """New images built from pixel data alone: no `info`, no chunks, nothing but pixels."""
    frames: list[Image.Image] = []
    durations: list[int] = []
    source = ImageSequence.Iterator(img) if animated else [img]
    for frame in source:
        frame.load()
        pixels = frame.convert("RGBA") if frame.mode in {"P", "PA", "LA"} else frame
        fresh = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
        frames.append(apply_orientation(fresh, orientation))
        durations.append(int(frame.info.get("duration", 100) or 100))
    return frames, durations


def _for_target(frame: Image.Image, target: str) -> Image.Image:
    mode = frame.mode
    if target == "PNG":
        return frame if mode in {"RGB", "RGBA", "L", "LA", "I;16", "I"} else frame.convert("RGB")
    if target == "JPEG":
        if mode in {"RGB", "L", "CMYK"}:
            return frame
        if mode.startswith("I") or mode == "F":
            return to_rgb8(frame)
        return frame.convert("RGB")
    if target in {"WEBP", "GIF", "HEIF"}:
        if mode in {"RGB", "RGBA"}:
            return frame
        if mode.startswith("I") or mode == "F":
            return to_rgb8(frame)
        return frame.convert("RGBA" if "A" in mode else "RGB")
    return frame
