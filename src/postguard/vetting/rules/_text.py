"""Small text tools the pattern rules share: finding e-mail addresses, links and host names,
whole-word phrase matching, domain parsing with the bundled Public Suffix List.

Every finder works on the original text and returns offsets into it, so rules never have to map
offsets back from a normalised copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList

    from postguard.policy.schema import Policy

# Characters that end a URL or host when they come last (sentence punctuation, closing quotes).
_TRAILING = ".,;:!?)]}'\"”’»…"

EMAIL = re.compile(
    r"(?<![\w.%+\-@])"
    r"([A-Za-z0-9](?:[A-Za-z0-9._%+\-]{0,62}[A-Za-z0-9_%+\-])?)"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})"
    r"(?![\w\-]|\.\w)"
)

# A link with a scheme, or starting with www.: everything up to white space or a bracket.
_URL = re.compile(r"(?i)(?<![\w@])(?:(?:https?|ftp)://|www\.)[^\s<>\"'`{}|\\^\[\]]+")
# A bare host name: labels of letters (any script), digits and hyphens, then a TLD.
_HOST = re.compile(
    r"(?<![\w@.\-/])((?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.)+([^\W\d_]{2,63}|xn--[a-z0-9\-]{2,59}))"
    r"(?![\w\-@]|\.[^\W_])"
    r"(/[^\s<>\"'`{}|\\^\[\]]*)?"
)

# Top-level domains that are far more often file extensions or abbreviations than links.
_NOT_BARE_TLDS = frozenset(
    {"py", "sh", "md", "zip", "mov", "rs", "pl", "so", "js", "ts", "cs", "pm", "am", "ai", "id"}
)

INTERNAL_SUFFIXES = (
    "local",
    "corp",
    "internal",
    "lan",
    "intranet",
    "localdomain",
    "home.arpa",
    "private",
    "localhost",
)


@dataclass(frozen=True, slots=True)
class Link:
    """A link or host name in a post: where it is and the host it names (lower case)."""

    start: int
    end: int
    host: str
    has_scheme: bool  # written as a URL (scheme, www. or a path), not a bare host name
    text: str


@lru_cache(maxsize=1)
def psl() -> PublicSuffixList:
    """The Public Suffix List bundled with `publicsuffixlist`; never fetched."""
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def _trim(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in _TRAILING:
        # Keep a closing bracket that has its opening one inside the link (wiki-style URLs).
        if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
            break
        end -= 1
    return end


def _host_of_url(url: str) -> str:
    rest = url.split("://", 1)[1] if "://" in url else url
    rest = re.split(r"[/?#]", rest, maxsplit=1)[0]
    rest = rest.rsplit("@", 1)[-1]
    if rest.startswith("["):  # IPv6 literal
        return rest[1 : rest.find("]")] if "]" in rest else rest[1:]
    return rest.split(":", 1)[0].lower().rstrip(".")


def is_internal_suffix(host: str) -> bool:
    return any(host == s or host.endswith("." + s) for s in INTERNAL_SUFFIXES)


def _known_tld(host: str) -> bool:
    tld = host.rsplit(".", 1)[-1]
    if tld.startswith("xn--"):
        return True
    return psl().is_public(tld, accept_unknown=False) and not tld.isdigit()


@lru_cache(maxsize=16)
def links(text: str) -> tuple[Link, ...]:
    """Every link and host name in the text, in order, without overlaps."""
    if "." not in text and "://" not in text:
        return ()
    found: list[Link] = []
    taken: list[tuple[int, int]] = []
    for m in _URL.finditer(text):
        end = _trim(text, m.start(), m.end())
        host = _host_of_url(text[m.start() : end])
        if host:
            found.append(Link(m.start(), end, host, True, text[m.start() : end]))
            taken.append((m.start(), end))
    for m in _HOST.finditer(text):
        start = m.start()
        if any(s <= start < e for s, e in taken):
            continue
        host = m.group(1).lower()
        path = m.group(3)
        end = m.end(1)
        if path:
            end = _trim(text, start, m.end(3))
            if end <= m.end(1):
                end = m.end(1)
                path = None
        tld = host.rsplit(".", 1)[-1]
        internal = is_internal_suffix(host)
        if not internal:
            if not _known_tld(host):
                continue
            if tld in _NOT_BARE_TLDS and not path:
                continue
        found.append(Link(start, end, host, bool(path), text[start:end]))
    found.sort(key=lambda link: link.start)
    return tuple(found)


@lru_cache(maxsize=16)
def emails(text: str) -> tuple[tuple[int, int, str, str], ...]:
    """(start, end, local part, domain in lower case) for every e-mail address in the text."""
    if "@" not in text:
        return ()
    return tuple((m.start(), m.end(), m.group(1), m.group(2).lower()) for m in EMAIL.finditer(text))


def registered_domain(host: str) -> str:
    """'www.madisoncounty.gov' -> 'madisoncounty.gov' (by the Public Suffix List)."""
    host = host.lower().rstrip(".")
    return psl().privatesuffix(host) or host


def under(host: str, domains: Iterable[str]) -> bool:
    """True when host is one of the domains or a subdomain of one."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)


def org_domains(policy: Policy) -> tuple[str, ...]:
    return tuple(policy.domains)


def phrase_pattern(terms: Sequence[str], *, flags: int = re.IGNORECASE) -> re.Pattern[str] | None:
    """One regex matching any of the terms as whole words or phrases, in any case.

    "ass" never matches inside "Assessor"; a phrase matches across any run of white space.
    """
    cleaned = sorted({t.strip() for t in terms if t.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    parts = [r"\s+".join(re.escape(word) for word in term.split()) for term in cleaned]
    return re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])", flags)


def line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, len(text) if line_end == -1 else line_end


def before(text: str, start: int, width: int) -> str:
    """The `width` characters before `start`, lower-cased: where context words are looked for."""
    return text[max(0, start - width) : start].lower()


def overlaps(spans: Iterable[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def iter_words(text: str) -> Iterator[re.Match[str]]:
    return re.finditer(r"\w+", text)


def words(text: str) -> frozenset[str]:
    """A set of words written as one block of text (keeps long word lists readable)."""
    return frozenset(text.split())
