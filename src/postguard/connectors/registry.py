"""Which platforms have a connector: each is one package `postguard.connectors.<platform>` with a
`build(service_url=, login=, secret=, http=)` function. Adding a platform is adding a package."""

from __future__ import annotations

import importlib
from typing import Protocol

from postguard.connectors.base import Connector
from postguard.connectors.credentials import Secret
from postguard.connectors.http import HttpClient

SUPPORTED: tuple[str, ...] = ("bluesky", "mastodon")


class Build(Protocol):
    def __call__(
        self, *, service_url: str, login: str, secret: Secret, http: HttpClient
    ) -> Connector: ...


class UnsupportedPlatformError(LookupError):
    """Postguard has no connector for this platform (yet)."""


def builder(platform: str) -> Build:
    if platform not in SUPPORTED:
        raise UnsupportedPlatformError(
            f"Postguard cannot publish to {platform!r}: connectors exist for {', '.join(SUPPORTED)}"
        )
    module = importlib.import_module(f"postguard.connectors.{platform}")
    build: Build = module.build
    return build
