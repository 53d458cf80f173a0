"""A JPEG's marker segments, read without decoding a pixel: for metadata and lossless stripping.

A JPEG is a start-of-image marker, a run of segments (APPn hold EXIF, XMP, ICC, IPTC; COM holds
comments; the rest are the tables and scans that make the picture) and an end-of-image marker.
Anything after the end-of-image marker (a motion photo's video, a second picture) is not part
of the picture at all.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

SOI = 0xD8
EOI = 0xD9
SOS = 0xDA
COM = 0xFE
APP0 = 0xE0
APP1 = 0xE1
APP2 = 0xE2
APP13 = 0xED
APP14 = 0xEE
APP15 = 0xEF

EXIF_HEADER = b"Exif\x00\x00"
XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXTENSION_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
ICC_HEADER = b"ICC_PROFILE\x00"
PHOTOSHOP_HEADER = b"Photoshop 3.0\x00"
ADOBE_HEADER = b"Adobe"
JFIF_HEADER = b"JFIF\x00"


class JpegError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Segment:
    marker: int
    start: int  # offset of the 0xFF of the marker
    end: int  # offset just past the segment (past the scan data for SOS)
    payload: bytes  # the bytes after the length field (empty for standalone markers)

    @property
    def is_app(self) -> bool:
        return APP0 <= self.marker <= APP15


@dataclass(frozen=True, slots=True)
class JpegLayout:
    segments: tuple[Segment, ...]
    end_of_image: int  # offset just past the EOI marker

    def trailing(self, data: bytes) -> bytes:
        return data[self.end_of_image :]


def parse(data: bytes) -> JpegLayout:
    """Walk the segments up to the end-of-image marker. Raises JpegError on damage."""
    if not data.startswith(b"\xff\xd8"):
        raise JpegError("not a JPEG: it does not start with the start-of-image marker")
    segments: list[Segment] = [Segment(SOI, 0, 2, b"")]
    pos = 2
    size = len(data)
    while True:
        if pos >= size:
            raise JpegError(f"truncated: the file ends at byte {size:,} before the end of image")
        if data[pos] != 0xFF:
            raise JpegError(f"damaged: expected a marker at byte {pos:,}, found 0x{data[pos]:02x}")
        start = pos
        while pos < size and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= size:
            raise JpegError(f"truncated: the file ends at byte {size:,} inside a marker")
        marker = data[pos]
        pos += 1
        if marker == EOI:
            segments.append(Segment(EOI, start, pos, b""))
            return JpegLayout(tuple(segments), pos)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            segments.append(Segment(marker, start, pos, b""))
            continue
        if pos + 2 > size:
            raise JpegError(f"truncated: the file ends at byte {size:,} inside a segment header")
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > size:
            raise JpegError(
                f"truncated: the segment 0xFF{marker:02X} at byte {start:,} claims {length:,} "
                f"bytes but the file ends at byte {size:,}"
            )
        payload = data[pos + 2 : pos + length]
        pos += length
        if marker == SOS:
            pos = _end_of_scan(data, pos)
        segments.append(Segment(marker, start, pos, payload))


def _end_of_scan(data: bytes, pos: int) -> int:
    """The offset of the first real marker after entropy-coded data (skipping stuffing, RSTn)."""
    size = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= size:
            raise JpegError(
                f"truncated: the file ends at byte {size:,} inside the image data "
                "(no end-of-image marker)"
            )
        nxt = data[pos + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
            pos += 1 if nxt == 0xFF else 2
            continue
        return pos


def iter_app(layout: JpegLayout, marker: int, header: bytes) -> Iterator[bytes]:
    """Payloads (after `header`) of the APPn segments that start with `header`."""
    for seg in layout.segments:
        if seg.marker == marker and seg.payload.startswith(header):
            yield seg.payload[len(header) :]


def segment(marker: int, payload: bytes) -> bytes:
    if len(payload) + 2 > 0xFFFF:
        raise JpegError(f"segment 0xFF{marker:02X} too long ({len(payload):,} bytes)")
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def minimal_exif(orientation: int) -> bytes:
    """An EXIF APP1 segment that holds only the Orientation tag (so the photo stays upright)."""
    tiff = (
        b"II*\x00"
        + struct.pack("<I", 8)  # offset of IFD0
        + struct.pack("<H", 1)  # one entry
        + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)  # Orientation, SHORT, 1 value
        + struct.pack("<I", 0)  # no next IFD (so no thumbnail)
    )
    return segment(APP1, EXIF_HEADER + tiff)


def minimal_jfif(payload: bytes) -> bytes:
    """The JFIF APP0 segment with its density kept and its thumbnail dropped."""
    if len(payload) < 12:
        return segment(APP0, JFIF_HEADER + b"\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    version_units_density = payload[5:12]
    return segment(APP0, JFIF_HEADER + version_units_density + b"\x00\x00")


def is_adobe_transform(seg: Segment) -> bool:
    """Adobe's APP14 says how to read CMYK/YCCK colours: pixels, not metadata (12 bytes)."""
    return seg.marker == APP14 and seg.payload.startswith(ADOBE_HEADER) and len(seg.payload) == 12
