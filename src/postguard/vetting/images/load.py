"""Opening untrusted image bytes safely: sniff the real format, refuse bombs, never hang.

Everything the photo rules look at starts here. Only the formats a post may carry are ever
decoded (JPEG, PNG, WebP, GIF, HEIC/HEIF), so a file named .jpg that is really an EPS never
reaches Ghostscript; the pixel count is checked from the header before any pixel is decoded;
and the first frame is converted to 8-bit RGB with the EXIF orientation applied, whatever the
file held (CMYK, 16-bit grey, palette, alpha).
"""

from __future__ import annotations

import io
import re
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
from PIL import Image, UnidentifiedImageError

DEFAULT_MAX_PIXELS = 64_000_000  # a 64-megapixel photo; larger is almost surely an attack
DEFAULT_TIME_LIMIT = 60.0  # seconds for one image, every step included (a safety net, not a goal)
MAX_BYTES = 100 * 1024 * 1024

# The formats a post may carry, by Pillow's name, and what people call them.
FORMATS: dict[str, str] = {
    "JPEG": "JPEG",
    "PNG": "PNG",
    "WEBP": "WebP",
    "GIF": "GIF",
    "HEIF": "HEIC",
}
EXTENSIONS: dict[str, str] = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".jpe": "JPEG",
    ".png": "PNG",
    ".webp": "WEBP",
    ".gif": "GIF",
    ".heic": "HEIF",
    ".heif": "HEIF",
    ".hif": "HEIF",
}
ACCEPTED = "JPEG, PNG, WebP, GIF or HEIC"

_heif_registered = False
_heif_lock = threading.Lock()


class ImageError(ValueError):
    """An image that cannot be vetted or stripped, with a message a person can act on."""


class ImageTimeoutError(ImageError):
    pass


@dataclass(frozen=True, slots=True)
class ImageLimits:
    max_pixels: int = DEFAULT_MAX_PIXELS
    time_limit: float = DEFAULT_TIME_LIMIT
    max_bytes: int = MAX_BYTES


DEFAULT_LIMITS = ImageLimits()


@dataclass(slots=True)
class LoadedImage:
    """The first frame as 8-bit RGB (orientation applied) plus what the file said about itself."""

    name: str
    data: bytes
    format: str  # Pillow's name: JPEG, PNG, WEBP, GIF, HEIF
    rgb: Image.Image
    width: int  # of the stored pixels, before orientation
    height: int
    mode: str  # the file's own pixel mode: RGB, CMYK, I;16, P, ...
    frames: int = 1
    orientation: int = 1
    notes: list[str] = field(default_factory=list)

    @property
    def format_name(self) -> str:
        return FORMATS.get(self.format, self.format)

    def array(self) -> np.typing.NDArray[np.uint8]:
        """The oriented first frame as an H x W x 3 uint8 array (RGB)."""
        return np.asarray(self.rgb, dtype=np.uint8)


def register_heif() -> None:
    """Teach Pillow to open HEIC/HEIF once per process (pillow-heif is a plugin)."""
    global _heif_registered
    with _heif_lock:
        if not _heif_registered:
            import pillow_heif

            pillow_heif.register_heif_opener()
            _heif_registered = True


def sniff_format(data: bytes) -> str | None:
    """The real format from the first bytes, whatever the file is called."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[4:8] == b"ftyp" and data[8:12] in (
        b"heic",
        b"heix",
        b"heim",
        b"heis",
        b"hevc",
        b"hevx",
        b"mif1",
        b"msf1",
    ):
        return "HEIF"
    return None


def format_for_name(name: str) -> str | None:
    """The format a file name promises by its extension, if it is one we know."""
    return EXTENSIONS.get(Path(name).suffix.lower())


T = TypeVar("T")


def with_time_limit(seconds: float, what: str, fn: Callable[[], T]) -> T:
    """Run `fn` but give up after `seconds`: a hostile file must never hang a reviewer's queue.

    The work runs in a daemon thread; on timeout the caller gets a clear error at once and the
    thread is abandoned (native decoders cannot be interrupted safely).
    """
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(fn())
        except BaseException as exc:  # handed to the caller's thread below
            error.append(exc)

    thread = threading.Thread(target=target, name=f"postguard-image-{what}", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise ImageTimeoutError(
            f"{what} took longer than the limit of {seconds:g} s and was stopped"
        )
    if error:
        raise error[0]
    return result[0]


def read_bytes(path: Path, limits: ImageLimits = DEFAULT_LIMITS) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImageError(f"{path}: no such file") from None
    except OSError as exc:
        raise ImageError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if path.is_dir():
        raise ImageError(f"{path}: is a directory, not an image file")
    if size > limits.max_bytes:
        raise ImageError(
            f"{path}: {size:,} bytes is larger than the limit of {limits.max_bytes:,} bytes"
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImageError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def open_image(data: bytes, name: str, limits: ImageLimits = DEFAULT_LIMITS) -> Image.Image:
    """Open (header only) after the checks that need no decoding. Raises ImageError."""
    label = name or "image"
    if not data:
        raise ImageError(f"{label}: the file is empty (0 bytes); expected a {ACCEPTED} image")
    if len(data) > limits.max_bytes:
        raise ImageError(
            f"{label}: {len(data):,} bytes is larger than the limit of {limits.max_bytes:,} bytes"
        )
    real = sniff_format(data)
    if real is None:
        raise ImageError(
            f"{label}: not a {ACCEPTED} image (the first bytes are {data[:8].hex(' ')})"
        )
    if real == "HEIF":
        register_heif()
    try:
        with warnings.catch_warnings():
            # Our own pixel limit below decides; Pillow's warning would only be noise. Damaged
            # EXIF warns too: the metadata reader reports it as a finding instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            warnings.simplefilter("ignore", UserWarning)
            img = Image.open(io.BytesIO(data), formats=[real])
    except Image.DecompressionBombError as exc:
        match = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(match.group(1)) / 1e6:.0f} megapixels" if match else "its pixel count"
        raise ImageError(
            f"{label}: {size} is more than the limit of {limits.max_pixels / 1e6:.0f} "
            "megapixels (a decompression bomb?); resize it first"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if "runcated" in str(exc):
            raise ImageError(
                f"{label}: the {FORMATS[real]} file is truncated (it ends after "
                f"{len(data):,} bytes); upload the whole file again"
            ) from None
        raise ImageError(
            f"{label}: the {FORMATS[real]} file is damaged and cannot be opened ({exc})"
        ) from None
    width, height = img.size
    if width <= 0 or height <= 0:
        raise ImageError(f"{label}: the image has no pixels ({width} x {height})")
    if width * height > limits.max_pixels:
        raise ImageError(
            f"{label}: {width} x {height} pixels ({width * height / 1e6:.0f} megapixels) is "
            f"more than the limit of {limits.max_pixels / 1e6:.0f} megapixels; resize it first"
        )
    return img


def load_image(data: bytes, name: str = "", limits: ImageLimits = DEFAULT_LIMITS) -> LoadedImage:
    """Decode the first frame safely. Raises ImageError (ImageTimeoutError past the time limit)."""
    return with_time_limit(
        limits.time_limit, "reading the image", lambda: decode(data, name, limits)
    )


def decode(data: bytes, name: str = "", limits: ImageLimits = DEFAULT_LIMITS) -> LoadedImage:
    """`load_image` without its own time limit, for callers that already run under one."""
    label = name or "image"
    img = open_image(data, name, limits)
    real = str(img.format or sniff_format(data))
    notes: list[str] = []
    promised = format_for_name(name) if name else None
    if name and promised != real:
        what = f"named {Path(name).suffix or 'without an extension'}"
        notes.append(f"{label} is {what} but is really a {FORMATS.get(real, real)} file")
    frames = int(getattr(img, "n_frames", 1) or 1)
    if frames > 1:
        notes.append(
            f"{label} is an animated {FORMATS.get(real, real)} with {frames} frames; "
            "only the first frame was checked"
        )
    orientation = 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # damaged EXIF is reported by the metadata reader
            exif = img.getexif()
        value = exif.get(0x0112, 1)
        orientation = int(value) if isinstance(value, int) and 1 <= value <= 8 else 1
    except Exception:  # a corrupt EXIF block must not stop the pixels being read
        notes.append(f"{label}: its EXIF block is damaged; the orientation was not applied")
    mode = img.mode
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img.seek(0)
            img.load()
            rgb = to_rgb8(img)
            if orientation != 1:
                rgb = apply_orientation(rgb, orientation)
    except ImageError:
        raise
    except OSError as exc:
        message = str(exc)
        if "truncated" in message or "broken data stream" in message or "EOF" in message:
            raise ImageError(
                f"{label}: the {FORMATS.get(real, real)} file is truncated "
                f"(it ends after {len(data):,} bytes); upload the whole file again"
            ) from None
        raise ImageError(
            f"{label}: the {FORMATS.get(real, real)} pixels cannot be decoded ({exc})"
        ) from None
    except (ValueError, SyntaxError, MemoryError) as exc:
        raise ImageError(
            f"{label}: the {FORMATS.get(real, real)} pixels cannot be decoded ({exc})"
        ) from None
    return LoadedImage(
        name=label,
        data=data,
        format=real,
        rgb=rgb,
        width=img.size[0],
        height=img.size[1],
        mode=mode,
        frames=frames,
        orientation=orientation,
        notes=notes,
    )


def to_rgb8(img: Image.Image) -> Image.Image:
    """Any Pillow mode as 8-bit RGB: 16-bit and 32-bit grey are scaled, not clipped."""
    mode = img.mode
    if mode == "RGB":
        return img
    if mode in {"I;16", "I;16L", "I;16B", "I;16N", "I", "F"}:
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") else max(float(arr.max()), 1.0)
        grey = np.clip(arr / top * 255.0, 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    if mode in {"RGBA", "LA", "PA"} or (mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")


_TRANSPOSE: dict[int, tuple[Image.Transpose, ...]] = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


def apply_orientation(img: Image.Image, orientation: int) -> Image.Image:
    for step in _TRANSPOSE.get(orientation, ()):
        img = img.transpose(step)
    return img
