"""Where the audit checkpoint signing key lives: POSTGUARD_AUDIT_SIGNING_KEY_FILE.

The key signs checkpoints of the audit log; it is kept outside the database so that whoever can
edit the database cannot re-sign a rewritten history. It is generated on first use if absent.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from postguard.settings import env

SIGNING_KEY_FILE = "POSTGUARD_AUDIT_SIGNING_KEY_FILE"
DEFAULT_KEY_NAME = "audit-signing-key.pem"


def signing_key_path(data_dir: Path, environ: Mapping[str, str] | None = None) -> Path:
    """POSTGUARD_AUDIT_SIGNING_KEY_FILE, else DATA_DIR/audit-signing-key.pem.

    Only a path is accepted (the key is a file, written with 0600 permissions when generated);
    an inline POSTGUARD_AUDIT_SIGNING_KEY is refused rather than silently ignored.
    """
    source = os.environ if environ is None else environ
    if source.get("POSTGUARD_AUDIT_SIGNING_KEY") is not None:
        raise env.SettingError(
            f"POSTGUARD_AUDIT_SIGNING_KEY is not read; set {SIGNING_KEY_FILE} to the path of the "
            "key file (it is generated there on first use if absent)"
        )
    value = env.raw(SIGNING_KEY_FILE, source)
    if value is None:
        return data_dir / DEFAULT_KEY_NAME
    if not value.strip():
        raise env.SettingError(f"{SIGNING_KEY_FILE} is empty; set it to a file path")
    return Path(value.strip()).expanduser()
