"""Shared helpers for the pattern-rule tests: one policy, one engine, spans as substrings."""

from __future__ import annotations

from collections.abc import Sequence

from postguard.policy.schema import Policy
from postguard.vetting.context import VettingContext
from postguard.vetting.directory import Employee
from postguard.vetting.engine import Engine
from postguard.vetting.findings import Report
from postguard.vetting.post import Platform, Post
from postguard.vetting.rules.registry import pattern_rules

POLICY = Policy(
    organization="Madison County",
    domains=("madisoncounty.gov", "mcva.org"),
    role_addresses=("social", "press", "info", "clerk@madisoncounty.gov"),
    public_contacts={
        "main_phone": "(540) 555-0100",
        "office_address": "302 Thrift Road, Madison, VA 22727",
        "emails": ("treasurer.office@madisoncounty.gov",),
        "phones": ("+1 540 555 0199",),
    },
    allowed_link_domains=("virginia.gov", "weather.gov"),
    internal_domains=("mc.local", "ad.madisoncounty.gov"),
    codenames=("Bluejay", "Project Tidewater"),
    lexicon={
        "blocked": ("ass", "crap", "damn it"),
        "flagged": {"legal": ("lawsuit", "settlement"), "hr": ("layoffs",)},
    },
)

ENGINE = Engine(pattern_rules())


def vet(
    text: str,
    *,
    policy: Policy = POLICY,
    platforms: Sequence[Platform] = (),
    ctx: VettingContext | None = None,
    directory: Sequence[Employee] = (),
) -> Report:
    context = ctx or VettingContext.from_policy(policy, directory)
    return ENGINE.vet(Post(text=text, platforms=tuple(platforms)), context)


def spans(text: str, rule_prefix: str, **kwargs: object) -> list[tuple[str, str]]:
    """(rule, exact text) of every finding whose rule id starts with rule_prefix, in order.

    Also checks that every finding's offsets index the original text.
    """
    report = vet(text, **kwargs)  # type: ignore[arg-type]
    result = []
    for finding in report.findings:
        assert text[finding.start : finding.end] == finding.text
        if finding.rule.startswith(rule_prefix):
            result.append((finding.rule, finding.text))
    return result


def offsets(text: str, rule_prefix: str, **kwargs: object) -> list[tuple[str, int, int]]:
    report = vet(text, **kwargs)  # type: ignore[arg-type]
    return [(f.rule, f.start, f.end) for f in report.findings if f.rule.startswith(rule_prefix)]
