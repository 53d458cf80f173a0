"""Everything about the organization that the rules need, in plain Python: no database, no Django.

Built once per policy and directory and reused for every post, so rules can keep their compiled
patterns and indexes here (see `cache`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from postguard.policy.schema import Policy
from postguard.vetting.directory import Employee


@dataclass(slots=True)
class History:
    """Addresses already published, for rules that look across the whole history (batch mode)."""

    personal_addresses: dict[str, set[str]] = field(default_factory=dict)  # domain -> addresses


@dataclass(slots=True)
class VettingContext:
    policy: Policy
    directory: tuple[Employee, ...] = ()
    history: History | None = None  # None: single-post mode
    # Rules store what they precompute from the policy and directory here, keyed by rule id.
    cache: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_policy(
        cls,
        policy: Policy,
        directory: Sequence[Employee] = (),
        *,
        track_history: bool = False,
    ) -> VettingContext:
        return cls(
            policy=policy,
            directory=tuple(directory),
            history=History() if track_history else None,
        )
