"""postguard people"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand
from postguard.registry.models import Grant, Person


class Command(ActorCommand):
    help = "List the team members you may see, with their active grants (and grant ids)."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--all", action="store_true", help="include offboarded people")

    def act(self, actor: Actor, **options: Any) -> None:
        people = Person.objects.restrict(actor, "person.view").select_related("user")
        if not options["all"]:
            people = people.filter(status=Person.Status.ACTIVE)
        grants = (
            Grant.objects.restrict(actor, "grant.view")
            .active()
            .select_related("account")
            .order_by("role")
        )
        by_person: dict[int, list[Grant]] = {}
        for grant in grants:
            by_person.setdefault(grant.person_id, []).append(grant)
        for person in people:
            status = "" if person.is_active else f"  (offboarded {person.offboarded_at:%Y-%m-%d})"
            self.stdout.write(f"{person} <{person.user.email}>{status}")
            for grant in by_person.get(person.pk, []):
                scope = str(grant.account) if grant.account_id else "organization-wide"
                self.stdout.write(f"    [{grant.pk}] {grant.role:<12} {scope}")
