"""What is vetted: one post's text, images and targets."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Platform(StrEnum):
    BLUESKY = "bluesky"
    MASTODON = "mastodon"
    X = "x"


@dataclass(frozen=True, slots=True)
class ImageInput:
    """An image attached to a post: its bytes (or a path to read them from) and its alt text."""

    path: Path | None = None
    data: bytes | None = None
    alt: str = ""
    name: str = ""  # shown in messages: the file name as the user gave it


@dataclass(frozen=True, slots=True)
class Post:
    text: str
    platforms: tuple[Platform, ...] = ()
    images: tuple[ImageInput, ...] = ()
    author_email: str | None = None
    language: str | None = None  # "en", "es"; None lets rules guess
    is_reply: bool = False
    id: str | None = field(default=None, compare=False)
