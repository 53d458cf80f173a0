"""postguard credentials-rotate"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from postguard.core.actors import Actor
from postguard.core.management import EXIT_UNEXPECTED, ActorCommand
from postguard.publishing.connections import ConnectError, cipher, rotate_credentials
from postguard.publishing.models import Connection
from postguard.settings.credentials import VARIABLE


class Command(ActorCommand):
    help = (
        "Re-encrypt every stored platform credential with the current credentials key (the "
        f"first in {VARIABLE}). Rotate a key: put the new key first, keep the old one after "
        "it, run this, then remove the old key. All or nothing; audited."
    )

    def act(self, actor: Actor, **options: Any) -> None:
        try:
            key = cipher()
            changed = rotate_credentials(actor)
        except ConnectError as error:
            raise CommandError(
                f"{error}. Nothing was changed: every credential still uses the key it had.",
                returncode=EXIT_UNEXPECTED,
            ) from None
        total = Connection.objects.count()
        self.stdout.write(
            f"{changed} credential(s) re-encrypted; all {total} stored credential(s) now use "
            f"key {key.current.key_id}."
        )
        if len(key.keys) > 1:
            others = ", ".join(k.key_id for k in key.keys[1:])
            self.stdout.write(
                f"No stored credential needs key(s) {others} any more: remove them from {VARIABLE}."
            )
