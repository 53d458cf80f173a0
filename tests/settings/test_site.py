"""The settings module as a process sees it: production refuses unsafe values, check --deploy."""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from postguard.settings.log_filters import REDACTED, RedactSecrets

GOOD_KEY = secrets.token_urlsafe(64)


def _postguard(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # A clean slate: no Postguard or Django variables from this process (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE, which the deployment checks rightly refuse).
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("POSTGUARD_", "DJANGO_")) and key != "DATABASE_URL"
    }
    environ.update({"POSTGUARD_DATA_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-m", "postguard.cli.main", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        check=False,
    )


def test_production_refuses_the_development_secret_key(tmp_path: Path) -> None:
    result = _postguard(tmp_path, "check", POSTGUARD_ENV="production")
    assert result.returncode == 2
    assert (
        "configuration error: POSTGUARD_SECRET_KEY (or POSTGUARD_SECRET_KEY_FILE) must be set"
        in (result.stderr)
    )
    assert "Traceback" not in result.stderr


def test_a_bad_variable_is_named_without_a_stack_trace(tmp_path: Path) -> None:
    result = _postguard(tmp_path, "check", POSTGUARD_MAX_UPLOAD_BYTES="lots")
    assert result.returncode == 2
    assert "POSTGUARD_MAX_UPLOAD_BYTES='lots' is not a size" in result.stderr
    assert "Traceback" not in result.stderr
    result = _postguard(tmp_path, "check", DATABASE_URL="mysql://x@y/z")
    assert "DATABASE_URL='mysql://x@y/z' uses an unsupported scheme 'mysql'" in result.stderr


def test_celery_needs_a_broker(tmp_path: Path) -> None:
    result = _postguard(tmp_path, "check", POSTGUARD_JOBS_BACKEND="celery")
    assert result.returncode == 2
    assert "POSTGUARD_JOBS_BACKEND=celery needs POSTGUARD_BROKER_URL" in result.stderr


@pytest.mark.slow
def test_check_runs_the_deployment_checks_in_production(tmp_path: Path) -> None:
    key = tmp_path / "secret"
    key.write_text(GOOD_KEY, encoding="utf-8")
    strict = _postguard(
        tmp_path,
        "check",
        POSTGUARD_ENV="production",
        POSTGUARD_SECRET_KEY_FILE=str(key),
        POSTGUARD_ALLOWED_HOSTS="social.example.gov",
    )
    assert strict.returncode == 0, strict.stderr
    assert "System check identified no issues" in strict.stdout
    # Turning HSTS off in production is exactly what the deployment checks exist to catch.
    weak = _postguard(
        tmp_path,
        "check",
        POSTGUARD_ENV="production",
        POSTGUARD_SECRET_KEY_FILE=str(key),
        POSTGUARD_HSTS_SECONDS="0",
    )
    assert "security.W004" in weak.stdout + weak.stderr
    development = _postguard(tmp_path, "check", POSTGUARD_HSTS_SECONDS="0")
    assert development.returncode == 0, development.stderr
    assert "security.W004" not in development.stdout + development.stderr


def test_logs_never_show_the_secret_key(settings: object) -> None:
    from django.conf import settings as django_settings

    record = logging.LogRecord(
        "postguard",
        logging.ERROR,
        __file__,
        1,
        "connect failed with key %s",
        (django_settings.SECRET_KEY,),
        None,
    )
    assert RedactSecrets().filter(record)
    assert record.getMessage() == f"connect failed with key {REDACTED}"


def _mail_backend(tmp_path: Path, **env: str) -> str:
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND.rsplit('.', 2)[1])"
    result = _postguard(tmp_path, "shell", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]  # after the shell's "objects imported" line


@pytest.mark.slow
def test_invitation_mail_never_goes_to_a_log_in_production(tmp_path: Path) -> None:
    assert _mail_backend(tmp_path) == "console"  # development: printed for the developer
    production = {"POSTGUARD_ENV": "production", "POSTGUARD_SECRET_KEY": GOOD_KEY}
    assert _mail_backend(tmp_path, **production) == "dummy"
    assert _mail_backend(tmp_path, POSTGUARD_EMAIL_HOST="mail.example.gov", **production) == "smtp"
    bad = _postguard(tmp_path, "check", POSTGUARD_EMAIL_HOST="mail", POSTGUARD_EMAIL_PORT="0")
    assert bad.returncode == 2
    assert "POSTGUARD_EMAIL_PORT=0 is too small; the minimum is 1" in bad.stderr
