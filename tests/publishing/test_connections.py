"""Connecting a platform account on the account page, over the API and from the command line:
the credential is checked with the real Bluesky PDS (and mastodon-mock, a stand-in because no
real Mastodon server installs here), stored encrypted, and never shown again: not in a page,
an API answer, a log line or the audit log."""

from __future__ import annotations

import base64
import io
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client

from postguard.audit.models import AuditEvent
from postguard.connectors.credentials import Secret
from postguard.core.actors import SYSTEM
from postguard.publishing.connections import connect, connector_for, mark_broken
from postguard.publishing.models import Connection
from postguard.registry.devices import set_device_cookie
from postguard.registry.services import enroll_device
from tests.servers import BlueskyAccount, MastodonMock, PdsServer
from tests.web.conftest import signed_in


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture
def keyed(settings: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """A credentials key, and connectors allowed to reach the loopback test servers."""
    key = new_key()
    monkeypatch.setenv("POSTGUARD_CREDENTIALS_KEY", key)
    settings.PLATFORM_ALLOW_LOOPBACK = True
    return key


@pytest.fixture
def account(pds: PdsServer) -> BlueskyAccount:
    return pds.create_account()


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record at every level, to search for the secret."""
    with caplog.at_level(logging.DEBUG):
        yield caplog


def on_device(cast: Any, user: Any, *, reauthenticated: bool = True) -> Client:
    """`user` signed in on an enrolled company device (connecting needs one by default)."""
    client = signed_in(user, reauthenticated=reauthenticated)
    _, token = enroll_device(SYSTEM, f"laptop for {user.username}")
    response = HttpResponse()
    set_device_cookie(response, token)
    name = django_settings.DEVICE_COOKIE_NAME
    client.cookies[name] = response.cookies[name].value
    return client


def audit_text() -> str:
    rows = AuditEvent.objects.values(
        "actor_name", "action", "object_repr", "before", "after", "device"
    )
    return json.dumps(list(rows), default=str)


def assert_nowhere(secret: str, logs: pytest.LogCaptureFixture, *pages: Any) -> None:
    for page in pages:
        body = page.content.decode() if hasattr(page, "content") else str(page)
        assert secret not in body
    assert secret not in audit_text()
    assert all(secret not in record.getMessage() for record in logs.records)
    assert secret not in logs.text
    for connection in Connection.objects.all():
        assert secret not in connection.credential
        assert secret not in repr(connection)


# --- the account page --------------------------------------------------------------------------


def test_a_lead_connects_the_bluesky_account_and_never_sees_the_password_again(
    cast: Any, pds: PdsServer, account: BlueskyAccount, keyed: str, logs: Any
) -> None:
    lola = on_device(cast, cast.lola)
    url = f"/accounts/{cast.bluesky.pk}/connection/"
    form = lola.get(url)
    assert form.status_code == 200
    assert 'type="password"' in form.content.decode()

    answer = lola.post(
        url,
        {"service_url": pds.url, "login": account.handle, "secret": account.app_password},
    )
    assert answer.status_code == 302
    assert answer["Location"] == f"/accounts/{cast.bluesky.pk}/"

    connection = Connection.objects.get(account=cast.bluesky)
    assert connection.remote_id == account.did
    assert connection.remote_handle == account.handle
    assert connection.connected_by == cast.lola
    page = lola.get(f"/accounts/{cast.bluesky.pk}/")
    text = page.content.decode()
    assert f"connected</span> as <strong>@{account.handle}</strong>" in text
    assert account.did in text
    assert "Lola" in text
    # The reconnect form starts with the address and handle, never the password.
    again = lola.get(url)
    assert pds.url in again.content.decode()
    assert 'name="secret"' in again.content.decode()

    event = AuditEvent.objects.get(action="publishing.account.connect")
    assert event.actor_name == "Lola <lola@example.gov>"
    assert event.after is not None
    assert event.after["remote_id"] == account.did
    assert_nowhere(account.app_password, logs, form, answer, page, again)
    # And Postguard can publish with it.
    assert connector_for(cast.bluesky).verify_credentials().remote_id == account.did


def test_a_refused_password_is_not_echoed_back_and_nothing_is_stored(
    cast: Any, pds: PdsServer, account: BlueskyAccount, keyed: str, logs: Any
) -> None:
    wrong = "wxyz-wxyz-wxyz-wxyz"
    answer = on_device(cast, cast.sam).post(
        f"/accounts/{cast.bluesky.pk}/connection/",
        {"service_url": pds.url, "login": account.handle, "secret": wrong},
    )
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "the platform did not accept these credentials" in body
    assert "check the server address, the handle and the app password" in body
    assert account.handle in body  # the handle is kept for the next try; the password is not
    assert not Connection.objects.exists()
    assert not AuditEvent.objects.filter(action="publishing.account.connect").exists()
    assert_nowhere(wrong, logs, answer)


def test_a_bluesky_connection_needs_the_handle(cast: Any, pds: PdsServer, keyed: str) -> None:
    answer = on_device(cast, cast.lola).post(
        f"/accounts/{cast.bluesky.pk}/connection/",
        {"service_url": pds.url, "login": "", "secret": "abcd-abcd-abcd-abcd"},
    )
    assert answer.status_code == 400
    assert "Give the Bluesky handle the app password belongs to" in answer.content.decode()
    assert "abcd-abcd-abcd-abcd" not in answer.content.decode()


def test_without_a_credentials_key_connecting_says_how_to_make_one(
    cast: Any, pds: PdsServer, account: BlueskyAccount, settings: Any, monkeypatch: Any
) -> None:
    for name in ("POSTGUARD_CREDENTIALS_KEY", "POSTGUARD_CREDENTIALS_KEY_FILE"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    settings.PLATFORM_ALLOW_LOOPBACK = True
    answer = on_device(cast, cast.lola).post(
        f"/accounts/{cast.bluesky.pk}/connection/",
        {"service_url": pds.url, "login": account.handle, "secret": account.app_password},
    )
    assert answer.status_code == 400
    assert "no credentials key is configured: set POSTGUARD_CREDENTIALS_KEY" in (
        answer.content.decode()
    )
    assert not Connection.objects.exists()


def test_editors_and_auditors_see_the_status_but_cannot_connect(
    cast: Any, pds: PdsServer, account: BlueskyAccount, keyed: str
) -> None:
    connect(
        cast.bluesky,
        service_url=pds.url,
        login=account.handle,
        secret=Secret(account.app_password),
        actor=SYSTEM,
    )
    for user in (cast.eddie, cast.ada):
        client = on_device(cast, user)
        page = client.get(f"/accounts/{cast.bluesky.pk}/").content.decode()
        assert f"@{account.handle}" in page
        assert "Reconnect" not in page
        assert "Disconnect" not in page
        assert client.get(f"/accounts/{cast.bluesky.pk}/connection/").status_code == 403
        refused = client.post(
            f"/accounts/{cast.bluesky.pk}/connection/",
            {"service_url": pds.url, "login": account.handle, "secret": "x"},
        )
        assert refused.status_code == 403
        assert client.post(f"/accounts/{cast.bluesky.pk}/connection/disconnect/").status_code == (
            403
        )
    assert Connection.objects.get().connected_by_name == "system (local operator)"


def test_connecting_on_a_device_that_is_not_enrolled_is_refused(
    cast: Any, pds: PdsServer, account: BlueskyAccount, keyed: str
) -> None:
    client = signed_in(cast.lola, reauthenticated=True)
    answer = client.post(
        f"/accounts/{cast.bluesky.pk}/connection/",
        {"service_url": pds.url, "login": account.handle, "secret": account.app_password},
    )
    assert answer.status_code == 403
    assert not Connection.objects.exists()


def test_connecting_asks_for_the_password_again_without_keeping_the_secret(
    cast: Any, keyed: str
) -> None:
    from django.contrib.sessions.models import Session

    client = on_device(cast, cast.lola, reauthenticated=False)
    url = f"/accounts/{cast.bluesky.pk}/connection/"
    assert client.get(url)["Location"] == f"/auth/reauthenticate/?next={url.replace('/', '%2F')}"
    answer = client.post(url, {"service_url": "https://bsky.social", "secret": "kept-nowhere-1"})
    assert answer.status_code == 302
    assert answer["Location"].startswith("/auth/reauthenticate/")
    # allauth would replay a POST after the password is confirmed by keeping it in the
    # session; this form is not replayed, so the secret is in no session.
    for session in Session.objects.all():
        assert "kept-nowhere-1" not in json.dumps(session.get_decoded(), default=str)
    disconnect = client.post(f"{url}disconnect/")
    assert disconnect.status_code == 302
    assert disconnect["Location"].startswith("/auth/reauthenticate/")


def test_a_broken_connection_says_why_and_offers_reconnect_then_disconnect_is_audited(
    cast: Any, pds: PdsServer, account: BlueskyAccount, keyed: str
) -> None:
    connect(
        cast.bluesky,
        service_url=pds.url,
        login=account.handle,
        secret=Secret(account.app_password),
        actor=SYSTEM,
    )
    mark_broken(cast.bluesky, "this account's app password was revoked: reconnect it")
    lola = on_device(cast, cast.lola)
    page = lola.get(f"/accounts/{cast.bluesky.pk}/").content.decode()
    assert "broken</span> this account&#x27;s app password was revoked: reconnect it" in page
    assert f'href="/accounts/{cast.bluesky.pk}/connection/">Reconnect</a>' in page

    answer = lola.post(f"/accounts/{cast.bluesky.pk}/connection/disconnect/")
    assert answer.status_code == 302
    assert not Connection.objects.exists()
    event = AuditEvent.objects.get(action="publishing.account.disconnect")
    assert event.actor_name == "Lola <lola@example.gov>"
    assert event.before is not None
    assert event.before["remote_id"] == account.did
    page = lola.get(f"/accounts/{cast.bluesky.pk}/").content.decode()
    assert "not connected</span>" in page


# --- the API -----------------------------------------------------------------------------------


def put(client: Client, account_id: int, body: dict[str, str]) -> Any:
    return client.put(
        f"/api/v1/accounts/{account_id}/connection",
        json.dumps(body),
        content_type="application/json",
    )


def test_the_api_connects_shows_and_disconnects_without_ever_returning_the_secret(
    cast: Any, pds: PdsServer, account: BlueskyAccount, keyed: str, logs: Any
) -> None:
    sam = on_device(cast, cast.sam)
    path = f"/api/v1/accounts/{cast.bluesky.pk}/connection"
    before = sam.get(path)
    assert before.json() == {
        "account_id": cast.bluesky.pk,
        "connected": False,
        "service_url": None,
        "login": None,
        "remote_id": None,
        "remote_handle": None,
        "connected_by": None,
        "connected_at": None,
        "verified_at": None,
        "broken": False,
        "broken_reason": "",
    }
    answer = put(
        sam,
        cast.bluesky.pk,
        {"service_url": pds.url, "login": account.handle, "secret": account.app_password},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["connected"] is True
    assert body["remote_id"] == account.did
    assert body["remote_handle"] == account.handle
    assert body["connected_by"] == "Sam <sam@example.gov>"
    assert "secret" not in body
    assert "credential" not in body
    shown = on_device(cast, cast.eddie).get(path)  # an editor on the account may read it
    assert shown.status_code == 200
    assert shown.json()["remote_id"] == account.did

    gone = sam.delete(path)
    assert gone.status_code == 200
    assert gone.json()["connected"] is False
    assert AuditEvent.objects.filter(action="publishing.account.disconnect").count() == 1
    assert_nowhere(account.app_password, logs, before, answer, shown, gone)


def test_the_api_names_the_field_that_is_wrong(cast: Any, pds: PdsServer, keyed: str) -> None:
    sam = on_device(cast, cast.sam)
    answer = put(sam, cast.bluesky.pk, {"service_url": "bsky", "login": "", "secret": " "})
    assert answer.status_code == 400
    assert answer.json()["errors"] == [
        {
            "field": "body.service_url",
            "message": "'bsky' is not an http(s) URL, e.g. https://bsky.social",
        },
        {"field": "body.login", "message": "give the Bluesky handle the app password belongs to"},
        {"field": "body.secret", "message": "give the app password or access token"},
    ]
    refused = put(
        sam, cast.bluesky.pk, {"service_url": pds.url, "login": "nobody.test", "secret": "nope"}
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "body.secret"
    assert "the platform did not accept these credentials" in refused.json()["detail"]
    assert "nope" not in refused.content.decode().replace("nobody", "")


@pytest.mark.parametrize(
    ("who", "status"), [("eddie", 403), ("ada", 403), ("ollie", 404), ("nora", 404)]
)
def test_only_leads_and_security_connect_over_the_api(
    cast: Any, pds: PdsServer, account: BlueskyAccount, keyed: str, who: str, status: int
) -> None:
    client = on_device(cast, getattr(cast, who))
    body = {"service_url": pds.url, "login": account.handle, "secret": account.app_password}
    assert put(client, cast.bluesky.pk, body).status_code == status
    assert client.delete(f"/api/v1/accounts/{cast.bluesky.pk}/connection").status_code == status
    assert not Connection.objects.exists()


def test_a_session_caller_must_have_re_authenticated(
    cast: Any, pds: PdsServer, account: BlueskyAccount, keyed: str
) -> None:
    client = on_device(cast, cast.lola, reauthenticated=False)
    body = {"service_url": pds.url, "login": account.handle, "secret": account.app_password}
    answer = put(client, cast.bluesky.pk, body)
    assert answer.status_code == 401
    assert "re-authenticate" in answer.json()["detail"]
    assert not Connection.objects.exists()


def test_a_mastodon_account_connects_with_a_token_and_no_login(
    cast: Any, mastodon_mock: MastodonMock, keyed: str, logs: Any
) -> None:
    # mastodon-mock stands in for Mastodon: no real Mastodon server installs here.
    remote = mastodon_mock.create_account()
    answer = put(
        on_device(cast, cast.lola),
        cast.mastodon.pk,
        {"service_url": mastodon_mock.url, "login": "", "secret": remote.access_token},
    )
    assert answer.status_code == 200
    assert answer.json()["remote_id"] == remote.id
    assert answer.json()["remote_handle"] == remote.username
    assert_nowhere(remote.access_token, logs, answer)


# --- the command line --------------------------------------------------------------------------


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    old = None
    if stdin is not None:
        import sys

        old, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    finally:
        if old is not None:
            import sys

            sys.stdin = old
    return code, out.getvalue(), err.getvalue()


def test_the_command_connects_with_a_secret_file(
    cast: Any, pds: PdsServer, account: BlueskyAccount, keyed: str, tmp_path: Path, logs: Any
) -> None:
    secret_file = tmp_path / "app-password"
    secret_file.write_text(account.app_password + "\n")
    code, out, err = run(
        "account_connect",
        str(cast.bluesky.pk),
        "--service-url",
        pds.url,
        "--login",
        account.handle,
        "--secret-file",
        str(secret_file),
    )
    assert (code, err) == (0, "")
    assert out == (
        f"[{cast.bluesky.pk}] {cast.bluesky}: connected as @{account.handle} ({account.did}) "
        f"on {pds.url}; the credential is stored encrypted\n"
    )
    assert AuditEvent.objects.get(action="publishing.account.connect").device == "cli"
    assert_nowhere(account.app_password, logs, out)


def test_the_command_reads_the_secret_from_standard_input(
    cast: Any, pds: PdsServer, account: BlueskyAccount, keyed: str
) -> None:
    code, _out, _ = run(
        "account_connect",
        f"bluesky:{cast.bluesky.handle}",
        "--service-url",
        pds.url,
        "--login",
        account.handle,
        stdin=account.app_password + "\n",
    )
    assert code == 0
    assert Connection.objects.get().remote_id == account.did


@pytest.mark.parametrize("option", ["--secret", "--password", "--app-password", "--token"])
def test_the_command_refuses_a_secret_on_the_command_line(
    cast: Any, keyed: str, option: str
) -> None:
    code, _, err = run(
        "account_connect",
        str(cast.bluesky.pk),
        "--service-url",
        "https://bsky.social",
        "--login",
        "x.test",
        option,
        "hunter2",
    )
    assert code == 2
    assert err == (
        f"postguard account-connect: error: {option}: a secret on the command line is visible "
        "to every user of this machine (ps, /proc); put it in a file readable only by you and "
        "pass --secret-file FILE, or pipe it on standard input\n"
    )
    assert not Connection.objects.exists()


def test_the_command_says_precisely_what_is_wrong(
    cast: Any, pds: PdsServer, account: BlueskyAccount, keyed: str, tmp_path: Path
) -> None:
    base = ["account_connect", str(cast.bluesky.pk), "--service-url", pds.url]
    cases = [
        (
            ["--login", account.handle, "--secret-file", str(tmp_path / "missing")],
            f"--secret-file {tmp_path / 'missing'}: no such file",
        ),
        (["--secret-file", "-"], "--login: give the Bluesky handle"),
        (
            ["--login", account.handle],
            "standard input: expected the app password or token on "
            "one line, found 0 non-empty lines",
        ),
    ]
    for extra, message in cases:
        code, _, err = run(*base, *extra, stdin="")
        assert code == 2, err
        assert message in err
    code, _, err = run("account_connect", "99999", "--service-url", pds.url, stdin="x\n")
    assert (code, err) == (
        2,
        "postguard account-connect: error: ACCOUNT '99999': no such platform account "
        "(see `postguard accounts`)\n",
    )
    code, _, err = run(*base, "--login", account.handle, stdin="wrong-wrong-wrong\n")
    assert code == 2
    assert "the platform did not accept these credentials" in err
    assert not Connection.objects.exists()


def test_the_command_as_an_editor_is_denied(
    cast: Any, pds: PdsServer, account: BlueskyAccount, keyed: str
) -> None:
    code, _, err = run(
        "account_connect",
        str(cast.bluesky.pk),
        "--service-url",
        pds.url,
        "--login",
        account.handle,
        "--as",
        cast.eddie.email,
        stdin=account.app_password,
    )
    assert code == 3
    assert "permission denied: Eddie <eddie@example.gov> may not account.connect on " in err
    assert not Connection.objects.exists()


def test_a_misconfigured_key_is_a_precise_message_not_a_crash(
    cast: Any, pds: PdsServer, account: BlueskyAccount, keyed: str, monkeypatch: Any
) -> None:
    monkeypatch.setenv("POSTGUARD_CREDENTIALS_KEY_FILE", "/nonexistent")
    body = {"service_url": pds.url, "login": account.handle, "secret": account.app_password}
    page = on_device(cast, cast.lola).post(f"/accounts/{cast.bluesky.pk}/connection/", body)
    assert page.status_code == 400
    assert (
        "POSTGUARD_CREDENTIALS_KEY and POSTGUARD_CREDENTIALS_KEY_FILE are both set; set only "
        "one of them"
    ) in page.content.decode()
    answer = put(on_device(cast, cast.sam), cast.bluesky.pk, body)
    assert answer.status_code == 400
    assert "are both set" in answer.json()["detail"]
    assert not Connection.objects.exists()
