"""Vetting many posts at once (`vet --batch`) says exactly what vetting each alone says."""

from __future__ import annotations

from postguard.vetting.context import VettingContext
from postguard.vetting.post import Platform, Post
from postguard.vetting.rules.registry import default_engine
from tests.vetting.identity_support import POLICY, directory, name_finder

POSTS = [
    "Congratulations to Maria Gonzalez from Accounting on her award!",
    "Reply with your account number and we'll fix it.",
    "Thanks to Margaret Thornton for organizing the food drive.",
    "Write to jane.smith@example.gov or john.doe@example.gov for details.",
    "The wifi password is Tulip-4471 for today's event.",
    "Roads open again. Have a sunny day, Madison County!",
]


def test_vet_many_equals_vet_for_each_post_in_order() -> None:
    engine = default_engine(name_finder())
    posts = [Post(text=t, platforms=(Platform.BLUESKY,)) for t in POSTS]
    one_by_one = VettingContext.from_policy(POLICY, directory(), track_history=True)
    together = VettingContext.from_policy(POLICY, directory(), track_history=True)
    expected = [engine.vet(post, one_by_one) for post in posts]
    assert engine.vet_many(posts, together) == expected
    assert {f.rule for r in expected for f in r.findings} >= {
        "pii.person",
        "solicitation.personal_data",
        "secret.credential",
        "email.personal_address",
    }
