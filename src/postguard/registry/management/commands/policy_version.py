"""postguard policy-version list|show|propose|approve|reject|bootstrap"""

from __future__ import annotations

from argparse import SUPPRESS, ArgumentParser
from pathlib import Path
from typing import Any

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand, BadInput
from postguard.core.permissions import require
from postguard.policy.models import PolicyVersion
from postguard.policy.versions import approve, bootstrap, propose, reject


class Command(ActorCommand):
    help = (
        "The policy versions kept in the database. `propose FILE` stores a validated policy "
        "with its diff against the active one; `approve N` (a lead who did not propose it) "
        "makes it active; `reject N --reason` turns it down; `bootstrap FILE` installs the "
        "first policy when none is active (system actor only); `list` and `show N` read them."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        # `--as` may also follow the verb: `postguard policy-version approve 2 --as lead@...`.
        acting = ArgumentParser(add_help=False)
        acting.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            default=SUPPRESS,
            help="act as this team member",
        )
        sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
        adder = sub.add_parser

        def add_parser(name: str, **kwargs: Any) -> ArgumentParser:
            return adder(name, parents=[acting], **kwargs)

        sub.add_parser = add_parser  # type: ignore[method-assign]
        sub.add_parser("list", help="every version with its state")
        show = sub.add_parser("show", help="one version's text and diff")
        show.add_argument("number", type=int, metavar="N")
        prop = sub.add_parser("propose", help="propose FILE as the next version")
        prop.add_argument("file", metavar="FILE")
        prop.add_argument("--summary", default="", help="one line: what changes and why")
        appr = sub.add_parser("approve", help="make version N active (a lead, not its author)")
        appr.add_argument("number", type=int, metavar="N")
        appr.add_argument("--reason", default="", help="optional note kept with the approval")
        rej = sub.add_parser("reject", help="turn version N down")
        rej.add_argument("number", type=int, metavar="N")
        rej.add_argument("--reason", required=True)
        boot = sub.add_parser("bootstrap", help="install FILE as the first policy")
        boot.add_argument("file", metavar="FILE")

    def act(self, actor: Actor, **options: Any) -> None:
        verb = options["verb"]
        if verb == "list":
            for version in PolicyVersion.objects.restrict(actor, "policy.view"):
                approved = (
                    f", approved by {version.approved_by_name}" if version.approved_at else ""
                )
                self.stdout.write(
                    f"{version.number:>4}  {version.state:<10} {version.created_at:%Y-%m-%d} "
                    f"by {version.author_name}{approved}  {version.summary}"
                )
            return
        if verb in {"propose", "bootstrap"}:
            path = Path(options["file"])
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise BadInput(f"{path}: cannot read the file ({exc.strerror})") from None
            from postguard.policy.loader import load_policy_bytes

            load_policy_bytes(data, source=str(path))  # line-numbered errors name the file
            text = data.decode("utf-8-sig")
            if verb == "bootstrap":
                version = bootstrap(actor, text)
                self.stdout.write(f"policy version {version.number} is active")
            else:
                version = propose(actor, text, options["summary"])
                self.stdout.write(
                    f"proposed policy version {version.number}; a lead other than you approves "
                    f"it with: postguard policy-version approve {version.number}"
                )
                self.stdout.write(version.diff)
            return
        version = self._version(options["number"])
        if verb == "show":
            require(actor, "policy.view", version)
            self.stdout.write(f"# policy version {version.number} ({version.state})")
            self.stdout.write(version.yaml_text)
            if version.diff:
                self.stdout.write(
                    f"# diff against the version active when it was proposed\n{version.diff}"
                )
        elif verb == "approve":
            approve(actor, version, options["reason"])
            self.stdout.write(f"policy version {version.number} is active")
        elif verb == "reject":
            reject(actor, version, options["reason"])
            self.stdout.write(f"policy version {version.number} rejected")

    @staticmethod
    def _version(number: int) -> PolicyVersion:
        version = PolicyVersion.objects.filter(number=number).first()
        if version is None:
            raise BadInput(f"no policy version {number} (see `postguard policy-version list`)")
        return version
