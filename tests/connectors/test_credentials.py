"""Platform credentials at rest: AES-GCM, a key kept outside the database, rotation, and a
Secret type that never shows its value."""

from __future__ import annotations

import base64
import logging
import pickle
from pathlib import Path

import pytest

from postguard.connectors.credentials import (
    PREFIX,
    CredentialCipher,
    CredentialError,
    CredentialKey,
    Secret,
    key_id_of,
    rotate,
)
from postguard.settings.credentials import credentials_keys
from postguard.settings.env import SettingError

APP_PASSWORD = "abcd-efgh-ijkl-mnop"
ACCOUNT = "platform-account:7"


def encoded(material: bytes) -> str:
    return base64.urlsafe_b64encode(material).decode()


def test_a_credential_round_trips_and_the_ciphertext_hides_it() -> None:
    cipher = CredentialCipher([CredentialKey.generate()])
    token = cipher.encrypt(Secret(APP_PASSWORD), context=ACCOUNT)

    assert token.startswith(f"{PREFIX}.{cipher.current.key_id}.")
    assert APP_PASSWORD not in token
    assert cipher.decrypt(token, context=ACCOUNT).reveal() == APP_PASSWORD
    # A fresh nonce each time: the same secret never encrypts to the same text twice.
    assert cipher.encrypt(Secret(APP_PASSWORD), context=ACCOUNT) != token


def test_a_ciphertext_copied_to_another_account_does_not_decrypt() -> None:
    cipher = CredentialCipher([CredentialKey.generate()])
    token = cipher.encrypt(Secret(APP_PASSWORD), context=ACCOUNT)
    with pytest.raises(CredentialError, match="altered or copied from another account"):
        cipher.decrypt(token, context="platform-account:8")


def test_a_tampered_ciphertext_does_not_decrypt() -> None:
    cipher = CredentialCipher([CredentialKey.generate()])
    token = cipher.encrypt(Secret(APP_PASSWORD), context=ACCOUNT)
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(CredentialError, match="altered or copied"):
        cipher.decrypt(flipped, context=ACCOUNT)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("hunter2", "three dot-separated parts"),
        ("pgc1.abc.!!!", "not base64"),
        ("pgc1.abc.AAAA", "too short to be AES-GCM"),
    ],
)
def test_a_stored_value_that_is_not_a_credential_says_so(token: str, message: str) -> None:
    with pytest.raises(CredentialError, match=message):
        CredentialCipher([CredentialKey.generate()]).decrypt(token, context=ACCOUNT)


def test_rotation_re_encrypts_with_the_new_key() -> None:
    old, new = CredentialKey.generate(), CredentialKey.generate()
    token = CredentialCipher([old]).encrypt(Secret(APP_PASSWORD), context=ACCOUNT)

    rotated = rotate(token, old, new, context=ACCOUNT)

    assert key_id_of(rotated) == new.key_id
    assert CredentialCipher([new]).decrypt(rotated, context=ACCOUNT).reveal() == APP_PASSWORD
    with pytest.raises(CredentialError, match=f"encrypted with key {new.key_id}, which is not"):
        CredentialCipher([old]).decrypt(rotated, context=ACCOUNT)


def test_during_a_rotation_both_keys_decrypt_and_only_old_tokens_need_work() -> None:
    old, new = CredentialKey.generate(), CredentialKey.generate()
    old_token = CredentialCipher([old]).encrypt(Secret(APP_PASSWORD), context=ACCOUNT)
    cipher = CredentialCipher([new, old])
    new_token = cipher.encrypt(Secret("other"), context=ACCOUNT)

    assert cipher.needs_rotation(old_token)
    assert not cipher.needs_rotation(new_token)
    assert cipher.rotate(new_token, context=ACCOUNT) == new_token
    assert cipher.decrypt(old_token, context=ACCOUNT).reveal() == APP_PASSWORD


def test_a_token_from_a_key_that_is_gone_names_the_key() -> None:
    gone = CredentialKey.generate()
    token = CredentialCipher([gone]).encrypt(Secret(APP_PASSWORD), context=ACCOUNT)
    current = CredentialKey.generate()
    with pytest.raises(CredentialError) as caught:
        CredentialCipher([current]).decrypt(token, context=ACCOUNT)
    assert str(caught.value) == (
        f"this credential was encrypted with key {gone.key_id}, which is not among the "
        f"configured keys ({current.key_id}); add that key to POSTGUARD_CREDENTIALS_KEY after "
        "the current one, or reconnect the account"
    )


def test_secret_never_shows_its_value(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(APP_PASSWORD)
    logging.getLogger("postguard.test").warning(
        "connecting with %s / %r / %s", secret, secret, f"{secret}"
    )

    for shown in (repr(secret), str(secret), f"{secret}", f"{secret!r}", caplog.text):
        assert APP_PASSWORD not in shown
    assert repr(secret) == "Secret('********')"
    assert secret == Secret(APP_PASSWORD)
    assert secret != Secret("other")
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(secret)
    with pytest.raises(TypeError):
        hash(secret)


def test_key_repr_shows_only_its_id() -> None:
    material = bytes(range(32))
    key = CredentialKey(material)
    assert repr(key) == f"CredentialKey(id={key.key_id})"
    assert encoded(material) not in repr(key)


# --- The setting ----------------------------------------------------------------------------


def test_keys_come_from_the_environment_current_first() -> None:
    first, second = bytes(32), bytes(range(32))
    environ = {"POSTGUARD_CREDENTIALS_KEY": f"{encoded(first)}, {encoded(second)}"}
    assert credentials_keys(environ) == (first, second)
    cipher = CredentialCipher.from_settings(environ)
    assert cipher.current.key_id == CredentialKey(first).key_id


def test_keys_can_come_from_a_file(tmp_path: Path) -> None:
    material = bytes(range(1, 33))
    key_file = tmp_path / "credentials.key"
    key_file.write_text(base64.b64encode(material).decode() + "\n")
    assert credentials_keys({"POSTGUARD_CREDENTIALS_KEY_FILE": str(key_file)}) == (material,)


def test_no_key_configured_is_empty_and_the_cipher_says_how_to_make_one() -> None:
    assert credentials_keys({}) == ()
    with pytest.raises(CredentialError, match="no credentials key is configured: set POSTGUARD"):
        CredentialCipher.from_settings({})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("c2hvcnQ=", "key 1 is not 32 random bytes in base64 (it decodes to 5 bytes)"),
        ("not base64 at all!", "key 1 is not 32 random bytes in base64 (it decodes to 0 bytes)"),
        (f"{encoded(bytes(32))},{encoded(bytes(32))}", "key 2 is listed twice"),
    ],
)
def test_a_bad_key_setting_says_which_key_and_how_to_make_one(value: str, message: str) -> None:
    with pytest.raises(SettingError) as caught:
        credentials_keys({"POSTGUARD_CREDENTIALS_KEY": value})
    assert str(caught.value).startswith(f"POSTGUARD_CREDENTIALS_KEY: {message}")
