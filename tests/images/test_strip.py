"""Stripping leaves nothing behind: proven by exiftool (an independent reader) and byte search."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from postguard.vetting.images.load import load_image
from postguard.vetting.images.metadata import read_metadata
from postguard.vetting.images.strip import strip
from tests.images.conftest import (
    PLANTED,
    encode,
    exiftool,
    full_exif,
    gradient,
    loaded_jpeg,
    png_with_text,
    srgb_profile,
    xmp_packet,
)

# Groups an independent reader may still show after a strip: the file itself, the picture's
# structure, its colour profile, and the one EXIF tag we write back on purpose.
CLEAN_GROUPS = {
    "ExifTool",
    "System",
    "File",
    "JFIF",
    "Composite",
    "PNG",
    "RIFF",
    "QuickTime",
    "GIF",
}
ICC_GROUPS = ("ICC",)


def leftovers(path: Path) -> dict[str, object]:
    found = {}
    for key, value in exiftool(path).items():
        group, _, _tag = key.partition(":")
        if group in CLEAN_GROUPS or group.startswith(ICC_GROUPS) or key == "SourceFile":
            continue
        if key == "IFD0:Orientation":
            continue
        found[key] = value
    return found


def pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"))


def test_jpeg_strip_is_lossless_and_leaves_nothing(tmp_path: Path) -> None:
    original = loaded_jpeg(orientation=6)
    (tmp_path / "before.jpg").write_bytes(original)
    assert exiftool(tmp_path / "before.jpg")["GPS:GPSLatitude"]  # the reader sees what we planted

    result = strip(original, "before.jpg")
    out = tmp_path / "after.jpg"
    out.write_bytes(result.data)

    assert result.lossless
    assert leftovers(out) == {}
    for planted in PLANTED:
        assert planted not in result.data, planted
    assert b"ftyp" not in result.data  # the motion-photo video after the end of image is cut
    assert result.data.endswith(b"\xff\xd9")
    assert np.array_equal(pixels(original), pixels(result.data))  # pixel-identical
    info = exiftool(out)
    assert info["IFD0:Orientation"] == "Rotate 90 CW"  # orientation kept, so it stays upright
    assert info["ICC_Profile:ProfileDescription"] == "sRGB built-in"  # colour profile kept
    assert read_metadata(load_image(result.data, "after.jpg")) == []


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_jpeg_orientation_survives_and_upright_pixels_match(orientation: int) -> None:
    original = loaded_jpeg(orientation=orientation)
    stripped = strip(original, "x.jpg").data
    before = load_image(original, "x.jpg")
    after = load_image(stripped, "x.jpg")
    assert after.orientation == orientation
    assert before.rgb.size == after.rgb.size
    assert np.array_equal(before.array(), after.array())


def test_cmyk_jpeg_strips_losslessly_with_its_adobe_colour_marker() -> None:
    cmyk = gradient(64, 48).convert("CMYK")
    original = encode(cmyk, "JPEG", exif=full_exif(1), comment=b"cmyk comment")
    stripped = strip(original, "cmyk.jpg").data
    assert b"cmyk comment" not in stripped
    with Image.open(io.BytesIO(original)) as a, Image.open(io.BytesIO(stripped)) as b:
        assert b.mode == "CMYK"
        assert np.array_equal(np.asarray(a), np.asarray(b))


def test_png_text_chunks_exif_and_trailer_are_gone(tmp_path: Path) -> None:
    original = png_with_text()
    result = strip(original, "chart.png")
    out = tmp_path / "chart.png"
    out.write_bytes(result.data)
    assert not result.lossless
    assert leftovers(out) == {}
    for planted in PLANTED:
        assert planted not in result.data
    assert np.array_equal(pixels(original), pixels(result.data))  # PNG re-encode is lossless too


def test_webp_with_exif_and_xmp(tmp_path: Path) -> None:
    original = encode(gradient(96, 64), "WEBP", exif=full_exif(1), xmp=xmp_packet(), lossless=True)
    out = tmp_path / "x.webp"
    out.write_bytes(strip(original, "x.webp").data)
    assert leftovers(out) == {}
    assert b"GPSLatitude" not in out.read_bytes()


def test_gif_comment_is_gone_and_frames_kept(tmp_path: Path) -> None:
    frames = [gradient(40, 30, seed=i).convert("P") for i in range(3)]
    original = encode(
        frames[0],
        "GIF",
        save_all=True,
        append_images=frames[1:],
        comment=b"planted gif comment",
        duration=80,
    )
    result = strip(original, "anim.gif")
    assert result.frames == 3
    assert b"planted gif comment" not in result.data
    out = tmp_path / "anim.gif"
    out.write_bytes(result.data)
    assert leftovers(out) == {}


def test_heic_gps_is_read_and_stripped(tmp_path: Path) -> None:
    from postguard.vetting.images.load import register_heif

    register_heif()
    original = encode(gradient(128, 96), "HEIF", exif=full_exif(1), quality=80)
    (tmp_path / "in.heic").write_bytes(original)
    assert "GPS:GPSLatitude" in exiftool(tmp_path / "in.heic")
    found = read_metadata(load_image(original, "in.heic"))
    assert any(item.label == "GPS position 38.89,-77.03" for item in found)

    as_jpeg = strip(original, "in.heic", target_format="JPEG")
    (tmp_path / "out.jpg").write_bytes(as_jpeg.data)
    assert leftovers(tmp_path / "out.jpg") == {}
    as_heic = strip(original, "in.heic")
    (tmp_path / "out.heic").write_bytes(as_heic.data)
    assert not any(
        k.startswith(("GPS:", "IFD0:Artist", "ExifIFD:")) for k in exiftool(tmp_path / "out.heic")
    )


def test_reencode_applies_orientation_first() -> None:
    img = gradient(80, 40)
    original = encode(img, "PNG", exif=full_exif(6))
    result = strip(original, "rot.png")
    with Image.open(io.BytesIO(result.data)) as out:
        assert out.size == (40, 80)  # turned upright, no Orientation tag needed
        assert out.getexif().get(0x0112) is None


def test_sixteen_bit_png_keeps_its_depth() -> None:
    deep = Image.fromarray(
        (np.arange(64 * 32, dtype=np.uint16).reshape(32, 64) * 30).astype(np.uint16)
    )
    original = encode(deep, "PNG")
    with Image.open(io.BytesIO(strip(original, "deep.png").data)) as out:
        assert out.mode.startswith("I")
        assert np.array_equal(np.asarray(out), np.asarray(deep))


def test_icc_profile_kept_on_reencode() -> None:
    original = encode(gradient(32, 32), "PNG", icc_profile=srgb_profile())
    with Image.open(io.BytesIO(strip(original, "c.png").data)) as out:
        assert out.info.get("icc_profile") == srgb_profile()
