"""The engine: runs every enabled rule over a post and turns their hits into a verdict."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Finding, Hit, Region, Report, Severity, verdict_of
from postguard.vetting.images.rule import ImageRule
from postguard.vetting.nlp import Analysis, NameFinder, NoNameFinder
from postguard.vetting.post import Post
from postguard.vetting.rules.base import Rule

if TYPE_CHECKING:
    from postguard.vetting.images.analysis import ImageAnalysers, ImageAnalysis

# Text rules that say nothing about text read in a picture (its length is not the post's).
_NOT_FOR_IMAGE_TEXT = ("platform.",)


class Engine:
    """Rules, the name finder and the image analysers (OCR, faces) come in through the
    constructor so tests can swap them. Without image analysers, the real models are loaded once
    per process when the first image arrives."""

    def __init__(
        self,
        rules: Sequence[Rule],
        name_finder: NameFinder | None = None,
        image_analysers: ImageAnalysers | None = None,
    ) -> None:
        self.rules = tuple(rules)
        self.name_finder: NameFinder = name_finder or NoNameFinder()
        self.image_analysers = image_analysers
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
        return self._vet(post, self.name_finder.analyse(post.text), ctx)

    def vet_many(self, posts: Sequence[Post], ctx: VettingContext) -> list[Report]:
        """vet() for each post in order, with names found for all of them in one batched pass."""
        analyses = self.name_finder.analyse_many([post.text for post in posts])
        return [self._vet(p, a, ctx) for p, a in zip(posts, analyses, strict=True)]

    def _vet(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Report:
        hits: list[Hit] = []
        for rule in self.rules:
            if isinstance(rule, ImageRule) or not self._enabled(rule, ctx):
                continue
            hits.extend(rule.check(post, analysis, ctx))
        notices = [] if self.name_finder.available else [self.name_finder.description]
        if post.images:
            hits.extend(self._vet_images(post, ctx, notices))
        findings = tuple(self._findings(post, hits, ctx))
        return Report(verdict=verdict_of(findings), findings=findings, notices=tuple(notices))

    def _enabled(self, rule: Rule, ctx: VettingContext) -> bool:
        return any(self.severity(rule_id, ctx) is not None for rule_id in rule.ids)

    def _on(self, rule_id: str, ctx: VettingContext) -> bool:
        return rule_id in self.defaults and self.severity(rule_id, ctx) is not None

    def _vet_images(self, post: Post, ctx: VettingContext, notices: list[str]) -> Iterable[Hit]:
        """Each image analysed once (OCR and faces only when an enabled rule needs them)."""
        from postguard.vetting.images.analysis import default_image_analysers

        analysers = self.image_analysers or default_image_analysers()
        image_rules = [
            r
            for r in self.rules
            if isinstance(r, ImageRule)
            and (self._enabled(r, ctx) or any(self._on(i, ctx) for i in r.also_reports))
        ]
        read_text = self._on("image.text", ctx)  # off in the policy: no OCR at all
        find_faces = any(r.needs_faces for r in image_rules)
        if not read_text and any(r.needs_text for r in image_rules):
            notices.append("image.screen needs the text OCR reads, and image.text is off")
        notices.extend(analysers.notices if find_faces or read_text else ())
        hits: list[Hit] = []
        for index, image in enumerate(post.images):
            result = analysers.analyse(index, image, read_text=read_text, find_faces=find_faces)
            notices.extend(result.notes)
            for rule in image_rules:
                for hit in rule.check_image(post, result, ctx):
                    if hit.rule in rule.also_reports and hit.rule not in self.defaults:
                        continue
                    hits.append(hit if hit.image is not None else replace(hit, image=index))
            if read_text and result.lines:
                hits.extend(self._image_text_hits(post, result, ctx))
        return hits

    def _image_text_hits(
        self, post: Post, image: ImageAnalysis, ctx: VettingContext
    ) -> Iterable[Hit]:
        """Every text rule over the text read in the picture, reported under its own id."""
        from postguard.vetting.images.textmap import OcrText

        read = OcrText.of(image.lines or [])
        inner = Post(text=read.text, language=post.language, is_reply=post.is_reply)
        analysis = self.name_finder.analyse(read.text)
        for rule in self.rules:
            if isinstance(rule, ImageRule) or not self._enabled(rule, ctx):
                continue
            if all(rule_id.startswith(_NOT_FOR_IMAGE_TEXT) for rule_id in rule.ids):
                continue
            for hit in rule.check(inner, analysis, ctx):
                if hit.image is not None:
                    continue
                yield replace(
                    hit,
                    start=0,
                    end=0,
                    message=f"text in {image.label}: {hit.message}",
                    image=image.index,
                    region=read.region(hit.start, hit.end),
                    evidence={
                        **hit.evidence,
                        "source": "image.text",
                        "text": read.text[hit.start : hit.end],
                        "read": " / ".join(line.text for line in read.lines_in(hit.start, hit.end)),
                    },
                )

    def _findings(self, post: Post, hits: Iterable[Hit], ctx: VettingContext) -> Iterable[Finding]:
        seen: set[tuple[str, int, int, int | None, Region | None]] = set()
        for hit in sorted(hits, key=lambda h: (h.image is not None, h.image or 0, h.start, h.rule)):
            if hit.rule not in self.defaults:
                raise ValueError(f"a rule reported {hit.rule!r}, which no rule declares")
            severity = self.severity(hit.rule, ctx)
            key = (hit.rule, hit.start, hit.end, hit.image, hit.region)
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
