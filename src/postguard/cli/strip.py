"""`postguard strip IN OUT`: write a copy of an image with every piece of metadata removed.

JPEG to JPEG is lossless (same pixels, orientation and colour profile kept); any other pair is
re-encoded from pixels with the orientation applied. OUT's extension picks the format written
(photo.heic -> photo.jpg converts); an unknown extension keeps the input's format. No Django.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postguard strip",
        description="Write a copy of an image with its metadata (GPS, serials, names, times, "
        "XMP, IPTC, comments, thumbnails, appended data) removed.",
    )
    parser.add_argument("input", metavar="IN", help="a JPEG, PNG, WebP, GIF or HEIC file")
    parser.add_argument(
        "output",
        metavar="OUT",
        help="where to write the clean copy; its extension picks the format "
        "(.jpg .png .webp .gif .heic)",
    )
    parser.add_argument(
        "--max-pixels",
        type=int,
        default=None,
        help="refuse images with more pixels than this (default: 64000000)",
    )
    return parser


def run(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    from postguard.vetting.images.load import (
        DEFAULT_LIMITS,
        FORMATS,
        ImageError,
        ImageLimits,
        format_for_name,
        read_bytes,
    )
    from postguard.vetting.images.strip import strip

    source, target = Path(args.input), Path(args.output)
    limits = DEFAULT_LIMITS
    if args.max_pixels is not None:
        if args.max_pixels <= 0:
            return _fail(f"--max-pixels: {args.max_pixels} is not a positive number of pixels")
        limits = ImageLimits(max_pixels=args.max_pixels)
    if target.exists() and target.is_dir():
        return _fail(f"{target}: is a directory; give the path of the file to write")
    if target.resolve() == source.resolve():
        return _fail(f"{target}: OUT must differ from IN (the original is never overwritten)")
    if not target.parent.is_dir():
        return _fail(f"{target}: the folder {target.parent} does not exist")
    try:
        data = read_bytes(source, limits)
        result = strip(data, source.name, target_format=format_for_name(target.name), limits=limits)
    except ImageError as exc:
        return _fail(str(exc))
    try:
        target.write_bytes(result.data)
    except OSError as exc:
        return _fail(f"{target}: cannot be written ({exc.strerror or exc})")
    how = "lossless" if result.lossless else "re-encoded from pixels"
    frames = f", {result.frames} frames" if result.frames > 1 else ""
    print(
        f"{target}: {FORMATS.get(result.format, result.format)}, {how}{frames}, "
        f"{len(data):,} -> {len(result.data):,} bytes",
        file=sys.stderr,
    )
    return EXIT_OK


def _fail(message: str) -> int:
    print(f"postguard strip: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT
