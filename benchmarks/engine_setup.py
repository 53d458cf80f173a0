"""Build Postguard's engine for a benchmark, saying plainly which parts are missing.

The engine is assembled by other parts of the code base (rules, name finder, directory parser);
a benchmark must still run while one of them is absent and report what it could not measure.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.labelled import directory_path, policy_path


@dataclass(slots=True)
class Built:
    engine: Any | None
    missing: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def build_engine(*, with_names: bool = True) -> Built:
    """`default_engine()` with the spaCy name finder, or None and what is missing."""
    built = Built(engine=None)
    name_finder = None
    if with_names:
        try:
            nlp_spacy = importlib.import_module("postguard.vetting.nlp_spacy")
            name_finder = nlp_spacy.load_name_finder()
            if not getattr(name_finder, "available", True):
                built.notices.append(str(getattr(name_finder, "description", "names off")))
        except ImportError as exc:
            built.missing.append(f"postguard.vetting.nlp_spacy.load_name_finder ({exc})")
    try:
        registry = importlib.import_module("postguard.vetting.rules.registry")
    except ImportError as exc:
        built.missing.append(f"postguard.vetting.rules.registry.default_engine ({exc})")
        return built
    built.engine = registry.default_engine(name_finder=name_finder)
    return built


def declared_rule_ids(engine: Any) -> set[str]:
    return set(getattr(engine, "defaults", {}))


def load_policy(path: Path) -> Any:
    from postguard.policy.loader import load_policy as loader

    return loader(path)


def load_directory(path: Path) -> tuple[Any, ...]:
    directory = importlib.import_module("postguard.vetting.directory")
    loader = getattr(directory, "load_directory_csv", None)
    if loader is None:
        raise ImportError("postguard.vetting.directory.load_directory_csv does not exist yet")
    return tuple(loader(path))


def org_context(org: str, *, track_history: bool = False) -> Any:
    from postguard.vetting.context import VettingContext

    return VettingContext.from_policy(
        load_policy(policy_path(org)),
        load_directory(directory_path(org)),
        track_history=track_history,
    )
