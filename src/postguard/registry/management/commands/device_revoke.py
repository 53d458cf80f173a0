"""postguard device-revoke ID --reason TEXT"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand, BadInput
from postguard.registry.models import Device
from postguard.registry.services import revoke_device


class Command(ActorCommand):
    help = (
        "Revoke an enrolled device (lost, retired): from now on its requests count as "
        "unenrolled, so the policy's unenrolled-device rules apply. Audited."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("device", metavar="ID", type=int, help="see `postguard devices`")
        parser.add_argument("--reason", required=True, help="why (kept in the audit log)")

    def act(self, actor: Actor, **options: Any) -> None:
        device = Device.objects.restrict(actor, "device.view").filter(pk=options["device"]).first()
        if device is None:
            raise BadInput(f"no device you may see has the id {options['device']}")
        revoke_device(actor, device, reason=options["reason"])
        self.stdout.write(f"revoked [{device.pk}] {device.name}: {options['reason']}")
