"""Objects the permission tests act on, built on top of the cast (tests/cast.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from postguard.core.actors import SYSTEM
from postguard.policy import versions
from postguard.policy.models import PolicyVersion
from postguard.registry import services
from postguard.registry.models import Device, Grant, Person
from tests.cast import CAST_POLICY


@dataclass
class World:
    cast: Any
    eddie_person: Person
    lola_person: Person
    eddie_grant: Grant
    proposal: PolicyVersion  # proposed by lola: leo may approve it, lola may not
    device: Device

    def ids(self) -> dict[str, int]:
        return {
            "bluesky": self.cast.bluesky.pk,
            "mastodon": self.cast.mastodon.pk,
            "eddie": self.eddie_person.pk,
            "lola": self.lola_person.pk,
            "eddie_grant": self.eddie_grant.pk,
            "proposal": self.proposal.pk,
            "device": self.device.pk,
        }


def build_world(cast: Any) -> World:
    proposal = versions.propose(cast.lola, CAST_POLICY + "lexicon:\n  blocked: [confidential]\n")
    device, _ = services.enroll_device(SYSTEM, "Comms laptop 1")
    return World(
        cast=cast,
        eddie_person=Person.objects.get(user=cast.eddie),
        lola_person=Person.objects.get(user=cast.lola),
        eddie_grant=Grant.objects.get(person__user=cast.eddie),
        proposal=proposal,
        device=device,
    )
