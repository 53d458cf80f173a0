"""secret.credential: passwords, API keys and tokens, private keys.

Passwords are caught in the ways people write them ("pw: hunter2", "the wifi password is
Summer2024!", "contraseña: ...", "PIN 4821"), but only when what follows looks like a secret,
so "your password is required" and "reset your password" pass. Keys and tokens are matched by the
vendor formats detect-secrets knows (AWS, GitHub, GitLab, Slack, Stripe, Google, OpenAI, JWT,
...), plus long high-entropy strings next to words like "token" or "api key".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from typing import ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Post
from postguard.vetting.rules._text import words
from postguard.vetting.rules.base import Rule

# The vendor token formats of detect-secrets 1.5 (plugins/*.py), and a few it lacks.
TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("AWS access key", r"(?<![A-Z0-9])(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])"),  # noqa: E501
        ("GitHub token", r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{36}\b"),
        ("GitHub token", r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b"),
        ("GitLab token", r"\b(?:glpat|gldt|glft|glsoat|glrt|glcbt|glimt|glptt|gloas)-[A-Za-z0-9_\-]{20,64}(?![\w\-])"),  # noqa: E501
        ("Slack token", r"(?i)\bxox[aboprs]-(?:\d+-)+[a-z0-9]+"),
        ("Slack webhook", r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+"),
        ("Stripe key", r"\b[rs]k_live_[0-9a-zA-Z]{24,99}\b"),
        ("Google API key", r"\bAIza[0-9A-Za-z_\-]{35}(?![\w\-])"),
        ("OpenAI key", r"\bsk-(?:proj-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}"),
        ("OpenAI key", r"\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}"),
        ("Anthropic key", r"\bsk-ant-[A-Za-z0-9_\-]{32,}"),
        ("JSON Web Token", r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
        ("SendGrid key", r"\bSG\.[a-zA-Z0-9_\-]{22}\.[a-zA-Z0-9_\-]{43}\b"),
        ("Twilio key", r"\b(?:AC|SK)[a-f0-9]{32}\b"),
        ("Mailchimp key", r"\b[0-9a-f]{32}-us[0-9]{1,2}\b"),
        ("npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
        ("PyPI token", r"\bpypi-AgE[A-Za-z0-9_\-]{70,}"),
        ("Discord token", r"\b[MNO][a-zA-Z\d_\-]{23,25}\.[a-zA-Z\d_\-]{6}\.[a-zA-Z\d_\-]{27}\b"),
        ("Telegram bot token", r"\b\d{8,10}:AA[0-9A-Za-z_\-]{33}\b"),
        ("Square token", r"\bsq0(?:csp|atp)-[0-9A-Za-z\-_]{22,43}\b"),
        ("Azure storage key", r"AccountKey=[a-zA-Z0-9+/=]{88}"),
        ("Artifactory token", r"(?<![\w])AKC[a-zA-Z0-9]{10,}(?![\w])"),
        ("Shopify token", r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b"),
        ("Hugging Face token", r"\bhf_[A-Za-z0-9]{34,}\b"),
        ("password in a URL", r"(?i)(?<![a-z0-9+.\-])[a-z][a-z0-9+.\-]{0,15}://[^\s:/@]{1,64}:[^\s:/@]{3,64}@[\w.\-]{1,253}"),
    )
)  # fmt: skip

_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
    r"(?:[\s\S]{0,20000}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)?"
    r"|PuTTY-User-Key-File-\d:[^\n]*"
)

_KEYWORDS = (
    r"(?:wi-?fi\s+|wlan\s+|network\s+|admin\s+|login\s+|account\s+|guest\s+|temporary\s+|"
    r"temp\s+|new\s+|default\s+|router\s+)?"
    r"(?:password|passwort|passwd|passcode|pass\s?phrase|pwd|pw|pass|pin(?:\s+code)?|"
    r"contraseña|contrasena|clave(?:\s+wi-?fi)?|mot\s+de\s+passe|mdp|senha|"
    r"(?:wi-?fi|network|wpa2?|wlan)\s+key|key|"
    r"(?:door|vault|gate|alarm|access|entry|lock|keypad|garage|building|safe)\s+(?:code|combination))"
)
# How the value is introduced: "pw: x", "password is x", "password for the guest wifi is x",
# "contraseña del Wi-Fi de la biblioteca es x", "password changed to x", or just "password x".
_STRONG_INTRO = (
    r"(?:\s*(?:[:=]|->|—|–)\s*"
    r"|\s+(?:is|es|was|era|is\s+now|es\s+ahora|now|changed\s+to|set\s+to|reset\s+to|"
    r"updated\s+to|cambi[óo]\s+a)\s*:?\s*)"
)
_INTRO = (
    r"(?:\s+(?:for|of|on|to|del?|de\s+la|para)\s+(?:[\w\-]+\s+){0,4}?[\w\-]+"
    + _STRONG_INTRO
    + r"|"
    + _STRONG_INTRO
    + r"|\s+)"
)
_PASSWORD = re.compile(
    r"(?i)(?<![\w])(?P<key>" + _KEYWORDS + r")(?P<sep>" + _INTRO + r")"
    r"(?P<q>[\"'“‘`]?)(?P<value>[^\s\"'“”‘’`]{3,64})"
)
_KEY_STEMS = re.compile(
    r"(?i)pass|pw|pin|contrase|clave|key|code|combination|mdp|senha|log\s?in|sign\s?in|"
    r"credential|user|account"
)
# "login: kiosk / Rapidan_8426!": a user name and a password written as a pair.
_PAIR = re.compile(
    r"(?i)\b(?:log\s?in|sign\s?in|credentials?|user(?:name)?|account)\b[^\n]{0,40}?[:=]\s*"
    r"[\w.@\-]{2,40}\s*/\s*(?P<value>[^\s/]{4,64})"
)
# Words that follow "password is" in ordinary sentences: not a secret.
_NOT_SECRET = words(
    """
    the a an your my our their his her its this that these those it not no now never only
    required needed necessary changed reset expired expiring incorrect wrong invalid weak
    strong case case-sensitive sensitive secure safe protected private secret same different
    correct valid missing empty blank easy hard simple long short too very important
    mandatory optional available printed written posted shown listed provided attached
    included below above here there on in at of for to from with by via sent emailed texted
    shared stored saved managed used set being been also still just all any some each every
    one same temporary changing ready good bad compromised leaked known unknown updated
    renewed free protected-by requirements policy policies manager managers reset-link
    expires change update protect es la el un una tu su requerida obligatoria incorrecta
    válida
    """
)
_CONTEXT = re.compile(
    r"(?i)(?:api[\s_\-]?key|apikey|access[\s_\-]?key|secret|token|bearer|auth(?:orization)?|"
    r"credential|private[\s_\-]?key|client[\s_\-]?secret|webhook)\W{0,12}$"
)
_RANDOM = re.compile(r"(?<![\w/+=\-])[A-Za-z0-9+/_\-]{20,}={0,2}(?![\w/+=\-])")


def shannon_entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def looks_random(value: str) -> bool:
    if re.fullmatch(r"[0-9a-fA-F]+", value):
        return len(value) >= 32 and shannon_entropy(value) >= 3.0
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"\d"))
    return classes >= 2 and shannon_entropy(value) >= 3.7


def _looks_like_password(value: str, sep: str, quoted: bool, key: str) -> bool:
    if not quoted and value.lower().rstrip(".,;:!?") in _NOT_SECRET:
        return False
    stripped = value.rstrip(".,;:!?)")
    if len(stripped) < 3:
        return False
    has_digit = any(c.isdigit() for c in stripped)
    has_symbol = any(not c.isalnum() for c in stripped)
    mixed = any(c.isupper() for c in stripped[1:]) and any(c.islower() for c in stripped)
    key_lower = key.lower()
    if key_lower.startswith("pin"):
        return bool(re.fullmatch(r"\d{4,8}", stripped))
    strong = has_digit and (any(c.isalpha() for c in stripped) or has_symbol)
    if key_lower.endswith(("code", "combination")):
        return has_digit
    if not sep.strip() and not quoted:
        # "password Anchor#Bay77": no "is" or colon, so only an unmistakable secret counts.
        return strong or (has_symbol and mixed)
    if key_lower == "key" or key_lower.endswith(" key"):
        return strong or (has_symbol and mixed) or quoted
    if key_lower in {"pass", "pw"} and not (has_digit or has_symbol or mixed):
        return quoted
    if quoted or has_digit or has_symbol or mixed:
        return True
    # A plain lower-case word: a password only when written as a value ("pw: sunshine") or after
    # "is" when it is not an ordinary word that ends the sentence ("is required").
    if ":" in sep or "=" in sep:
        return len(stripped) >= 4
    return len(stripped) >= 6


class CredentialRule(Rule):
    ids: ClassVar = {"secret.credential": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        text = post.text
        taken: list[tuple[int, int]] = []
        if "PRIVATE KEY" in text or "PuTTY" in text:
            for m in _PRIVATE_KEY.finditer(text):
                taken.append((m.start(), m.end()))
                yield self._hit(
                    m.start(), m.end(), "a private key", "Remove the key and revoke it."
                )
        for name, pattern in TOKEN_PATTERNS:
            for m in pattern.finditer(text):
                if self._taken(taken, m.start(), m.end()):
                    continue
                taken.append((m.start(), m.end()))
                yield self._hit(
                    m.start(), m.end(), f"an access token ({name})", "Remove it and revoke it now."
                )
        # Cheap prefilter: the password patterns need one of their key words somewhere.
        has_keyword = _KEY_STEMS.search(text) is not None
        for m in _PASSWORD.finditer(text) if has_keyword else ():
            start, end = m.start("value"), m.end("value")
            value = m.group("value")
            quote = m.group("q")
            if quote:
                closing = {"“": "”", "‘": "’"}.get(quote, quote)
                close_at = text.find(closing, start, start + 65)
                if close_at > start:
                    value = text[start:close_at] + closing
            trimmed = value.rstrip(".,;:)")
            if m.group("q") and trimmed[-1:] in "\"'”’`":
                trimmed = trimmed[:-1]
            end = start + len(trimmed)
            if self._taken(taken, start, end):
                continue
            if not _looks_like_password(value, m.group("sep"), bool(m.group("q")), m.group("key")):
                continue
            taken.append((start, end))
            yield self._hit(
                start, end, "a password", "Remove the password and change it; share it privately."
            )
        for m in _PAIR.finditer(text) if has_keyword else ():
            start, end = m.start("value"), m.end("value")
            value = m.group("value").rstrip(".,;:)")
            end = start + len(value)
            if self._taken(taken, start, end) or not _looks_like_password(value, "/", False, "pw"):
                continue
            taken.append((start, end))
            yield self._hit(
                start, end, "a password", "Remove the password and change it; share it privately."
            )
        for m in _RANDOM.finditer(text):
            if self._taken(taken, m.start(), m.end()):
                continue
            if not _CONTEXT.search(text[max(0, m.start() - 40) : m.start()]):
                continue
            if not looks_random(m.group()):
                continue
            taken.append((m.start(), m.end()))
            yield self._hit(
                m.start(), m.end(), "a secret token", "Remove it and revoke it if it is real."
            )

    @staticmethod
    def _taken(taken: list[tuple[int, int]], start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in taken)

    @staticmethod
    def _hit(start: int, end: int, what: str, suggestion: str) -> Hit:
        return Hit(
            rule="secret.credential",
            start=start,
            end=end,
            message=f"This looks like {what}: anyone who reads the post could use it.",
            suggestion=suggestion,
            evidence={"kind": what},
        )
