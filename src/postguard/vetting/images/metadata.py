"""What an image file says about where, when, with what and by whom it was taken.

Reads EXIF (GPS, body and lens serials, owner and author names, timestamps, the embedded
thumbnail), XMP (parsed with defusedxml: it can hold GPS too), IPTC, JPEG and GIF comments, PNG
text chunks, and bytes appended after the end of the picture (motion photos). Each finding is
an `Item` a person can read: "GPS position 38.89,-77.03".
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from typing import Any

from defusedxml import ElementTree
from PIL import Image, IptcImagePlugin

from postguard.vetting.images import jpeg
from postguard.vetting.images.load import LoadedImage

# EXIF tags that identify a place, a device, a person or a moment (tag -> label).
_IFD0_TAGS = {
    0x010E: "description",
    0x010F: "camera make",
    0x0110: "camera model",
    0x0131: "software",
    0x0132: "date and time",
    0x013B: "artist",
    0x8298: "copyright",
    0x9C9B: "title (XPTitle)",
    0x9C9C: "comment (XPComment)",
    0x9C9D: "author (XPAuthor)",
    0x9C9E: "keywords (XPKeywords)",
    0x9C9F: "subject (XPSubject)",
}
_EXIF_IFD_TAGS = {
    0x9003: "taken",
    0x9004: "digitized",
    0x9286: "user comment",
    0xA420: "image unique id",
    0xA430: "camera owner",
    0xA431: "camera serial",
    0xA433: "lens make",
    0xA434: "lens model",
    0xA435: "lens serial",
}
# Tags that describe only how to draw the pixels: never a finding.
_HARMLESS_IFD0 = {0x0112, 0x011A, 0x011B, 0x0128, 0x0213, 0x8769, 0x8825, 0xA005, 0x0100, 0x0101}
_IDENTIFYING = {"camera serial", "lens serial", "camera owner", "artist", "author (XPAuthor)"}
# Pillow `info` keys that describe how to draw or play the pixels, never who or where.
_HARMLESS_INFO = frozenset(
    {
        "dpi",
        "gamma",
        "transparency",
        "aspect",
        "srgb",
        "chromaticity",
        "icc_profile",
        "exif",
        "duration",
        "loop",
        "background",
        "version",
        "extension",
        "bit_depth",
        "interlace",
        "compression",
        "progressive",
        "progression",
        "jfif",
        "jfif_version",
        "jfif_unit",
        "jfif_density",
        "adobe",
        "adobe_transform",
        "original_orientation",
        "mode",
        "timestamp",
        "blend",
        "disposal",
        "thumbnails",
        "depth_images",
        "aux",
        "stride",
        "nclx_profile",
        "primaries",
        "chroma",
        "heif",
        "bit-depth",
        "background_color",
    }
)
_XMP_GPS = re.compile(r"^(\d+)(?:,(\d+(?:\.\d+)?))?(?:,(\d+(?:\.\d+)?))?([NSEW])$")


# The order messages list them in: where first, then who and what device, then the rest.
_ORDER = {
    kind: i
    for i, kind in enumerate(
        (
            "gps",
            "serial",
            "person",
            "time",
            "device",
            "xmp",
            "iptc",
            "comment",
            "text",
            "thumbnail",
            "trailer",
            "exif",
        )
    )
}


@dataclass(frozen=True, slots=True)
class Item:
    kind: (
        str  # gps, serial, person, time, device, xmp, iptc, comment, thumbnail, trailer, exif, text
    )
    label: str  # what a person reads: "GPS position 38.89,-77.03"


def read_metadata(image: LoadedImage) -> list[Item]:
    """Everything identifying the file carries, in a stable order (never raises)."""
    items: list[Item] = []
    data = image.data
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # damaged EXIF is reported below
            img = Image.open(_bytes_io(data), formats=[image.format])
    except Exception:  # it opened once already; be safe against a race on plugins
        return [Item("exif", "metadata that cannot be read")]
    with img:
        items += _exif(img, data)
        if image.format == "JPEG":
            items += _jpeg(data)
        else:
            items += _container(img, image.format, data)
    items.sort(key=lambda item: _ORDER.get(item.kind, len(_ORDER)))
    seen: set[str] = set()
    unique: list[Item] = []
    for item in items:
        if item.label not in seen:
            seen.add(item.label)
            unique.append(item)
    return unique


def describe(items: list[Item]) -> str:
    return "; ".join(item.label for item in items)


def _bytes_io(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def _exif(img: Image.Image, data: bytes) -> list[Item]:
    """Every EXIF block: a JPEG may carry several APP1 blocks and readers disagree on which."""
    if img.format == "JPEG":
        try:
            blocks = list(jpeg.iter_app(jpeg.parse(data), jpeg.APP1, jpeg.EXIF_HEADER))
        except jpeg.JpegError:
            blocks = []
        items: list[Item] = []
        for block in blocks:
            exif = Image.Exif()
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    exif.load(block)
                    found = _exif_items(exif)
            except Exception:  # corrupt EXIF is itself a finding, not a crash
                found, caught = [], []
            if caught or (not found and not len(exif) and len(block) > 8):
                items.append(Item("exif", "an EXIF block that is damaged and cannot be read"))
            items += found
        return items
    try:
        exif = img.getexif()
    except Exception:  # corrupt EXIF is itself a finding, not a crash
        return [Item("exif", "an EXIF block that is damaged and cannot be read")]
    return _exif_items(exif)


def _exif_items(exif: Image.Exif) -> list[Item]:
    items: list[Item] = []
    try:
        gps = exif.get_ifd(0x8825)
    except Exception:
        gps = {}
    if gps:
        position = _gps_position(gps)
        items.append(Item("gps", f"GPS position {position}" if position else "GPS data"))
        if 6 in gps:
            items.append(Item("gps", f"GPS altitude {_number(gps[6]):.0f} m"))
        if 29 in gps:
            items.append(Item("time", f"GPS date {_text(gps[29])}"))
    others = 0
    for tag, value in exif.items():
        if tag in _IFD0_TAGS:
            label = _IFD0_TAGS[tag]
            items.append(Item(_kind(label), f"{label} {_text(value)!r}"))
        elif tag not in _HARMLESS_IFD0:
            others += 1
    try:
        sub = exif.get_ifd(0x8769)
    except Exception:
        sub = {}
    for tag, value in sub.items():
        if tag in _EXIF_IFD_TAGS:
            label = _EXIF_IFD_TAGS[tag]
            items.append(Item(_kind(label), f"{label} {_text(value)!r}"))
    if sub and not any(tag in _EXIF_IFD_TAGS for tag in sub):
        others += 1
    try:
        thumb = exif.get_ifd(1)
    except Exception:
        thumb = {}
    if 0x0201 in thumb or 0x0111 in thumb:
        length = thumb.get(0x0202)
        size = f" ({length:,} bytes)" if isinstance(length, int) else ""
        items.append(Item("thumbnail", f"embedded EXIF thumbnail{size}"))
    if others:
        items.append(Item("exif", f"{others} other EXIF tag{'s' if others != 1 else ''}"))
    return items


def _kind(label: str) -> str:
    if label in _IDENTIFYING:
        return "serial" if "serial" in label else "person"
    if label in {"taken", "digitized", "date and time"}:
        return "time"
    if label in {"camera make", "camera model", "lens make", "lens model", "software"}:
        return "device"
    return "text"


def _gps_position(gps: dict[int, Any]) -> str | None:
    try:
        lat = _dms(gps[2]) * (-1 if str(gps.get(1, "N")).upper().startswith("S") else 1)
        lon = _dms(gps[4]) * (-1 if str(gps.get(3, "E")).upper().startswith("W") else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    return f"{lat:.2f},{lon:.2f}"


def _dms(value: Any) -> float:
    if isinstance(value, tuple | list):
        parts = [_number(v) for v in value] + [0.0, 0.0]
        return parts[0] + parts[1] / 60 + parts[2] / 3600
    return _number(value)


def _number(value: Any) -> float:
    if isinstance(value, tuple) and len(value) == 2:
        return float(value[0]) / float(value[1])
    return float(value)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        if len(value) % 2 == 0 and value.endswith(b"\x00\x00"):
            value = value.decode("utf-16-le", errors="replace")  # XP* tags are UTF-16
        else:
            value = value.decode("utf-8", errors="replace")
        if value.startswith(("ASCII\x00\x00\x00", "UNICODE\x00")):
            value = value[8:]
    return str(value).strip("\x00 ").strip()[:80]


def _jpeg(data: bytes) -> list[Item]:
    items: list[Item] = []
    try:
        layout = jpeg.parse(data)
    except jpeg.JpegError:
        return items
    for xmp in jpeg.iter_app(layout, jpeg.APP1, jpeg.XMP_HEADER):
        items += _xmp(xmp)
    if any(True for _ in jpeg.iter_app(layout, jpeg.APP1, jpeg.XMP_EXTENSION_HEADER)):
        items.append(Item("xmp", "extended XMP"))
    for exif in jpeg.iter_app(layout, jpeg.APP1, jpeg.EXIF_HEADER):
        if b"\xff\xd8\xff" in exif[8:] and not any(i.kind == "thumbnail" for i in items):
            items.append(Item("thumbnail", "embedded EXIF thumbnail"))
    items += _iptc_from_jpeg(data)
    for seg in layout.segments:
        if seg.marker == jpeg.COM:
            text = seg.payload.decode("utf-8", errors="replace").strip("\x00 ")
            items.append(Item("comment", f"JPEG comment {text[:80]!r}"))
        elif seg.marker == jpeg.APP2 and seg.payload.startswith(b"MPF\x00"):
            items.append(Item("trailer", "multi-picture index (MPF)"))
        elif seg.marker == jpeg.APP0 and seg.payload.startswith(jpeg.JFIF_HEADER):
            if len(seg.payload) >= 14 and seg.payload[12] and seg.payload[13]:
                items.append(Item("thumbnail", "JFIF thumbnail"))
        elif seg.marker == jpeg.APP0 and seg.payload.startswith(b"JFXX\x00"):
            items.append(Item("thumbnail", "JFXX thumbnail"))
        elif (
            seg.is_app
            and seg.marker not in (jpeg.APP0, jpeg.APP1, jpeg.APP2, jpeg.APP13)
            and not jpeg.is_adobe_transform(seg)
        ):
            items.append(
                Item("exif", f"APP{seg.marker - jpeg.APP0} segment ({len(seg.payload):,} bytes)")
            )
    trailing = layout.trailing(data)
    if trailing.strip(b"\x00"):
        items.append(Item("trailer", _trailer_label(trailing)))
    return items


def _trailer_label(trailing: bytes) -> str:
    what = "data"
    if b"ftyp" in trailing[:64]:
        what = "a video (motion photo)"
    elif trailing.startswith(b"\xff\xd8"):
        what = "another JPEG picture"
    return f"{len(trailing):,} bytes of {what} after the end of the image"


def _iptc_from_jpeg(data: bytes) -> list[Item]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # damaged EXIF is reported elsewhere
            with Image.open(_bytes_io(data), formats=["JPEG"]) as img:
                info = IptcImagePlugin.getiptcinfo(img)
    except Exception:  # damaged IPTC: report that it is there
        return [Item("iptc", "an IPTC block that cannot be read")]
    return _iptc(info) if info else []


_IPTC_FIELDS = {
    (2, 5): "title",
    (2, 25): "keywords",
    (2, 55): "date created",
    (2, 80): "by-line",
    (2, 90): "city",
    (2, 92): "sub-location",
    (2, 95): "province/state",
    (2, 101): "country",
    (2, 116): "copyright",
    (2, 120): "caption",
}


def _iptc(info: dict[tuple[int, int], Any]) -> list[Item]:
    items: list[Item] = []
    for key, label in _IPTC_FIELDS.items():
        if key in info:
            value = info[key]
            if isinstance(value, list):
                value = b", ".join(v for v in value if isinstance(v, bytes))
            items.append(Item("iptc", f"IPTC {label} {_text(value)!r}"))
    if not items:
        items.append(Item("iptc", f"IPTC block ({len(info)} fields)"))
    return items


def _xmp(packet: bytes) -> list[Item]:
    try:
        root = ElementTree.fromstring(packet.strip(b"\x00 \r\n"))
    except Exception:  # defusedxml refuses entities; damaged XMP is still XMP
        return [Item("xmp", f"XMP packet ({len(packet):,} bytes, cannot be parsed)")]
    values: dict[str, str] = {}
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        for attr, value in element.attrib.items():
            values.setdefault(attr.rsplit("}", 1)[-1], value)
        text = " ".join(t.strip() for t in element.itertext() if t.strip())
        if text and local not in values:
            values[local] = text
    items: list[Item] = []
    lat, lon = values.get("GPSLatitude"), values.get("GPSLongitude")
    if lat or lon:
        position = _xmp_position(lat, lon)
        items.append(Item("gps", f"XMP GPS position {position}" if position else "XMP GPS data"))
    for key, label in (
        ("creator", "XMP creator"),
        ("Artist", "XMP artist"),
        ("SerialNumber", "XMP camera serial"),
        ("LensSerialNumber", "XMP lens serial"),
        ("OwnerName", "XMP camera owner"),
        ("CameraOwnerName", "XMP camera owner"),
        ("City", "XMP city"),
        ("Location", "XMP location"),
        ("DateTimeOriginal", "XMP taken"),
        ("CreateDate", "XMP created"),
    ):
        if values.get(key):
            items.append(Item("xmp", f"{label} {values[key][:80]!r}"))
    if not items:
        items.append(Item("xmp", f"XMP packet ({len(packet):,} bytes)"))
    return items


def _xmp_position(lat: str | None, lon: str | None) -> str | None:
    def parse(value: str | None) -> float | None:
        if not value:
            return None
        match = _XMP_GPS.match(value.strip())
        if match:
            deg, minutes, seconds, ref = match.groups()
            number = float(deg) + float(minutes or 0) / 60 + float(seconds or 0) / 3600
            return -number if ref in "SW" else number
        try:
            return float(value)
        except ValueError:
            return None

    a, b = parse(lat), parse(lon)
    return f"{a:.2f},{b:.2f}" if a is not None and b is not None else None


def _container(img: Image.Image, fmt: str, data: bytes) -> list[Item]:
    """PNG text chunks, WebP/HEIF XMP, GIF comments, bytes after the end of the file."""
    items: list[Item] = []
    info = dict(img.info)
    xmp = info.pop("xmp", None) or info.pop("XML:com.adobe.xmp", None)
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8")
    if isinstance(xmp, bytes) and xmp:
        items += _xmp(xmp)
    comment = info.pop("comment", None)
    if comment:
        text = comment.decode("utf-8", "replace") if isinstance(comment, bytes) else str(comment)
        items.append(Item("comment", f"{fmt} comment {text.strip()[:80]!r}"))
    if fmt == "PNG":
        text_chunks = getattr(img, "text", {}) or {}
        for key, value in text_chunks.items():
            if key in {"XML:com.adobe.xmp"}:
                continue
            items.append(Item("text", f"PNG text {key!r}: {str(value).strip()[:60]!r}"))
        end = data.find(b"IEND")
        if end >= 0 and data[end + 8 :].strip(b"\x00"):
            items.append(Item("trailer", _trailer_label(data[end + 8 :])))
    elif fmt == "WEBP":
        declared = int.from_bytes(data[4:8], "little") + 8
        if len(data) > declared and data[declared:].strip(b"\x00"):
            items.append(Item("trailer", _trailer_label(data[declared:])))
    text_keys = set(getattr(img, "text", {}) or {}) if fmt == "PNG" else set()
    for key in info:
        if not isinstance(key, str) or key.lower() in _HARMLESS_INFO or key in text_keys:
            continue
        items.append(Item("text", f"{fmt} field {key!r}"))
    if fmt == "HEIF" and info.get("thumbnails"):
        items.append(Item("thumbnail", "embedded HEIF thumbnail"))
    return items
