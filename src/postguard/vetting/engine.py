"""The engine: runs every enabled rule over a post and turns their hits into a verdict."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Finding, Hit, Report, Severity, verdict_of
from postguard.vetting.nlp import NameFinder, NoNameFinder
from postguard.vetting.post import Post
from postguard.vetting.rules.base import Rule


class Engine:
    """Rules and the name finder come in through the constructor so tests can swap them."""

    def __init__(self, rules: Sequence[Rule], name_finder: NameFinder | None = None) -> None:
        self.rules = tuple(rules)
        self.name_finder: NameFinder = name_finder or NoNameFinder()
        self.defaults: dict[str, Severity] = {}
        for rule in self.rules:
            for rule_id, severity in rule.ids.items():
                if rule_id in self.defaults:
                    raise ValueError(f"rule id {rule_id!r} is declared by two rules")
                self.defaults[rule_id] = severity

    def severity(self, rule_id: str, ctx: VettingContext) -> Severity | None:
        """The severity the policy gives a rule id, or None when the policy turns it off."""
        setting = ctx.policy.rule_setting(rule_id)
        if setting == "off":
            return None
        if setting is not None:
            return Severity(setting)
        return self.defaults[rule_id]

    def vet(self, post: Post, ctx: VettingContext) -> Report:
        analysis = self.name_finder.analyse(post.text)
        hits: list[Hit] = []
        for rule in self.rules:
            if all(self.severity(rule_id, ctx) is None for rule_id in rule.ids):
                continue
            hits.extend(rule.check(post, analysis, ctx))
        findings = tuple(self._findings(post, hits, ctx))
        notices = () if self.name_finder.available else (self.name_finder.description,)
        return Report(verdict=verdict_of(findings), findings=findings, notices=notices)

    def _findings(self, post: Post, hits: Iterable[Hit], ctx: VettingContext) -> Iterable[Finding]:
        seen: set[tuple[str, int, int, int | None]] = set()
        for hit in sorted(hits, key=lambda h: (h.image is not None, h.image or 0, h.start, h.rule)):
            if hit.rule not in self.defaults:
                raise ValueError(f"a rule reported {hit.rule!r}, which no rule declares")
            severity = self.severity(hit.rule, ctx)
            key = (hit.rule, hit.start, hit.end, hit.image)
            if severity is None or key in seen:
                continue
            seen.add(key)
            text = hit.evidence.get("text", "") if hit.image is not None else ""
            yield Finding(
                rule=hit.rule,
                severity=severity,
                message=hit.message,
                start=hit.start,
                end=hit.end,
                text=str(text) if hit.image is not None else post.text[hit.start : hit.end],
                suggestion=hit.suggestion,
                image=hit.image,
                region=hit.region,
                evidence=hit.evidence,
            )
