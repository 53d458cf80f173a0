"""Shared test setup: outbound network refused except loopback, and the PostgreSQL pass.

`make test` runs the suite twice: everything on SQLite, then (POSTGUARD_TEST_ONLY_DB=1 with
DATABASE_URL pointing at PostgreSQL) every test that touches the database again.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.servers import MastodonMock, PdsServer

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


@pytest.fixture(autouse=True, scope="session")
def _audit_log_flushable() -> Iterator[None]:
    # The database refuses DELETE/TRUNCATE on the audit log; transactional tests empty every
    # table between tests, so the flush may lift the audit triggers for its own transaction.
    from postguard.audit.testing import flushable_audit_log

    with flushable_audit_log():
        yield


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


# --- Test-only settings and the fixed cast (registry helper) -----------------------------------
# The one place tests override settings: a fast password hasher (argon2 is slow on purpose).
@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher() -> Iterator[None]:
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _close_cached_connectors() -> Iterator[None]:
    """Connectors a worker keeps between jobs (publishing.connector_cache) end with the test."""
    yield
    connector_cache = sys.modules.get("postguard.publishing.connector_cache")
    if connector_cache is not None:
        connector_cache.close_all()


@pytest.fixture
def cast(db: None) -> Any:
    """lola and leo (leads), sam (security), ada (auditor), eddie/rita/connie (editor, reviewer,
    contributor on Bluesky), ollie (editor on Mastodon), mona (editor without MFA), nora (no
    role). See tests/cast.py."""
    from tests.cast import build_cast

    return build_cast()


# --- Real platform servers: one of each per test session, for every test directory ---------

_STARTUP: dict[str, float] = {}


@pytest.fixture(scope="session")
def pds() -> Iterator[PdsServer]:
    missing = PdsServer.missing()
    if missing is not None:
        pytest.fail(missing, pytrace=False)
    server = PdsServer().start()
    _STARTUP["Bluesky PDS"] = server.startup_seconds
    try:
        yield server
    finally:
        code = server.stop()
    # start.mjs stops both servers and removes its data directory on SIGTERM, then exits 0.
    if code != 0:
        pytest.fail(f"the PDS did not stop cleanly on SIGTERM (exit code {code})", pytrace=False)
    # Only this server's own directory: other test runs may have a PDS running at the same time.
    if server.data_dir is not None and server.data_dir.exists():
        pytest.fail(f"the PDS left its data directory behind: {server.data_dir}", pytrace=False)


@pytest.fixture(scope="session")
def mastodon_mock() -> Iterator[MastodonMock]:
    server = MastodonMock().start()
    _STARTUP["mastodon-mock"] = server.startup_seconds
    try:
        yield server
    finally:
        server.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _STARTUP:
        started = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in _STARTUP.items())
        terminalreporter.write_line(f"platform servers ready in: {started}")
