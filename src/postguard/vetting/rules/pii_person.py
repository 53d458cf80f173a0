"""pii.person (warn): a person's name that is not in the employee directory (members,
residents, volunteers). Names come from the name finder (spaCy NER plus Postguard's own name
spotter); employees are identity.exposure's business, so any name that belongs to the directory
is left alone, and so are the organization's own name and @handles. Without a spaCy model this
rule finds nothing, and the report says name detection is off.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.names import HONORIFICS, fold
from postguard.vetting.nlp import Analysis
from postguard.vetting.people import SpanIndex, words
from postguard.vetting.post import Post
from postguard.vetting.rules.base import Rule
from postguard.vetting.rules.identity_exposure import directory_index


class PersonNameRule(Rule):
    ids: ClassVar = {"pii.person": Severity.WARN}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        people = [e for e in analysis.entities if e.label == "PERSON"]
        if not people:
            return
        text = post.text
        employee_spans: list[tuple[int, int]] = []
        employee_words: set[str] = set()
        if ctx.directory:
            index = directory_index(ctx)
            ws = words(text)
            found = index.identifiers_in(text, ws)
            mentions = index.mentions(text, ws) + index.first_name_mentions(text, ws, found)
            employee_spans = [(m.start, m.end) for m in mentions]
            # "Chesapeake Branch", "Deputy Assessor": the directory's own departments, titles
            # and offices are not people.
            employee_spans += [(f.start, f.end) for items in found.values() for f in items]
            for person in index.people:
                employee_words.update(person.first_forms)
                employee_words.update(" ".join(s) for s in person.surnames)
                employee_words.add(fold(person.employee.name))
        taken = SpanIndex(employee_spans)
        org = fold(ctx.policy.organization)
        # The organization's own brands and events: "Harborfest" for Harbor Point.
        org_stems = tuple(w for w in org.split() if len(w) >= 5)
        for entity in people:
            start, end = _trim(text, entity.start, entity.end)
            if end <= start:
                continue
            name = text[start:end]
            folded = fold(name)
            if start > 0 and text[start - 1] in "@#":
                continue
            if taken.overlaps(start, end):
                continue
            if folded in employee_words or (folded and folded in org):
                continue
            if len(name.split()) == 1 and folded.startswith(org_stems):
                continue
            yield Hit(
                rule="pii.person",
                start=start,
                end=end,
                message=(
                    f"Names a person ({name}) who is not in the employee directory: members and "
                    "residents may not want to be named in public."
                ),
                suggestion=f"Make sure {name} agreed to be named in public, or leave the name out.",
                evidence={"source": "name finder"},
            )


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop a possessive and surrounding punctuation; keep an honorific ("Dr. Alicia Romero")."""
    while end > start and not text[end - 1].isalnum():
        end -= 1
    for suffix in ("'s", "’s"):
        if text[start:end].endswith(suffix):
            end -= len(suffix)
    while start < end and not text[start].isalnum():
        start += 1
    # "Dr" alone is not a name: an entity that is only an honorific is dropped by the caller.
    if fold(text[start:end].rstrip(".")) in HONORIFICS:
        return start, start
    return start, end
