"""The demo's local Bluesky (`postguard demo-serve`, development only): a credentials key
generated once into the data directory when none is configured, the demo organization's
Bluesky account connected to `riverbend.test` on a real PDS (the session's, tests/conftest.py),
and the PDS process itself started with its data kept, and stopped by its pid."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.management import call_command

from postguard.audit.models import AuditEvent
from postguard.publishing import demo_bluesky
from postguard.publishing.connections import connector_for, mark_broken
from postguard.publishing.models import Connection
from postguard.registry.demo import ACCOUNTS, load_demo
from postguard.registry.models import PlatformAccount
from tests.servers import PdsServer, free_port

KEY = "POSTGUARD_CREDENTIALS_KEY"


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """No key configured; whatever the code under test sets is undone afterwards."""
    # setenv first so that monkeypatch restores the variables' absence afterwards, also when
    # the code under test sets them (delenv of an unset variable records nothing).
    for name in (KEY, f"{KEY}_FILE"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


@pytest.fixture
def demo_account(db: Any, settings: Any) -> PlatformAccount:
    settings.PLATFORM_ALLOW_LOOPBACK = True
    load_demo()
    return PlatformAccount.objects.get(platform="bluesky", handle=ACCOUNTS["bluesky"]["handle"])


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_without_a_key_one_is_generated_once_and_readable_only_by_its_owner(
    tmp_path: Path, no_key: None
) -> None:
    import os

    path = demo_bluesky.ensure_credentials_key(tmp_path)
    assert path == str(tmp_path / "credentials.key")
    assert os.environ[f"{KEY}_FILE"] == path
    assert mode(Path(path)) == 0o600
    first = Path(path).read_text()
    assert demo_bluesky.ensure_credentials_key(tmp_path) == path
    assert Path(path).read_text() == first  # kept, never replaced


def test_a_configured_key_is_used_as_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY, "configured")
    assert demo_bluesky.ensure_credentials_key(tmp_path) is None
    assert not (tmp_path / "credentials.key").exists()


def test_the_demo_account_is_connected_to_riverbend_test_on_the_pds(
    demo_account: PlatformAccount, pds: PdsServer, tmp_path: Path, no_key: None
) -> None:
    demo_bluesky.ensure_credentials_key(tmp_path)
    connection, made = demo_bluesky.connect_demo_account(demo_account, pds.url, tmp_path / "pds")
    assert made
    assert connection.remote_handle == "riverbend.test"
    assert connection.remote_id.startswith("did:plc:")
    assert connection.connected_by_name == "system (local operator)"
    saved = tmp_path / "pds" / "demo-account.json"
    assert mode(saved) == 0o600
    assert json.loads(saved.read_text())["did"] == connection.remote_id
    # Postguard can publish there with the stored (encrypted) app password.
    assert connector_for(demo_account).verify_credentials().handle == "riverbend.test"

    # The next start finds it connected and changes nothing.
    again, made = demo_bluesky.connect_demo_account(demo_account, pds.url, tmp_path / "pds")
    assert not made
    assert again.pk == connection.pk
    assert AuditEvent.objects.filter(action="publishing.account.connect").count() == 1

    # A broken connection is made again, with a fresh app password.
    mark_broken(demo_account, "this account's app password was revoked: reconnect it")
    fixed, made = demo_bluesky.connect_demo_account(demo_account, pds.url, tmp_path / "pds")
    assert made
    assert fixed.broken_reason == ""
    assert fixed.remote_id == connection.remote_id
    assert Connection.objects.count() == 1
    assert connector_for(demo_account).verify_credentials().remote_id == connection.remote_id

    # Where the banner says to read the posts: JSON straight from the PDS.
    answer = httpx.get(demo_bluesky.posts_url(pds.url, "riverbend.test"))
    assert answer.status_code == 200
    assert answer.json()["records"] == []


def test_the_local_pds_starts_keeps_its_data_and_stops_by_pid(tmp_path: Path) -> None:
    data = tmp_path / "pds"
    local = demo_bluesky.LocalBluesky.start(data, port=free_port(), plc_port=free_port())
    try:
        assert httpx.get(f"{local.url}/xrpc/_health").status_code == 200
        created = httpx.post(
            f"{local.url}/xrpc/com.atproto.server.createAccount",
            json={"handle": "keep.test", "email": "k@keep.test", "password": "pw-pw-pw-pw"},
        )
        assert created.status_code == 200
    finally:
        local.stop()
    assert local.process.returncode == 0  # start.mjs stops both servers cleanly on SIGTERM
    assert (data / "account.sqlite").exists()  # the data directory is kept, not removed


def test_a_port_in_use_is_named(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(demo_bluesky.LocalBlueskyError) as error:
            demo_bluesky.LocalBluesky.start(tmp_path, port=port, plc_port=free_port())
    assert str(error.value) == (
        f"port {port} on 127.0.0.1 (the local Bluesky PDS) is in use: is another `postguard "
        "demo-serve` running? Stop it, or choose other ports with --pds-port and --plc-port"
    )


def test_without_node_the_reason_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(demo_bluesky, "NODE", tmp_path / "no-node")
    reason = demo_bluesky.missing()
    assert reason is not None
    assert "Node 22 is not installed" in reason
    assert "make servers" in reason


def test_demo_serve_needs_the_demo(db: Any) -> None:
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("demo_serve", stdout=io.StringIO(), stderr=err)
    assert exit_.value.code == 2
    assert err.getvalue() == (
        "postguard demo-serve: error: the demo organization is not loaded; run `postguard "
        "demo` first\n"
    )


def test_demo_serve_refuses_production(db: Any, settings: Any) -> None:
    settings.PRODUCTION = True
    load_demo()
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("demo_serve", stdout=io.StringIO(), stderr=err)
    assert exit_.value.code == 2
    assert "demo-serve is for development only" in err.getvalue()
    assert "in production run `postguard serve`" in err.getvalue()
