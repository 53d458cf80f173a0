"""The vetting engine and `postguard vet` never import Django (they must start fast, anywhere)."""

from __future__ import annotations

import subprocess
import sys

import pytest

MODULES = [
    "postguard.vetting",
    "postguard.vetting.engine",
    "postguard.vetting.rules.registry",
    "postguard.cli.vet",
    "postguard.settings.vetting",
]


@pytest.mark.parametrize("module", MODULES)
def test_no_django(module: str) -> None:
    code = (
        "import importlib, sys\n"
        f"importlib.import_module({module!r})\n"
        "from postguard.vetting.rules.registry import default_engine\n"
        "default_engine()\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == ""


def test_vet_command_imports_no_django_nor_spacy_when_names_are_off() -> None:
    code = (
        "import os, sys\n"
        "os.environ['POSTGUARD_NLP_MODEL'] = 'none'\n"
        "from postguard.cli import vet\n"
        "vet._engine()\n"
        "heavy = {'django', 'spacy'}\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == ""
