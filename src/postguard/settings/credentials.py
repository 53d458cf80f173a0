"""The key that encrypts platform credentials at rest, read from outside the database.

POSTGUARD_CREDENTIALS_KEY (or POSTGUARD_CREDENTIALS_KEY_FILE) holds one or more keys, each
32 random bytes in base64, separated by commas. The first encrypts; all of them decrypt, so a
rotation is: put the new key first, run the rotation, then drop the old one.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from postguard.settings import env

VARIABLE = "POSTGUARD_CREDENTIALS_KEY"
KEY_BYTES = 32
MAKE_ONE = (
    'python -c "import base64, secrets; '
    'print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())"'
)


def credentials_keys(environ: Mapping[str, str] | None = None) -> tuple[bytes, ...]:
    """The configured keys, current first; empty when none is set.

    Raises SettingError naming the variable and the position of a key that is not base64 of
    exactly 32 bytes, or when the same key is listed twice.
    """
    value = env.raw(VARIABLE, environ)
    if value is None or not value.strip():
        return ()
    keys: list[bytes] = []
    for position, text in enumerate(value.split(","), start=1):
        # Standard and URL-safe base64 are both accepted.
        text = text.strip().replace("+", "-").replace("/", "_")
        try:
            key = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != KEY_BYTES:
            raise env.SettingError(
                f"{VARIABLE}: key {position} is not {KEY_BYTES} random bytes in base64 "
                f"(it decodes to {len(key)} bytes); make one with: {MAKE_ONE}"
            )
        if key in keys:
            raise env.SettingError(f"{VARIABLE}: key {position} is listed twice")
        keys.append(key)
    return tuple(keys)
