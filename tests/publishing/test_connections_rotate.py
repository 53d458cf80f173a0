"""Rotating the credentials key end to end, against the real Bluesky PDS: connect with key 1,
put key 2 first, run `postguard credentials-rotate`, drop key 1, and Postguard still signs in.
A credential that does not decrypt stops the rotation with its account named, and nothing is
half-done."""

from __future__ import annotations

import base64
import io
import os
from typing import Any

import pytest
from django.core.management import call_command

from postguard.audit.models import AuditEvent
from postguard.connectors.credentials import CredentialKey, Secret, key_id_of
from postguard.core.actors import SYSTEM
from postguard.publishing.connections import ConnectError, connect, connector_for
from postguard.publishing.models import Connection
from postguard.registry.models import PlatformAccount
from tests.servers import PdsServer

VARIABLE = "POSTGUARD_CREDENTIALS_KEY"


def new_key() -> tuple[str, str]:
    """A key as the variable holds it, and its public id."""
    material = os.urandom(32)
    return base64.urlsafe_b64encode(material).decode(), CredentialKey(material).key_id


def rotate(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("credentials_rotate", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def loopback(settings: Any) -> None:
    settings.PLATFORM_ALLOW_LOOPBACK = True


def connect_new(pds: PdsServer, account: PlatformAccount) -> str:
    remote = pds.create_account()
    connect(
        account,
        service_url=pds.url,
        login=remote.handle,
        secret=Secret(remote.app_password),
        actor=SYSTEM,
    )
    return remote.did


def test_a_key_rotation_end_to_end(
    cast: Any, pds: PdsServer, loopback: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    key1, id1 = new_key()
    key2, id2 = new_key()
    monkeypatch.setenv(VARIABLE, key1)
    did = connect_new(pds, cast.bluesky)
    assert key_id_of(Connection.objects.get().credential) == id1

    # 1. The new key goes first; the old one stays after it, so both decrypt.
    monkeypatch.setenv(VARIABLE, f"{key2},{key1}")
    code, out, err = rotate()
    assert (code, err) == (0, "")
    assert out == (
        f"1 credential(s) re-encrypted; all 1 stored credential(s) now use key {id2}.\n"
        f"No stored credential needs key(s) {id1} any more: remove them from {VARIABLE}.\n"
    )
    assert key_id_of(Connection.objects.get().credential) == id2
    event = AuditEvent.objects.get(action="publishing.credentials.rotate")
    assert event.after == {"re_encrypted": 1, "key_id": id2}
    assert event.device == "cli"

    # 2. A second run has nothing left to do.
    assert rotate()[1].startswith("0 credential(s) re-encrypted; all 1 stored")

    # 3. The old key is dropped: Postguard still signs in as the same account.
    monkeypatch.setenv(VARIABLE, key2)
    assert connector_for(cast.bluesky).verify_credentials().remote_id == did


def test_a_credential_that_does_not_decrypt_stops_the_rotation_and_nothing_changes(
    cast: Any, pds: PdsServer, loopback: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    key1, id1 = new_key()
    key2, _ = new_key()
    monkeypatch.setenv(VARIABLE, key1)
    connect_new(pds, cast.bluesky)
    second = PlatformAccount.objects.create(platform="bluesky", handle="parks.example.test")
    connect_new(pds, second)
    # Someone copied the first account's ciphertext onto the second account's row.
    first = Connection.objects.get(account=cast.bluesky)
    Connection.objects.filter(account=second).update(credential=first.credential)
    before = dict(Connection.objects.values_list("account_id", "credential"))

    monkeypatch.setenv(VARIABLE, f"{key2},{key1}")
    code, out, err = rotate()
    assert code == 1
    assert out == ""
    assert err == (
        f"postguard credentials-rotate: error: {second}: this credential does not decrypt for "
        f"'platform-account:{second.pk}' with key {id1}: it was altered or copied from another "
        "account; reconnect the account. Nothing was changed: every credential still uses the "
        "key it had.\n"
    )
    assert dict(Connection.objects.values_list("account_id", "credential")) == before
    assert not AuditEvent.objects.filter(action="publishing.credentials.rotate").exists()


def test_a_missing_old_key_names_the_key_to_put_back(
    cast: Any, pds: PdsServer, loopback: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    key1, id1 = new_key()
    key2, id2 = new_key()
    monkeypatch.setenv(VARIABLE, key1)
    connect_new(pds, cast.bluesky)
    monkeypatch.setenv(VARIABLE, key2)  # the old key was dropped too early
    code, _, err = rotate()
    assert code == 1
    assert (
        f"this credential was encrypted with key {id1}, which is not among the configured keys "
        f"({id2}); add that key to {VARIABLE} after the current one, or reconnect the account"
    ) in err
    with pytest.raises(ConnectError, match=f"encrypted with key {id1}"):
        connector_for(cast.bluesky)


def test_rotation_without_a_key_says_how_to_make_one(
    cast: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)
    monkeypatch.delenv(f"{VARIABLE}_FILE", raising=False)
    code, _, err = rotate()
    assert code == 1
    assert f"no credentials key is configured: set {VARIABLE}" in err


def test_only_leads_and_security_rotate(cast: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VARIABLE, new_key()[0])
    code, _, err = rotate("--as", cast.eddie.email)
    assert code == 3
    assert "permission denied: Eddie <eddie@example.gov> may not credentials.rotate" in err
    assert rotate("--as", cast.sam.email)[0] == 0
