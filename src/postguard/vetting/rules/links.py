"""link.lookalike, link.shortener and link.not_allowed: where a post's links lead.

Each link is judged once, in this order: a look-alike of the organization's own domains
(confusable characters, punycode, a small edit distance, the same name under another suffix, or
the name with words added: "madisoncounty-gov-login.com"); a URL shortener that hides where it
leads; a domain off the allow-list (the organization's domains, `allowed_link_domains`, and their
subdomains). Domains are parsed with the Public Suffix List bundled in `publicsuffixlist`.
Internal hosts are left to internal.host / internal.url.
"""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Post
from postguard.vetting.rules._text import Link, links, psl, under, words
from postguard.vetting.rules.base import Rule
from postguard.vetting.rules.internal_host import is_internal_host

SHORTENERS = words(
    """
    bit.ly bitly.com t.co tinyurl.com ow.ly buff.ly goo.gl is.gd v.gd rb.gy cutt.ly
    shorturl.at t.ly tiny.cc rebrand.ly bl.ink lnkd.in s.id trib.al dlvr.it ift.tt fb.me
    amzn.to amzn.eu shorte.st adf.ly bc.vc po.st mcaf.ee su.pr x.co qr.net qrco.de short.io
    snip.ly soo.gd clck.ru u.to t2m.io tr.im cli.gs 0rz.tw tiny.one chilp.it zpr.io
    linktr.ee lnk.to hyperurl.co shorturl.com tinu.be urlz.fr rotf.lol kutt.it gg.gg ow.ly
    mzl.la wp.me cort.as j.mp y2u.be tiny.pl
    """
)
_ASCII_FOLD = {"0": "o", "1": "l", "i": "l", "3": "e", "5": "s", "$": "s", "@": "a"}
_SEQUENCE_FOLD = (("rn", "m"), ("vv", "w"), ("cl", "d"))


@lru_cache(maxsize=1)
def _confusable_map() -> dict[str, str]:
    import confusable_homoglyphs

    path = Path(confusable_homoglyphs.__file__).with_name("confusables.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    mapping: dict[str, str] = {}
    for char, glyphs in data.items():
        if len(char) != 1 or char.isascii():
            continue
        for glyph in glyphs:
            target = glyph["c"].strip("\u200e")
            if len(target) == 1 and target.isascii() and target.isalnum():
                mapping[char] = target.lower()
                break
    return mapping


def skeleton(label: str) -> str:
    """A label reduced to what a reader sees: confusables, accents, digit-for-letter folded."""
    mapping = _confusable_map()
    chars = []
    for char in label.lower():
        char = mapping.get(char, char)
        decomposed = unicodedata.normalize("NFKD", char)
        char = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
        chars.append("".join(_ASCII_FOLD.get(c, c) for c in char))
    folded = "".join(chars)
    for seq, replacement in _SEQUENCE_FOLD:
        folded = folded.replace(seq, replacement)
    return folded


def damerau_levenshtein(a: str, b: str, limit: int = 3) -> int:
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _decode(host: str) -> str:
    labels = []
    for label in host.split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError):
                label = label.encode("ascii").decode("idna")
        labels.append(label)
    return ".".join(labels)


@dataclass(frozen=True, slots=True)
class _Own:
    domain: str
    name: str  # the registrable label: "madisoncounty" for madisoncounty.gov
    suffix: str
    skeleton: str


def _split(domain: str) -> tuple[str, str]:
    suffix = psl().publicsuffix(domain) or domain.rsplit(".", 1)[-1]
    name = domain[: -len(suffix) - 1] if domain.endswith("." + suffix) else domain
    return name.rsplit(".", 1)[-1], suffix


# Words phishers add to a short brand name: "hpcu-secure.com", "hpcuonline.org".
_BAIT_WORDS = words(
    """
    login signin logon secure security online portal account accounts verify verification
    update pay payment payments bank banking web my help support service services alert
    alerts auth access member members app mobile home net site official info card cards
    wallet billing refund claim id sso
    """
)


@lru_cache(maxsize=1)
def _bait_skeletons() -> frozenset[str]:
    return frozenset(skeleton(word) for word in _BAIT_WORDS)


def _short_name_added(host: str, name: str) -> bool:
    """True when a label is the name plus bait words, or a hyphenated token equals the name."""
    for label in host.split(".")[:-1]:
        tokens = re.split(r"[\-_]", skeleton(label))
        if len(tokens) > 1 and name in tokens:
            return True
        flat = "".join(tokens)
        for bait in _bait_skeletons():
            if flat in (name + bait, bait + name):
                return True
    return False


def lookalike_of(host: str, own: Iterable[_Own]) -> tuple[str, str] | None:
    """(own domain, how) when host imitates one of the organization's domains."""
    decoded = _decode(host.lower())
    registered = psl().privatesuffix(decoded) or decoded
    name, suffix = _split(registered)
    name_skeleton = skeleton(name)
    flat = re.sub(r"[.\-_]", "", skeleton(decoded))
    for mine in own:
        if under(decoded, [mine.domain]):
            return None
        if name == mine.name and suffix != mine.suffix:
            return mine.domain, f"the same name under another suffix (.{suffix})"
        if name_skeleton == mine.skeleton and name != mine.name:
            how = (
                "punycode characters"
                if "xn--" in host or not decoded.isascii()
                else "look-alike characters"
            )
            return mine.domain, how
        if len(mine.name) >= 5 and 0 < damerau_levenshtein(name_skeleton, mine.skeleton, 2) <= (
            1 if len(mine.name) < 9 else 2
        ):
            return mine.domain, "a one- or two-letter change (typo-squatting)"
        if len(mine.name) >= 5 and mine.skeleton in flat and name != mine.name:
            return mine.domain, "the organization's name with words added"
        if len(mine.name) >= 3 and name != mine.name and _short_name_added(decoded, mine.skeleton):
            return mine.domain, "the organization's name with words added"
    return None


class LinkRule(Rule):
    ids: ClassVar = {
        "link.lookalike": Severity.BLOCK,
        "link.shortener": Severity.BLOCK,
        "link.not_allowed": Severity.REVIEW,
    }

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        found = links(post.text)
        if not found:
            return
        own = self._own(ctx)
        allowed = (*ctx.policy.domains, *ctx.policy.allowed_link_domains)
        for link in found:
            if re.fullmatch(r"[\d.]+|[0-9a-f:]+", link.host) or is_internal_host(link.host, ctx):
                continue
            if under(link.host, allowed):
                continue
            hit = self._judge(link, own, ctx)
            if hit is not None:
                yield hit

    def _judge(self, link: Link, own: tuple[_Own, ...], ctx: VettingContext) -> Hit | None:
        def on(rule_id: str) -> bool:
            return ctx.policy.rule_setting(rule_id) != "off"

        if on("link.lookalike"):
            found = lookalike_of(link.host, own)
            if found is not None:
                domain, how = found
                return Hit(
                    rule="link.lookalike",
                    start=link.start,
                    end=link.end,
                    message=f"{link.host} imitates the organization's domain {domain} ({how}).",
                    suggestion=f"Link to {domain} itself; report the look-alike to security.",
                    evidence={"host": link.host, "imitates": domain},
                )
        registered = psl().privatesuffix(link.host) or link.host
        if on("link.shortener") and (link.host in SHORTENERS or registered in SHORTENERS):
            return Hit(
                rule="link.shortener",
                start=link.start,
                end=link.end,
                message=f"{link.host} is a URL shortener: readers cannot see where the link leads.",
                suggestion="Use the full link to its destination.",
                evidence={"host": link.host},
            )
        return Hit(
            rule="link.not_allowed",
            start=link.start,
            end=link.end,
            message=f"{registered} is not on the policy's list of allowed link domains.",
            suggestion=(
                f"Check the link is right and safe; if {registered} is trusted, add it to "
                "allowed_link_domains in the policy."
            ),
            evidence={"host": link.host, "domain": registered},
        )

    @staticmethod
    def _own(ctx: VettingContext) -> tuple[_Own, ...]:
        cached = ctx.cache.get("link.own")
        if isinstance(cached, tuple):
            return cached
        own = []
        for domain in ctx.policy.domains:
            name, suffix = _split(domain)
            own.append(_Own(domain, name, suffix, skeleton(name)))
        result = tuple(own)
        ctx.cache["link.own"] = result
        return result
