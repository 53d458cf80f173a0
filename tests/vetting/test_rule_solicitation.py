"""solicitation.personal_data: asking people to post personal data in public, in English and
Spanish; private channels and warnings pass."""

from __future__ import annotations

import pytest

from postguard.policy.schema import DEFAULT_PRIVATE_MESSAGE_WORDING, Policy
from postguard.vetting.context import VettingContext
from postguard.vetting.engine import Engine
from postguard.vetting.findings import Verdict
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Post
from postguard.vetting.rules.solicitation import SolicitationRule

RULE = SolicitationRule()
POLICY = Policy(organization="Harbor Point Credit Union", domains=("harborpointcu.org",))


def found(text: str, policy: Policy = POLICY) -> list[str]:
    ctx = VettingContext.from_policy(policy)
    return [text[h.start : h.end] for h in RULE.check(Post(text), Analysis(text), ctx)]


POSITIVES = [
    ("reply with your account number", ["reply with your account number"]),
    ("Comment your SSN below to verify.", ["Comment your SSN below"]),
    ("Tell us your date of birth in the comments!", ["Tell us your date of birth in the comments"]),
    (
        "So sorry! Reply with your account number and the last four of your card and we'll fix it.",
        ["Reply with your account number and the last four of your card"],
    ),
    (
        "Want a call? Drop your phone number and email in the comments!",
        ["Drop your phone number and email in the comments"],
    ),
    ("Please reply with your member number.", ["reply with your member number"]),
    ("To enter, comment your email address below!", ["comment your email address below"]),
    ("Comment below with your home address.", ["Comment below with your home address"]),
    ("responde con tu número de cuenta", ["responde con tu número de cuenta"]),
    ("Escribe tu DNI en los comentarios.", ["Escribe tu DNI en los comentarios"]),
    (
        "escribe tu número de seguro social en los comentarios",
        ["escribe tu número de seguro social en los comentarios"],
    ),
    (
        "¿Problemas con su tarjeta? Déjenos su número de socio y su fecha de nacimiento en los "
        "comentarios.",
        ["Déjenos su número de socio y su fecha de nacimiento en los comentarios"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), POSITIVES)
def test_catches_requests_for_personal_data_in_public(text: str, expected: list[str]) -> None:
    assert found(text) == expected


NEGATIVES = [
    "Never share your account number with anyone.",
    "We will never ask for your password.",
    "Send us a private message with your account number and we'll look into it.",
    "DM us your member number and we'll check.",
    "Sorry about that! Please send us a private message with the details.",
    "Problems with your tax bill? Please don't post personal details here.",
    "Nunca comparta su número de cuenta ni su contraseña en los comentarios.",
    "Envíenos un mensaje privado con su número de cuenta.",
    "Post your photos from the parade below!",
    "Leave a comment with your favorite trail.",
    "A comment included SSN 306-63-6507. We've hidden it.",
    "Tip: scammers ask you to comment your phone number to claim a prize. Don't!",
    "Send us your account number by email and we'll call you.",  # no public place named
    "Our address is 100 Main St. Reply with questions.",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_lets_through_private_channels_and_warnings(text: str) -> None:
    assert found(text) == []


def test_suggestion_is_the_policys_private_message_wording() -> None:
    text = "Reply with your account number"
    ctx = VettingContext.from_policy(POLICY)
    (hit,) = RULE.check(Post(text), Analysis(text), ctx)
    assert hit.suggestion == DEFAULT_PRIVATE_MESSAGE_WORDING
    assert "account number" in hit.message
    custom = Policy(
        organization="Harbor Point Credit Union",
        domains=("harborpointcu.org",),
        private_message_wording="Please DM us; we'll never ask for your number here.",
    )
    (hit,) = RULE.check(Post(text), Analysis(text), VettingContext.from_policy(custom))
    assert hit.suggestion == "Please DM us; we'll never ask for your number here."


def test_blocks_the_post() -> None:
    report = Engine([RULE]).vet(Post("Comment your SSN below"), VettingContext.from_policy(POLICY))
    assert report.verdict is Verdict.BLOCK
    assert [(f.start, f.end) for f in report.findings] == [(0, 22)]
