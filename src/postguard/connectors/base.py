"""The one interface every platform connector implements, and the three kinds of failure.

A connector publishes, finds, re-reads and lists posts on one platform account. It never
decides policy: the publisher tells it what to post and decides what to do with its errors.
Exactly once rests on two calls: `publish` is made once per idempotency key, and after any
failure that is not known to be safe, `find(request)` looks on the platform before any retry.
"""

from __future__ import annotations

import abc
import hashlib
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import TracebackType
from typing import Self

import regex  # type: ignore[import-untyped]  # regex ships no type information

# --- Errors ---------------------------------------------------------------------------------


class ConnectorError(Exception):
    """A connector call failed; `message` says what happened and what the team can do."""

    def __init__(self, message: str, *, platform: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.platform = platform

    def __str__(self) -> str:
        return f"{self.platform}: {self.message}" if self.platform else self.message


class PermanentError(ConnectorError):
    """Retrying will not help until a person acts (reconnect the account, shorten the text)."""


class RetryableError(ConnectorError):
    """The platform did not act on the request; trying again later is safe.

    `retry_after` is the number of seconds the platform asked us to wait, when it said.
    """

    def __init__(
        self, message: str, *, retry_after: float | None = None, platform: str = ""
    ) -> None:
        super().__init__(message, platform=platform)
        self.retry_after = retry_after


class OutcomeUnknownError(ConnectorError):
    """The request was sent and no usable answer came back: the post may or may not exist.

    Never retry blindly: call `find(request)` first.
    """


# --- What goes out, what comes back ---------------------------------------------------------


class LengthCounting(StrEnum):
    """How a platform counts the length of a post's text."""

    GRAPHEMES = "graphemes"  # user-perceived characters (Bluesky)
    CHARS_LINKS_23 = "chars_links_23"  # code points, every link as 23, @user@domain as @user
    WEIGHTED = "weighted"  # X: CJK and emoji weigh 2, links 23


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a platform accepts; the vetting engine and the connector check posts against it."""

    platform: str
    max_length: int
    length_counting: LengthCounting
    max_images: int
    image_types: frozenset[str]  # MIME types
    max_image_bytes: int
    alt_text: bool
    max_alt_length: int
    threads: bool
    max_text_bytes: int | None = None  # a second limit in UTF-8 bytes (Bluesky: 3000)


@dataclass(frozen=True, slots=True)
class MediaItem:
    """An image to upload: its bytes as they will be published (metadata already stripped)."""

    data: bytes = field(repr=False)
    mime_type: str
    alt: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def __repr__(self) -> str:
        return f"MediaItem({self.mime_type}, {len(self.data)} bytes, sha256={self.sha256[:12]})"


@dataclass(frozen=True, slots=True)
class PublishRequest:
    """One post for one account.

    `idempotency_key` comes from `new_idempotency_key()`, is stored with the publish attempt
    before the call, and is the same on every attempt for the same post and account.
    """

    text: str
    idempotency_key: str
    media: tuple[MediaItem, ...] = ()
    language: str | None = None


@dataclass(frozen=True, slots=True)
class PublishResult:
    """Where a post landed: the platform's id for it, its public URL, when it was created.

    `version` identifies the exact content published (Bluesky: the record CID; Mastodon: the
    edit time, empty when never edited), so the integrity watch can tell an edit.
    """

    remote_id: str
    url: str
    created_at: datetime
    version: str = ""


@dataclass(frozen=True, slots=True)
class RemoteMedia:
    """An image as the platform holds it."""

    mime_type: str
    alt: str
    ref: str  # the platform's id for it (blob CID, media attachment id)
    size: int | None = None
    url: str = ""


@dataclass(frozen=True, slots=True)
class RemotePost:
    """A post as it is on the platform now, for the integrity watch.

    `edited` is True or False when the platform says; None when it cannot say from one read
    (Bluesky: compare `version` with the one recorded at publish time).
    """

    remote_id: str
    url: str
    text: str
    created_at: datetime
    media: tuple[RemoteMedia, ...] = ()
    edited: bool | None = None
    version: str = ""
    idempotency_key: str | None = None  # when the platform shows which key made it
    # The platform's id of the account that posted it (Bluesky: the repo DID; Mastodon: the
    # account id), to tell a post of this account from another's; empty when not said.
    author: str = ""


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """Who the credentials belong to, as the platform says."""

    remote_id: str  # DID, account id
    handle: str
    display_name: str = ""


# --- The interface ----------------------------------------------------------------------------


class Connector(abc.ABC):
    """One platform account. Instances are not shared between threads.

    A connector owns the HTTP client it was built with: `close()` (or a `with` block) releases
    its connections once the caller is done with it.
    """

    platform: str
    capabilities: Capabilities

    @abc.abstractmethod
    def verify_credentials(self) -> AccountInfo:
        """Sign in and say whose account this is; PermanentError when the platform refuses."""

    @abc.abstractmethod
    def publish(self, request: PublishRequest) -> PublishResult:
        """Publish once. Raises PermanentError, RetryableError or OutcomeUnknownError."""

    @abc.abstractmethod
    def find(self, request: PublishRequest) -> PublishResult | None:
        """The post made for this request, if the platform has it; call before any retry.

        It takes the whole request, not only its key: a platform that keeps no trace of the
        key on the post (Mastodon) is searched by content, bounded by the key's time.
        """

    @abc.abstractmethod
    def fetch(self, remote_id: str) -> RemotePost | None:
        """The post as it is now; None when it was deleted."""

    @abc.abstractmethod
    def recent(self, limit: int = 50) -> list[RemotePost]:
        """The account's latest posts, newest first, to spot posts Postguard did not make."""

    def check(self, request: PublishRequest) -> None:
        """Refuse, before any network call, a post the platform would reject."""
        check_against(self.capabilities, request)

    def close(self) -> None:  # noqa: B027  # optional: a connector holding nothing open has nothing to do
        """Release what the connector holds open (its HTTP client); safe to call twice."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


# --- Shared helpers ---------------------------------------------------------------------------

_URL = regex.compile(r"https?://[^\s<>\"']+", regex.IGNORECASE)
_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_FEDIVERSE_MENTION = regex.compile(r"(?<![\w@])@(\w+)@[\w.-]+\w", regex.UNICODE)


def graphemes(text: str) -> int:
    """User-perceived characters: a flag, a family emoji or an accented letter count as one."""
    return len(regex.findall(r"\X", text))


def text_length(text: str, counting: LengthCounting) -> int:
    if counting is LengthCounting.GRAPHEMES:
        return graphemes(text)
    if counting is LengthCounting.CHARS_LINKS_23:
        # Mastodon: every URL counts as 23 characters; a remote mention counts as its username.
        shortened = _URL.sub("x" * 23, text)
        shortened = _FEDIVERSE_MENTION.sub(lambda m: "@" + m.group(1), shortened)
        return len(shortened)
    # X's weighting: these ranges weigh 1, everything else (CJK, emoji) 2.
    return sum(
        1 if any(low <= ord(char) <= high for low, high in _LIGHT_RANGES) else 2
        for char in _URL.sub("x" * 23, text)
    )


def check_against(capabilities: Capabilities, request: PublishRequest) -> None:
    """PermanentError naming the first thing this platform would reject, and its limit."""
    name = capabilities.platform
    if not request.text.strip() and not request.media:
        raise PermanentError("the post is empty: give it text or an image", platform=name)
    length = text_length(request.text, capabilities.length_counting)
    if length > capabilities.max_length:
        unit = "graphemes" if capabilities.length_counting is LengthCounting.GRAPHEMES else "chars"
        raise PermanentError(
            f"the text is {length} {unit} long; {name} accepts at most "
            f"{capabilities.max_length}: shorten it by {length - capabilities.max_length}",
            platform=name,
        )
    size = len(request.text.encode())
    if capabilities.max_text_bytes is not None and size > capabilities.max_text_bytes:
        raise PermanentError(
            f"the text is {size} bytes in UTF-8; {name} accepts at most "
            f"{capabilities.max_text_bytes} bytes whatever the length (emoji and many scripts "
            "take several bytes each): shorten it",
            platform=name,
        )
    if len(request.media) > capabilities.max_images:
        raise PermanentError(
            f"the post has {len(request.media)} images; {name} accepts at most "
            f"{capabilities.max_images}",
            platform=name,
        )
    for number, item in enumerate(request.media, start=1):
        if item.mime_type not in capabilities.image_types:
            accepted = ", ".join(sorted(capabilities.image_types))
            raise PermanentError(
                f"image {number} is {item.mime_type}; {name} accepts {accepted}", platform=name
            )
        if len(item.data) > capabilities.max_image_bytes:
            raise PermanentError(
                f"image {number} is {len(item.data):,} bytes; {name} accepts at most "
                f"{capabilities.max_image_bytes:,}: resize or recompress it",
                platform=name,
            )
        if item.alt and not capabilities.alt_text:
            raise PermanentError(f"{name} does not support alt text", platform=name)
        alt_length = graphemes(item.alt)
        if alt_length > capabilities.max_alt_length:
            raise PermanentError(
                f"the alt text of image {number} is {alt_length} characters; {name} accepts at "
                f"most {capabilities.max_alt_length}",
                platform=name,
            )


def new_idempotency_key(now: datetime | None = None) -> str:
    """A fresh key: a UUIDv7 (RFC 9562), so it carries the time it was made.

    Connectors may derive platform ids from it (Bluesky: a time-ordered record key).
    """
    moment = now or datetime.now(UTC)
    millis = int(moment.timestamp() * 1000) & ((1 << 48) - 1)
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis << 80) | (0x7 << 76) | ((rand >> 68) & 0xFFF) << 64
    value |= (0b10 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


def idempotency_key_time(key: str) -> datetime:
    """The time a `new_idempotency_key()` key was made."""
    return datetime.fromtimestamp(idempotency_key_millis(key) / 1000, tz=UTC)


def idempotency_key_millis(key: str) -> int:
    """Milliseconds since the epoch in a UUIDv7 key; ValueError names a key of another form."""
    try:
        parsed = uuid.UUID(key)
    except ValueError:
        raise ValueError(
            f"idempotency key {key!r} is not a UUID; make keys with new_idempotency_key()"
        ) from None
    if parsed.version != 7:
        raise ValueError(
            f"idempotency key {key!r} is a version {parsed.version} UUID; "
            "make keys with new_idempotency_key() (UUIDv7)"
        )
    return parsed.int >> 80
