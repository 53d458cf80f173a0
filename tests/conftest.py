"""Shared test setup: outbound network refused except loopback, and the PostgreSQL pass.

`make test` runs the suite twice: everything on SQLite, then (POSTGUARD_TEST_ONLY_DB=1 with
DATABASE_URL pointing at PostgreSQL) every test that touches the database again.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex

DB_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server", "admin_client"}


def _is_loopback(address: Any) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX path
        return True
    host = address[0]
    if host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _is_loopback(address):
        raise OSError(f"tests may not reach the network: refused connection to {address!r}")
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _is_loopback(address):
        raise OSError(f"tests may not reach the network: refused connection to {address!r}")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True, scope="session")
def _refuse_outbound_network() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]


def _touches_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("django_db") is not None:
        return True
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(fixtures & DB_FIXTURES)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("POSTGUARD_TEST_ONLY_DB") != "1":
        return
    selected = [item for item in items if _touches_database(item)]
    deselected = [item for item in items if not _touches_database(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    items[:] = selected
