"""migrate, demo and serve on a fresh SQLite directory: the README's first command."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _env(tmp_path: Path) -> dict[str, str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("POSTGUARD_", "DJANGO_")) and k != "DATABASE_URL"
    }
    environ["POSTGUARD_DATA_DIR"] = str(tmp_path / "var")
    return environ


def _postguard(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "postguard.cli.main", *args],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=300,
        check=False,
    )


def _get(url: str) -> tuple[int, str]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


@pytest.mark.slow
def test_migrate_demo_and_serve_on_a_fresh_machine(tmp_path: Path) -> None:
    migrated = _postguard(tmp_path, "migrate", "--no-input", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    demo = _postguard(tmp_path, "demo")
    assert demo.returncode == 0, demo.stderr
    assert "lucia.lane@riverbend.example" in demo.stdout

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "postguard.cli.main", "serve", "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(tmp_path),
    )
    try:
        status = 0
        for _ in range(120):
            try:
                status, location = _get(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                time.sleep(0.5)
        assert status == 302
        assert location.startswith("/auth/login/")
        assert _get(f"http://127.0.0.1:{port}/static/postguard/postguard.css")[0] == 200
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert f"Postguard is running at http://127.0.0.1:{port}/" in output
    assert "Demo sign-ins (password for everyone: riverbend-demo-2026)" in output


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    result = _postguard(tmp_path, "serve", "--bind", "127.0.0.1:1")
    assert result.returncode == 2
    assert "run `postguard migrate` first" in result.stderr


def test_serve_names_a_bad_bind_address(tmp_path: Path) -> None:
    result = _postguard(tmp_path, "serve", "--bind", "localhost")
    assert result.returncode == 2
    assert "is not a bind address" in result.stderr
