"""Signed checkpoints: the head of the chain and its length, signed with an Ed25519 key.

The key lives in a file outside the database. A checkpoint copied off the box proves later that
no event up to it was removed or rewritten, even by someone who can edit the database freely.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

CHECKPOINT_FORMAT = "postguard-audit-checkpoint/1"
_CHECKPOINT_FIELDS = ("format", "created", "count", "head_seq", "head_hash", "fingerprint")


class SigningKeyError(Exception):
    """The signing key or a checkpoint cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    path: Path
    created: bool

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()


def fingerprint(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()[:32]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_signing_key(path: Path, *, create: bool) -> SigningKey:
    """Read the private key at `path`; when absent and `create`, generate it with mode 0600."""
    if not path.exists():
        if not create:
            raise SigningKeyError(
                f"no audit signing key at {path} (POSTGUARD_AUDIT_SIGNING_KEY_FILE); "
                "run `postguard audit checkpoint` once to create it, or pass --public-key FILE"
            )
        return SigningKey(_generate(path), path, created=True)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(
            f"the audit signing key {path} cannot be read: {exc.strerror}"
        ) from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(
            f"{path} is not an unencrypted PEM private key ({exc}); expected the Ed25519 key "
            "that `postguard audit checkpoint` generates"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} holds a {type(key).__name__}; expected an Ed25519 key")
    return SigningKey(key, path, created=False)


def key_is_private_to_owner(path: Path) -> bool:
    return not stat.S_IMODE(path.stat().st_mode) & 0o077


def _generate(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise SigningKeyError(
            f"cannot create the audit signing key at {path}: {exc.strerror}; set "
            "POSTGUARD_AUDIT_SIGNING_KEY_FILE to a writable path outside the database"
        ) from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A PEM public key (as `postguard audit public-key` prints it)."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except OSError as exc:
        raise SigningKeyError(f"the public key {path} cannot be read: {exc.strerror}") from None
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{path} is not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path} holds a {type(key).__name__}; expected an Ed25519 key")
    return key


def _message(checkpoint: dict[str, Any]) -> bytes:
    payload = {name: checkpoint[name] for name in _CHECKPOINT_FIELDS}
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign_checkpoint(
    key: SigningKey, *, count: int, head_seq: int, head_hash: str, created: str
) -> dict[str, Any]:
    checkpoint: dict[str, Any] = {
        "format": CHECKPOINT_FORMAT,
        "created": created,
        "count": count,
        "head_seq": head_seq,
        "head_hash": head_hash,
        "fingerprint": fingerprint(key.public),
    }
    signature = key.private.sign(_message(checkpoint))
    checkpoint["signature"] = base64.b64encode(signature).decode("ascii")
    return checkpoint


@dataclass(frozen=True)
class Checkpoint:
    created: str
    count: int
    head_seq: int
    head_hash: str
    fingerprint: str


def read_checkpoint(path: Path, public: Ed25519PublicKey) -> Checkpoint:
    """Read a checkpoint file and check its signature against `public`."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SigningKeyError(f"the checkpoint {path} cannot be read: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SigningKeyError(f"the checkpoint {path} is not JSON: {exc}") from None
    if not isinstance(raw, dict) or raw.get("format") != CHECKPOINT_FORMAT:
        raise SigningKeyError(
            f"{path} is not a Postguard audit checkpoint (expected format {CHECKPOINT_FORMAT!r})"
        )
    missing = [name for name in (*_CHECKPOINT_FIELDS, "signature") if name not in raw]
    if missing:
        raise SigningKeyError(f"the checkpoint {path} lacks {', '.join(missing)}")
    if raw["fingerprint"] != fingerprint(public):
        raise SigningKeyError(
            f"the checkpoint {path} was signed by key {raw['fingerprint']}, not by this key "
            f"({fingerprint(public)}); verify with the key that signed it (--public-key FILE)"
        )
    try:
        public.verify(base64.b64decode(str(raw["signature"]), validate=True), _message(raw))
    except (InvalidSignature, ValueError):
        raise SigningKeyError(
            f"the checkpoint {path} has a signature that does not verify: it was altered after "
            "it was signed"
        ) from None
    if not (
        isinstance(raw["count"], int)
        and isinstance(raw["head_seq"], int)
        and isinstance(raw["head_hash"], str)
    ):
        raise SigningKeyError(f"the checkpoint {path} has malformed count, head_seq or head_hash")
    return Checkpoint(
        created=str(raw["created"]),
        count=raw["count"],
        head_seq=raw["head_seq"],
        head_hash=raw["head_hash"],
        fingerprint=str(raw["fingerprint"]),
    )
