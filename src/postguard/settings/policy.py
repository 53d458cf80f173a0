"""Settings of the policy loader: the largest policy file accepted (POSTGUARD_POLICY_MAX_BYTES)."""

from __future__ import annotations

from collections.abc import Mapping

from postguard.settings.env import byte_size

DEFAULT_POLICY_MAX_BYTES = 1024 * 1024


def policy_max_bytes(environ: Mapping[str, str] | None = None) -> int:
    """POSTGUARD_POLICY_MAX_BYTES: a size (1MiB, 256KB); at least 1 KiB. Default 1 MiB."""
    return byte_size(
        "POSTGUARD_POLICY_MAX_BYTES", DEFAULT_POLICY_MAX_BYTES, minimum=1024, environ=environ
    )
