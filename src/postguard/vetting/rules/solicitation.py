"""solicitation.personal_data: the post asks people to share personal data where everyone can
see it ("reply with your account number", "comment your SSN below", "déjenos su número de socio
en los comentarios"). Asking for a private message is fine, and so is warning people never to
share their data. The suggestion is the policy's approved private-message wording.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from typing import ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Post
from postguard.vetting.rules.base import Rule

_I = re.IGNORECASE | re.UNICODE

# Verbs whose answer lands in public by themselves: a reply or a comment is public.
_PUBLIC_VERB = (
    r"reply|respond|comment|post|drop|leave|type|tweet|answer|tag|"
    r"respond[ea]n?|responde|contest[ae]n?|coment[ae]n?|publi(?:ca|que|quen)|"
    r"d[eé]j(?:a|e|en)(?:nos)?|deja|pon(?:ga|gan)?(?:nos)?"
)
# Verbs that say "give us": public only when the post says where ("below", "in the comments").
_GIVE_VERB = (
    r"tell\s+us|share|send(?:\s+us)?|give\s+us|provide|include|list|write|let\s+us\s+know|"
    r"enter|confirm|escrib[ae]n?|d[ií]ganos|dinos|ind[ií](?:que|ca)nos|danos|d[eé]nos|"
    r"compart(?:e|a|an)|env[ií](?:a|e|en)(?:nos)?|mand(?:a|e|en)(?:nos)?|m[aá]ndenos|"
    r"proporcion(?:a|e|en)(?:nos)?"
)
_VERB = re.compile(rf"\b(?:(?P<public>{_PUBLIC_VERB})|(?P<give>{_GIVE_VERB}))\b", _I)

_DATA = re.compile(
    r"\b(?:"
    # English
    r"(?:(?:full\s+|checking\s+|savings\s+|bank\s+|credit\s+union\s+|utility\s+)?"
    r"(?:account|acct|member(?:ship)?|card|credit\s+card|debit\s+card|loan|policy|parcel|"
    r"routing|social\s+security|ss|tax\s*id|taxpayer\s+id|passport|driver'?s?\s+licen[cs]e|"
    r"licen[cs]e|phone|cell|mobile|telephone|customer|client|case|confirmation|pin)"
    r"\s*(?:number|no\.?|num|#|nbr)s?)|"
    r"ssn|social\s+security|sin|ein|itin|pin|cvv|cvc|security\s+code|one[-\s]time\s+code|"
    r"verification\s+code|passcode|password|login|username|user\s+name|"
    r"date\s+of\s+birth|d\.?o\.?b\.?|birth\s*date|birthday|"
    r"(?:home\s+|street\s+|mailing\s+|full\s+)?address(?:es)?|e-?mail(?:\s+address)?|"
    r"full\s+name|maiden\s+name|mother'?s\s+maiden\s+name|"
    r"last\s+(?:four|4)(?:\s+digits)?(?:\s+of\s+(?:your|the)\s+\w+)?|"
    r"card\s+details|bank\s+details|banking\s+details|personal\s+(?:details|information|info|data)|"
    # Spanish
    r"n[uú]mero\s+de\s+(?:cuenta|socio|tarjeta|tel[eé]fono|celular|seguro\s+social|"
    r"identificaci[oó]n|pasaporte|licencia|pr[eé]stamo|p[oó]liza|cliente|caso|ruta)|"
    r"seguro\s+social|dni|nie|curp|rfc|nip|contrase[nñ]a|clave|c[oó]digo\s+de\s+seguridad|"
    r"fecha\s+de\s+nacimiento|direcci[oó]n|domicilio|correo(?:\s+electr[oó]nico)?|"
    r"nombre\s+completo|datos\s+(?:personales|bancarios)|tel[eé]fono|pasaporte|"
    r"licencia\s+de\s+conducir|[uú]ltimos\s+(?:cuatro|4)\s+d[ií]gitos"
    r")\b",
    _I,
)
_PUBLIC_PLACE = re.compile(
    r"\b(?:below|in\s+(?:the|a)\s+(?:comments?|replies|thread)|in\s+this\s+thread|here|"
    r"publicly|in\s+a\s+reply|on\s+this\s+post|"
    r"en\s+los\s+comentarios|en\s+(?:esta|la)\s+publicaci[oó]n|aqu[ií]|abajo|p[uú]blicamente)\b",
    _I,
)
_PRIVATE = re.compile(
    r"\b(?:dm|d\.m\.|direct\s+message|private(?:ly)?\s+message|private\s+(?:chat|channel)|"
    r"privately|inbox|secure\s+(?:message|messaging|form|portal)|message\s+us|email\s+us|"
    r"call\s+(?:us|our)|by\s+phone|over\s+the\s+phone|in\s+person|"
    r"mensaje\s+(?:privado|directo)|por\s+(?:privado|interno|tel[eé]fono)|md|"
    r"ll[aá]m(?:enos|anos|e\s+al)|en\s+persona)\b",
    _I,
)
_NEGATION = re.compile(
    r"\b(?:never|don'?t|do\s+not|doesn'?t|won'?t|will\s+not|not|no|avoid|nunca|jam[aá]s|"
    r"evite|ni)\b|n['’]t\b",
    _I,
)
# What may stand before an imperative verb in its clause: "Please reply", "To enter, comment".
_BEFORE_IMPERATIVE = re.compile(
    r"^\W*(?:(?:please|pls|plz|kindly|just|simply|now|then|and|or|also|so|quick(?:ly)?|"
    r"por\s+favor|favor\s+de|solo|s[oó]lo|ahora|y|o|tambi[eé]n)\W+)*$",
    _I,
)
_SENTENCE = re.compile(r"[^.!?¡¿;\n]+[.!?;]*", re.UNICODE)
_JOIN = re.compile(r"^(?:\s*(?:,|and|or|y|o|&|plus)\s*)+(?:(?:your|the|su|sus|tu|tus)\s+)?$", _I)


class SolicitationRule(Rule):
    ids: ClassVar = {"solicitation.personal_data": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        wording = ctx.policy.private_message_wording
        for start, end, asked in _solicitations(post.text):
            yield Hit(
                rule="solicitation.personal_data",
                start=start,
                end=end,
                message=(
                    f"Asks people to share personal data ({', '.join(asked)}) in public, where "
                    "anyone (scammers included) can read it."
                ),
                suggestion=wording,
                evidence={"asked_for": asked},
            )


def _imperative(before: str) -> bool:
    """The verb opens its clause (after a comma, colon or dash, or the sentence start)."""
    clause = re.split(r"[,:;—–]|\s-\s", before)[-1]
    return bool(_BEFORE_IMPERATIVE.match(clause))


def _solicitations(text: str) -> Iterator[tuple[int, int, list[str]]]:
    for sentence in _SENTENCE.finditer(text):
        s_text = sentence.group()
        if _PRIVATE.search(s_text):
            continue
        for verb in _VERB.finditer(s_text):
            if _NEGATION.search(s_text, 0, verb.start()):
                break
            if not _imperative(s_text[: verb.start()]):
                continue  # "a comment included SSN", "scammers ask you to comment your ..."
            nouns = list(_DATA.finditer(s_text, verb.end()))
            if not nouns:
                continue
            # The data must belong to the request: within a few words of the verb.
            if len(s_text[verb.end() : nouns[0].start()].split()) > 6:
                continue
            if verb.group("give") and not _PUBLIC_PLACE.search(s_text):
                continue
            end = nouns[0].end()
            asked = [nouns[0].group()]
            for prev, noun in itertools.pairwise(nouns):
                if not _JOIN.match(s_text[prev.end() : noun.start()]):
                    break
                end = noun.end()
                asked.append(noun.group())
            place = _PUBLIC_PLACE.match(s_text, end + 1) if end < len(s_text) else None
            if place is None:
                following = re.match(r"\s+(?:\w+\s+){0,1}", s_text[end:])
                if following:
                    place = _PUBLIC_PLACE.match(s_text, end + following.end())
            if place is not None:
                end = place.end()
            base = sentence.start()
            yield base + verb.start(), base + end, [" ".join(a.split()).lower() for a in asked]
            break
