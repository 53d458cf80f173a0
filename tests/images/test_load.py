"""Bad input gets a clear error, never a crash or a hang."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image

from postguard.vetting.images.load import (
    ImageError,
    ImageLimits,
    ImageTimeoutError,
    load_image,
    sniff_format,
    with_time_limit,
)
from postguard.vetting.images.metadata import read_metadata
from tests.images.conftest import encode, full_exif, gradient, loaded_jpeg


def test_zero_bytes() -> None:
    with pytest.raises(
        ImageError,
        match=r"empty.jpg: the file is empty \(0 bytes\); expected a JPEG, PNG, WebP, GIF or HEIC",
    ):
        load_image(b"", "empty.jpg")


def test_not_an_image() -> None:
    with pytest.raises(
        ImageError,
        match=r"notes.jpg: not a JPEG, PNG, WebP, GIF or HEIC image \(the first bytes are 68 65 ",
    ):
        load_image(b"hello world, not a picture", "notes.jpg")


def test_postscript_named_jpg_is_never_decoded() -> None:
    with pytest.raises(ImageError, match="not a JPEG"):
        load_image(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "evil.jpg")


@pytest.mark.parametrize("cut", [200, 1000, 4000])
def test_truncated_jpeg(cut: int) -> None:
    data = encode(gradient(400, 300), "JPEG")[:cut]
    with pytest.raises(ImageError, match=r"cut.jpg: the JPEG file is (truncated|damaged)"):
        load_image(data, "cut.jpg")


def test_truncated_png() -> None:
    data = encode(gradient(200, 100), "PNG")
    with pytest.raises(ImageError, match=r"cut.png: the PNG file is truncated"):
        load_image(data[: len(data) // 2], "cut.png")


def test_wrong_extension_is_sniffed_and_said() -> None:
    data = encode(gradient(20, 10), "PNG")
    assert sniff_format(data) == "PNG"
    loaded = load_image(data, "holiday.jpg")
    assert loaded.format == "PNG"
    assert loaded.notes == ["holiday.jpg is named .jpg but is really a PNG file"]


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = encode(Image.new("1", (10_000, 10_000)), "PNG")  # 100 megapixels in a few kB
    assert len(bomb) < 100_000
    with pytest.raises(
        ImageError,
        match=r"bomb.png: 10000 x 10000 pixels \(100 megapixels\) is more than the limit of "
        r"64 megapixels; resize it first",
    ):
        load_image(bomb, "bomb.png")


def test_huge_bomb_refused_by_pillow_too() -> None:
    bomb = encode(Image.new("1", (30_000, 30_000)), "PNG")  # 900 megapixels
    with pytest.raises(
        ImageError,
        match=r"bomb.png: 900 megapixels is more than the limit of 64 megapixels "
        r"\(a decompression bomb\?\)",
    ):
        load_image(bomb, "bomb.png")


def test_pixel_limit_is_configurable() -> None:
    data = encode(gradient(200, 100), "PNG")
    with pytest.raises(ImageError, match="more than the limit"):
        load_image(data, "x.png", ImageLimits(max_pixels=10_000))
    assert load_image(data, "x.png", ImageLimits(max_pixels=20_000)).rgb.size == (200, 100)


def test_cmyk_jpeg_is_read_as_rgb() -> None:
    data = encode(gradient(64, 48).convert("CMYK"), "JPEG")
    loaded = load_image(data, "print.jpg")
    assert (loaded.mode, loaded.rgb.mode, loaded.rgb.size) == ("CMYK", "RGB", (64, 48))


def test_sixteen_bit_png_is_scaled_not_clipped() -> None:
    ramp = np.linspace(0, 65535, 256, dtype=np.uint16).reshape(1, 256).repeat(4, axis=0)
    loaded = load_image(encode(Image.fromarray(ramp), "PNG"), "deep.png")
    grey = loaded.array()[0, :, 0]
    assert grey[0] == 0
    assert grey[-1] == 255
    assert 120 <= grey[128] <= 135


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_animated_first_frame_and_frame_count(fmt: str) -> None:
    frames = [
        Image.new("RGB", (32, 32), color)
        for color in [(255, 0, 0), (0, 255, 0), (0, 0, 255), (9, 9, 9)]
    ]
    data = encode(
        frames[0], fmt, save_all=True, append_images=frames[1:], duration=50, lossless=True
    )
    name = f"anim.{fmt.lower()}"
    loaded = load_image(data, name)
    assert loaded.frames == 4
    assert tuple(loaded.array()[0, 0]) == (255, 0, 0) or loaded.array()[0, 0, 0] > 200
    assert loaded.notes == [
        f"{name} is an animated {'WebP' if fmt == 'WEBP' else 'GIF'} with 4 frames; "
        "only the first frame was checked"
    ]


def test_corrupt_exif_is_reported_not_fatal() -> None:
    good = encode(gradient(40, 30), "JPEG")
    junk = b"Exif\x00\x00II*\x00\xff\xff\xff\x7f" + b"\xde\xad" * 20
    segment = b"\xff\xe1" + (len(junk) + 2).to_bytes(2, "big") + junk
    data = good[:2] + segment + good[2:]
    loaded = load_image(data, "odd.jpg")
    assert loaded.rgb.size == (40, 30)
    assert read_metadata(loaded)  # something is there, and it is said


def test_heic_is_read() -> None:
    from postguard.vetting.images.load import register_heif

    register_heif()
    data = encode(gradient(64, 48), "HEIF", exif=full_exif(1))
    loaded = load_image(data, "phone.heic")
    assert (loaded.format, loaded.format_name, loaded.rgb.size) == ("HEIF", "HEIC", (64, 48))


def test_orientation_applied_when_read() -> None:
    loaded = load_image(loaded_jpeg(orientation=6, size=(320, 200)), "p.jpg")
    assert loaded.rgb.size == (200, 320)


def test_time_limit_stops_waiting() -> None:
    with pytest.raises(ImageTimeoutError, match=r"decoding took longer than the limit of 0.05 s"):
        with_time_limit(0.05, "decoding", lambda: time.sleep(2))


def test_errors_inside_the_time_limit_reach_the_caller() -> None:
    def fail() -> None:
        raise ImageError("boom")

    with pytest.raises(ImageError, match="boom"):
        with_time_limit(1, "x", fail)
