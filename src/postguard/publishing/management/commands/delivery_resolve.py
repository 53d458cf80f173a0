"""postguard delivery-resolve DELIVERY_ID (--found URL_OR_ID | --not-there) --note TEXT"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand, BadInput
from postguard.publishing.models import Delivery
from postguard.publishing.resolve import ResolveError, resolve


class Command(ActorCommand):
    help = (
        "Settle an unconfirmed delivery Postguard stopped checking, after looking at the "
        "account on the platform by hand: --found with the post's link or id (read back "
        "through the platform, then recorded as published) or --not-there (the delivery fails "
        "with your note; the post can go back to draft and be scheduled again). Audited."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "delivery", metavar="DELIVERY_ID", type=int, help="the id on the post page or API"
        )
        answer = parser.add_mutually_exclusive_group(required=True)
        answer.add_argument(
            "--found", metavar="URL_OR_ID", help="the post is there: its link or id on the account"
        )
        answer.add_argument("--not-there", action="store_true", help="the post is not there")
        parser.add_argument("--note", required=True, help="what you checked (audited)")

    def act(self, actor: Actor, **options: Any) -> None:
        delivery = (
            Delivery.objects.select_related("post", "account", "version")
            .filter(pk=options["delivery"])
            .first()
        )
        if delivery is None:
            raise BadInput(f"DELIVERY_ID {options['delivery']}: no such delivery")
        try:
            result = resolve(
                actor,
                delivery,
                found=options["found"],
                not_there=options["not_there"],
                note=options["note"],
            )
        except ResolveError as error:
            text = str(error)
            field, _, rest = text.partition(": ")
            if field in {"found", "note"}:
                raise BadInput(f"--{field}: {rest}") from None
            raise BadInput(f"DELIVERY_ID {delivery.pk}: {rest or text}") from None
        self.stdout.write(result.message)
