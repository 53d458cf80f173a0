"""identity.exposure: an employee named together with a second identifier (department, title,
team, work email, phone, office), which the seed's plan warns against ("Jane Smith from
Accounting"). Participants who consented (participant=yes) are allowed; people who are not in
the directory never trigger it (pii.person covers them).

Names are found as people write them: full names with preferred names and nicknames, an initial
or an honorific or the person's own title plus the surname, possessives, any case, no accents, the
participant's work handle; a first name alone only when it is unique in the directory and stands
right next to that person's own department or title. Identifiers count anywhere in the post.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.nlp import Analysis
from postguard.vetting.people import DirectoryIndex, Found, Mention, SpanIndex, words
from postguard.vetting.post import Post
from postguard.vetting.rules.base import Rule

_KIND_NAMES = {
    "department": "department",
    "team": "team",
    "title": "title",
    "office": "office",
    "email": "work email",
    "phone": "phone number",
}


def directory_index(ctx: VettingContext) -> DirectoryIndex:
    """The directory index, built once per context and shared by the identity rules."""
    index = ctx.cache.get("people.index")
    if not isinstance(index, DirectoryIndex):
        index = DirectoryIndex.build(ctx.directory, ctx.policy.organization, ctx.policy.domains)
        ctx.cache["people.index"] = index
    return index


class IdentityExposureRule(Rule):
    ids: ClassVar = {"identity.exposure": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        if not ctx.directory or not post.text:
            return
        index = directory_index(ctx)
        ws = words(post.text)
        found = index.identifiers_in(post.text, ws)
        mentions = index.mentions(post.text, ws)
        taken = SpanIndex((m.start, m.end) for m in mentions)
        mentions += [
            m
            for m in index.first_name_mentions(post.text, ws, found)
            if not taken.overlaps(m.start, m.end)
        ]
        by_person: dict[int, list[Mention]] = {}
        for mention in sorted(mentions, key=lambda m: (m.start, -m.end)):
            by_person.setdefault(id(mention.person), []).append(mention)
        for person_mentions in by_person.values():
            person = person_mentions[0].person
            employee = person.employee
            if employee.participant:
                continue
            # A work email names the person too; it counts as the name only when no name does.
            named = [m for m in person_mentions if m.how != "work email"]
            name_spans = SpanIndex((m.start, m.end) for m in named or person_mentions)
            identifiers = _distinct(
                f
                for f in found.get(id(person), ())
                if not name_spans.overlaps(f.start, f.end) and (named or f.kind != "email")
            )
            if not identifiers:
                continue
            first = (named or person_mentions)[0]
            shown = post.text[first.start : first.end]
            described = ", ".join(
                f"{_KIND_NAMES[f.kind]} ({post.text[f.start : f.end]})" for f in identifiers
            )
            yield Hit(
                rule="identity.exposure",
                start=first.start,
                end=first.end,
                message=(
                    f"Names employee {employee.name} ({shown!r}) together with their "
                    f"{described}: two identifiers make an employee easy to find and impersonate."
                ),
                suggestion=(
                    f"Keep one identifier: say {shown!r} without the "
                    f"{' and '.join(sorted({_KIND_NAMES[f.kind] for f in identifiers}))}, or "
                    f"the {_KIND_NAMES[identifiers[0].kind]} without the name (unless "
                    f"{employee.name} is enrolled as a consenting participant)."
                ),
                evidence={
                    "employee": employee.name,
                    "name": {
                        "start": first.start,
                        "end": first.end,
                        "text": shown,
                        "how": first.how,
                    },
                    "identifiers": [
                        {
                            "kind": f.kind,
                            "start": f.start,
                            "end": f.end,
                            "text": post.text[f.start : f.end],
                        }
                        for f in identifiers
                    ],
                },
            )


def _distinct(items: Iterable[Found]) -> list[Found]:
    """One finding per place in the text: the longest identifier wins where several overlap."""
    chosen: list[Found] = []
    for item in sorted(items, key=lambda f: (f.start, -(f.end - f.start))):
        if chosen and item.start < max(c.end for c in chosen[-3:]):
            continue
        chosen.append(item)
    return chosen
