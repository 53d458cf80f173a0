"""Platform credentials encrypted at rest (AES-256-GCM), with the key kept outside the database.

A stored credential is text: `pgc1.<key id>.<base64url(nonce + ciphertext + tag)>`. The key id
names which configured key encrypted it, so keys can be rotated; the associated data binds it
to one platform account (`context`), so a ciphertext copied onto another account's row does
not decrypt. Plaintext lives only in `Secret`, which never shows itself in repr, str, logs or
pickles.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Mapping, Sequence
from typing import NoReturn

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from postguard.settings import credentials as credential_settings

PREFIX = "pgc1"
_NONCE_BYTES = 12
_AAD_PREFIX = b"postguard credential v1\x00"


class Secret:
    """A credential in memory. `reveal()` is the one way to read it, and is easy to grep."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret holds text")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    __hash__ = None  # type: ignore[assignment]  # a secret is not a dict key

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled: pass the encrypted form to jobs, not this")


class CredentialError(Exception):
    """A stored credential cannot be decrypted; the message says why and what to do."""


class CredentialKey:
    """One 32-byte AES key and its public id (a hash prefix, safe to store and show)."""

    __slots__ = ("_aead", "key_id")

    def __init__(self, material: bytes) -> None:
        if len(material) != credential_settings.KEY_BYTES:
            raise ValueError(
                f"a credentials key is {credential_settings.KEY_BYTES} bytes, not {len(material)}"
            )
        self._aead = AESGCM(material)
        digest = hashlib.sha256(b"postguard credentials key id\x00" + material).digest()
        self.key_id = base64.urlsafe_b64encode(digest[:6]).decode()

    @classmethod
    def generate(cls) -> CredentialKey:
        return cls(os.urandom(credential_settings.KEY_BYTES))

    def __repr__(self) -> str:
        return f"CredentialKey(id={self.key_id})"

    def encrypt(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, aad)

    def decrypt(self, blob: bytes, aad: bytes) -> bytes:
        return self._aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], aad)


def _aad(context: str) -> bytes:
    if not context:
        raise ValueError("context names the account a credential belongs to; it cannot be empty")
    return _AAD_PREFIX + context.encode()


def key_id_of(token: str) -> str:
    """The id of the key that encrypted a stored credential."""
    return _split(token)[0]


def _split(token: str) -> tuple[str, bytes]:
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise CredentialError(
            f"a stored credential starts with {PREFIX!r} and has three dot-separated parts; "
            "this one does not: it was not written by Postguard or was cut short"
        )
    try:
        padded = parts[2] + "=" * (-len(parts[2]) % 4)
        blob = base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise CredentialError("a stored credential's ciphertext is not base64") from None
    if len(blob) < _NONCE_BYTES + 16:
        raise CredentialError("a stored credential's ciphertext is too short to be AES-GCM")
    return parts[1], blob


class CredentialCipher:
    """Encrypts with the first key, decrypts with any of them."""

    def __init__(self, keys: Sequence[CredentialKey]) -> None:
        if not keys:
            raise CredentialError(
                f"no credentials key is configured: set {credential_settings.VARIABLE} (or "
                f"{credential_settings.VARIABLE}_FILE); make a key with: "
                f"{credential_settings.MAKE_ONE}"
            )
        self.keys = tuple(keys)
        self._by_id = {key.key_id: key for key in self.keys}

    @classmethod
    def from_settings(cls, environ: Mapping[str, str] | None = None) -> CredentialCipher:
        materials = credential_settings.credentials_keys(environ)
        return cls([CredentialKey(material) for material in materials])

    @property
    def current(self) -> CredentialKey:
        return self.keys[0]

    def encrypt(self, secret: Secret, *, context: str) -> str:
        blob = self.current.encrypt(secret.reveal().encode(), _aad(context))
        encoded = base64.urlsafe_b64encode(blob).decode().rstrip("=")
        return f"{PREFIX}.{self.current.key_id}.{encoded}"

    def decrypt(self, token: str, *, context: str) -> Secret:
        key_id, blob = _split(token)
        key = self._by_id.get(key_id)
        if key is None:
            raise CredentialError(
                f"this credential was encrypted with key {key_id}, which is not among the "
                f"configured keys ({', '.join(self._by_id)}); add that key to "
                f"{credential_settings.VARIABLE} after the current one, or reconnect the account"
            )
        try:
            plaintext = key.decrypt(blob, _aad(context))
        except InvalidTag:
            raise CredentialError(
                f"this credential does not decrypt for {context!r} with key {key_id}: it was "
                "altered or copied from another account; reconnect the account"
            ) from None
        return Secret(plaintext.decode())

    def needs_rotation(self, token: str) -> bool:
        return key_id_of(token) != self.current.key_id

    def rotate(self, token: str, *, context: str) -> str:
        """The same credential encrypted with the current key (unchanged if it already is)."""
        if not self.needs_rotation(token):
            return token
        return self.encrypt(self.decrypt(token, context=context), context=context)


def rotate(token: str, old_key: CredentialKey, new_key: CredentialKey, *, context: str) -> str:
    """Re-encrypt one stored credential from `old_key` to `new_key`."""
    return CredentialCipher([new_key, old_key]).rotate(token, context=context)
