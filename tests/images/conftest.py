"""Images made in the tests (no fixtures on disk) and the real models, loaded once per session."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from postguard.policy.schema import Policy
from postguard.vetting.context import VettingContext
from postguard.vetting.directory import Employee
from postguard.vetting.images.analysis import ImageAnalysers, default_image_analysers

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
EXIFTOOL = shutil.which("exiftool") or "/usr/bin/exiftool"

# Strings planted in metadata; none may survive a strip.
ARTIST = "Jane Photographer"
SERIAL = "SN-8812-77341"
LENS_SERIAL = "LS-0042-99"
OWNER = "Casey Owner"
COMMENT = "shot at the Annex server room"
XMP_CREATOR = "Xmp Creator Person"
IPTC_BYLINE = "Iptc Byline Person"
TRAILER = b"MotionPhoto_Data-planted-trailer"
PLANTED: tuple[bytes, ...] = (
    ARTIST.encode(),
    SERIAL.encode(),
    LENS_SERIAL.encode(),
    OWNER.encode(),
    COMMENT.encode(),
    XMP_CREATOR.encode(),
    IPTC_BYLINE.encode(),
    TRAILER,
    b"GPSLatitude",
    "Thumb Author".encode("utf-16-le"),
)


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if FONT.is_file():
        return ImageFont.truetype(str(FONT), size)
    return ImageFont.load_default(size)


def gradient(width: int, height: int, seed: int = 1) -> Image.Image:
    """A photo-like picture (smooth colours plus noise) so JPEG comparisons mean something."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / width, y * 255 / height, (x + y) * 127 / (width + height)], -1)
    noisy = base + rng.normal(0, 12, base.shape)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def xmp_packet() -> bytes:
    return (
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        b'exif:GPSLatitude="38,53.4N" exif:GPSLongitude="77,1.8W">'
        b"<dc:creator><rdf:Seq><rdf:li>"
        + XMP_CREATOR.encode()
        + b"</rdf:li></rdf:Seq></dc:creator>"
        b"</rdf:Description></rdf:RDF></x:xmpmeta>"
        b'<?xpacket end="w"?>'
    )


def full_exif(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x013B] = ARTIST
    exif[0x010F] = "Canon"
    exif[0x0110] = "EOS R6"
    exif[0x9C9D] = "Thumb Author".encode("utf-16-le") + b"\x00\x00"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (38.0, 53.0, 24.0), 3: "W", 4: (77.0, 1.0, 48.0)})
    sub = exif.get_ifd(0x8769)
    sub.update({0xA431: SERIAL, 0xA435: LENS_SERIAL, 0xA430: OWNER, 0x9003: "2026:11:01 10:00:00"})
    return exif


def iptc_segment() -> bytes:
    """An APP13 Photoshop segment holding an IPTC by-line and city."""
    records = b""
    for dataset, value in ((80, IPTC_BYLINE.encode()), (90, b"Springfield")):
        records += b"\x1c\x02" + bytes([dataset]) + len(value).to_bytes(2, "big") + value
    resource = b"8BIM" + b"\x04\x04" + b"\x00\x00" + len(records).to_bytes(4, "big") + records
    if len(records) % 2:
        resource += b"\x00"
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + (len(payload) + 2).to_bytes(2, "big") + payload


def insert_after_soi(jpeg: bytes, segment: bytes) -> bytes:
    return jpeg[:2] + segment + jpeg[2:]


def exif_thumbnail_segment(orientation: int = 6) -> bytes:
    """A hand-built EXIF APP1 with IFD0 (Orientation, Artist) and an IFD1 JPEG thumbnail."""
    thumb = io.BytesIO()
    gradient(64, 48, seed=9).save(thumb, "JPEG")
    tb = thumb.getvalue()
    artist = ARTIST.encode() + b"\x00"
    # Layout: header(8) IFD0 @8: 2 entries -> 2+24+4 = 30 -> ends 38; artist @38; IFD1 after.
    ifd0_off = 8
    artist_off = ifd0_off + 2 + 2 * 12 + 4
    ifd1_off = artist_off + len(artist)
    thumb_off = ifd1_off + 2 + 2 * 12 + 4

    def entry(tag: int, typ: int, count: int, value: int) -> bytes:
        return (
            tag.to_bytes(2, "little")
            + typ.to_bytes(2, "little")
            + count.to_bytes(4, "little")
            + value.to_bytes(4, "little")
        )

    tiff = b"II*\x00" + ifd0_off.to_bytes(4, "little")
    tiff += (
        (2).to_bytes(2, "little")
        + entry(0x0112, 3, 1, orientation)
        + entry(0x013B, 2, len(artist), artist_off)
    )
    tiff += ifd1_off.to_bytes(4, "little") + artist
    tiff += (
        (2).to_bytes(2, "little") + entry(0x0201, 4, 1, thumb_off) + entry(0x0202, 4, 1, len(tb))
    )
    tiff += (0).to_bytes(4, "little") + tb
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload


def loaded_jpeg(*, orientation: int = 6, size: tuple[int, int] = (320, 200)) -> bytes:
    """A JPEG with everything a phone or a newsroom leaves in a file."""
    img = gradient(*size)
    out = io.BytesIO()
    img.save(
        out,
        "JPEG",
        quality=90,
        exif=full_exif(orientation),
        comment=COMMENT.encode(),
        xmp=xmp_packet(),
        icc_profile=srgb_profile(),
    )
    data = insert_after_soi(out.getvalue(), iptc_segment())
    # A second EXIF block with a thumbnail, as some cameras write (readers see both).
    data = insert_after_soi(data, exif_thumbnail_segment(orientation))
    return data + b"\x00\x00\x00\x18ftypmp42" + TRAILER


def srgb_profile() -> bytes:
    from PIL import ImageCms

    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def png_with_text() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", ARTIST)
    info.add_itxt("Comment", COMMENT)
    info.add_text("XML:com.adobe.xmp", xmp_packet().decode())
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x013B] = ARTIST
    gradient(120, 80).save(out, "PNG", pnginfo=info, exif=exif)
    return out.getvalue() + TRAILER


def encode(img: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def exiftool(path: Path) -> dict[str, Any]:
    """What an independent reader (exiftool, from Debian) finds in the file."""
    done = subprocess.run(
        [EXIFTOOL, "-j", "-a", "-u", "-G1", "-b", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)[0]
    return result


def sticky_note(text_lines: list[str], *, size: tuple[int, int] = (1200, 900)) -> Image.Image:
    """A yellow sticky note with handwriting-sized text on a desk-coloured background."""
    scene = gradient(*size, seed=3)
    note = Image.new("RGB", (460, 80 + 80 * len(text_lines)), (250, 235, 90))
    draw = ImageDraw.Draw(note)
    for i, line in enumerate(text_lines):
        draw.text((30, 40 + 80 * i), line, font=font(42), fill=(20, 20, 60))
    note = note.rotate(6, expand=True, fillcolor=(250, 235, 90))
    scene.paste(note, (400, 250))
    return scene


@pytest.fixture
def policy() -> Policy:
    return Policy(organization="Springfield", domains=("springfield.gov",))


@pytest.fixture
def ctx(policy: Policy) -> VettingContext:
    directory = [
        Employee(name="Jane Rivera", preferred_name="Janie", department="Finance"),
        Employee(name="Omar Haddad", department="Parks", participant=True),
    ]
    return VettingContext.from_policy(policy, directory)


def sample(name: str) -> np.typing.NDArray[np.uint8]:
    """One of the pictures that ship inside scikit-image's wheel (no download), as RGB."""
    from skimage import data

    pixels = np.asarray(getattr(data, name)())
    if pixels.ndim == 2:
        pixels = np.stack([pixels] * 3, axis=-1)
    return np.ascontiguousarray(pixels[..., :3]).astype(np.uint8)


@pytest.fixture(scope="session")
def real_analysers() -> ImageAnalysers:
    """rapidocr and CenterFace, loaded once for the whole session."""
    return default_image_analysers()
