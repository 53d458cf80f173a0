"""Job test helpers: a handler that records what ran, and a bounded wait."""

from __future__ import annotations

import time
from collections.abc import Callable

from postguard.jobs.runner import handler

RAN: list[str] = []


@handler("test.record")
def record_run(object_id: str) -> None:
    RAN.append(object_id)


@handler("test.explode")
def explode(object_id: str) -> None:
    raise RuntimeError(f"boom on {object_id}")


def wait_for(condition: Callable[[], bool], seconds: float = 90.0, what: str = "") -> None:
    """Wait for something another process does; a bound, not a timing assertion."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"gave up after {seconds:.0f}s waiting for {what or condition}")
