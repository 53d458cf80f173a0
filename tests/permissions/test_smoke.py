from __future__ import annotations

from postguard.core.permissions import can
from tests.cast import Cast


def test_the_lead_may_view_the_registry(cast: Cast) -> None:
    assert can(cast.lola, "registry.view")
