"""Shared fixtures for the identity tests: a small directory, a policy, and the spaCy name finder
loaded once per test session (it takes a second or two)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from postguard.policy.schema import Policy
from postguard.vetting.context import VettingContext
from postguard.vetting.directory import Employee, parse_directory_csv
from postguard.vetting.nlp import NameFinder
from postguard.vetting.nlp_spacy import load_name_finder

DIRECTORY_CSV = (Path(__file__).parent / "data" / "identity_directory.csv").read_text("utf-8")
POLICY = Policy(organization="Madison County", domains=("example.gov", "mc.example.org"))


@cache
def directory() -> tuple[Employee, ...]:
    result = parse_directory_csv(DIRECTORY_CSV, "test-directory.csv")
    assert result.ok, result.errors
    return result.employees


def context(policy: Policy = POLICY) -> VettingContext:
    return VettingContext.from_policy(policy, directory())


@cache
def name_finder() -> NameFinder:
    """The default spaCy model, loaded once for the whole test session."""
    finder = load_name_finder(None)
    assert finder.available, finder.description
    return finder
