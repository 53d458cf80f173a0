"""postguard resume PAUSE_ID [--note TEXT]"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand, BadInput
from postguard.publishing.models import Pause
from postguard.publishing.pause import PauseError, resume


class Command(ActorCommand):
    help = (
        "End a pause (see `postguard pauses`): posts still inside their publish window go out "
        "now, those whose window closed go back to review. Audited."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("pause", metavar="PAUSE_ID", type=int, help="see `postguard pauses`")
        parser.add_argument("--note", default="", help="what was done before resuming (audited)")

    def act(self, actor: Actor, **options: Any) -> None:
        held = Pause.objects.select_related("account").filter(pk=options["pause"]).first()
        if held is None:
            raise BadInput(f"PAUSE_ID {options['pause']}: no such pause (see `postguard pauses`)")
        try:
            result = resume(actor, held, options["note"])
        except PauseError as error:
            text = str(error)
            raise BadInput(f"--{text}" if text.startswith("note:") else text) from None
        self.stdout.write(result.summary())
        for label, ids in (
            ("released", result.released),
            ("back to review", result.back_to_review),
            ("still paused", result.still_paused),
        ):
            if ids:
                self.stdout.write(f"  {label}: posts {', '.join(str(i) for i in ids)}")
