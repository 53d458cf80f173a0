"""The demo organization: the County of Riverbend, its team, accounts with findings, a directory.

`load_demo()` is idempotent: it creates what is missing and leaves the rest alone. It goes
through the same services as everyone else, as the system actor, so the audit log of a demo
installation tells the story of how it was set up. It refuses to touch an installation whose
active policy belongs to another organization.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from postguard.core.actors import SYSTEM
from postguard.core.models import User
from postguard.policy.versions import PolicyVersionError, active_policy, bootstrap, propose
from postguard.registry import services
from postguard.registry.models import Device, Grant, Person, PlatformAccount

DEMO_ORGANIZATION = "County of Riverbend"
DEMO_DOMAIN = "riverbend.example"
# Printed on purpose: this is a demo, on a laptop, with made-up people.
DEMO_PASSWORD = "riverbend-demo-2026"  # noqa: S105 - printed for the demo's made-up people
DEMO_TOTP_SECRET = "RIVERBENDDEMOTOTPSECRETKEY234567"  # noqa: S105 - same

DEMO_POLICY = f"""\
# The County of Riverbend's social media policy (demo). Edit it through
# `postguard policy-version propose FILE`; a lead other than the author approves.
organization: {DEMO_ORGANIZATION}
domains: [{DEMO_DOMAIN}]
role_addresses: [social, communications, press, parks]
public_contacts:
  main_phone: "+1 555 010 4000"
  office_address: "1 Courthouse Square, Riverbend"
  emails: [info@{DEMO_DOMAIN}]
allowed_link_domains: [{DEMO_DOMAIN}, riverbend-library.example]
internal_domains: [corp.{DEMO_DOMAIN}]
codenames: [BLUE HERON]
lexicon:
  blocked: [confidential]
  flagged:
    legal: [lawsuit, settlement]
devices:
  unenrolled_may: [draft]
credentials:
  keeper: security
  rotation_days: 90
  mfa_required: true
review:
  cadence_days: 91
"""


@dataclass(frozen=True)
class DemoPerson:
    email_local: str
    name: str
    team: str
    roles: tuple[tuple[str, str | None], ...]  # (role, account key or None)
    mfa: bool
    note: str

    @property
    def email(self) -> str:
        return f"{self.email_local}@{DEMO_DOMAIN}"


PEOPLE = (
    DemoPerson(
        "lucia.lane",
        "Lucia Lane",
        "communications",
        (("lead", None),),
        True,
        "lead: grants access, approves policy",
    ),
    DemoPerson(
        "sanjay.shah",
        "Sanjay Shah",
        "IT security",
        (("security", None),),
        True,
        "security: keeps credentials, offboards",
    ),
    DemoPerson(
        "audrey.adams",
        "Audrey Adams",
        "records",
        (("auditor", None),),
        False,
        "auditor: reads the audit log",
    ),
    DemoPerson(
        "eddie.evans",
        "Eddie Evans",
        "communications",
        (("editor", "bluesky"), ("editor", "mastodon")),
        True,
        "editor",
    ),
    DemoPerson(
        "rosa.reyes",
        "Rosa Reyes",
        "communications",
        (("reviewer", "bluesky"), ("reviewer", "mastodon")),
        True,
        "reviewer",
    ),
    DemoPerson(
        "carlos.cruz",
        "Carlos Cruz",
        "parks",
        (("contributor", "bluesky"),),
        False,
        "contributor: drafts only",
    ),
    DemoPerson(
        "mona.mills",
        "Mona Mills",
        "communications",
        (("editor", "facebook"),),
        False,
        "editor without MFA: may only set it up",
    ),
    DemoPerson(
        "otto.olsen",
        "Otto Olsen",
        "communications",
        (("editor", "x"),),
        True,
        "offboarded: cannot sign in",
    ),
)


def _days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


ACCOUNTS: dict[str, dict[str, object]] = {
    "bluesky": {
        "platform": "bluesky", "handle": "riverbend.example",
        "url": "https://bsky.app/profile/riverbend.example",
        "login_email": f"social@{DEMO_DOMAIN}", "recovery_email": f"communications@{DEMO_DOMAIN}",
        "recovery_phone": "+1 555 010 4000", "keeper_role": "security", "mfa_method": "app",
        "last_rotation": _days_ago(20), "token_scopes": ["app-password: post"],
        "privacy_checklist": {"DMs limited to followers": True, "labeler subscriptions": True},
    },
    "mastodon": {
        "platform": "mastodon", "handle": "@riverbend@mastodon.example",
        "url": "https://mastodon.example/@riverbend",
        "login_email": f"communications@{DEMO_DOMAIN}", "keeper_role": "security",
        "mfa_method": "sms", "last_rotation": _days_ago(200),
        "token_scopes": ["read", "write:statuses", "write:media"],
        "privacy_checklist": {"discoverable in directory": True, "hide follower list": False},
    },
    "x": {
        "platform": "x", "handle": "@RiverbendCounty", "url": "https://x.com/RiverbendCounty",
        "login_email": f"lucia.lane@{DEMO_DOMAIN}", "recovery_email": "lucia.lane@gmail.com",
        "recovery_phone": "+1 555 867 5309", "keeper_role": "security", "mfa_method": "none",
        "last_rotation": _days_ago(400),
        "privacy_checklist": {"photo tagging off": False, "location off": False},
    },
    "facebook": {
        "platform": "facebook", "handle": "Riverbend County Parks",
        "url": "https://facebook.com/riverbendparks",
        "login_email": "riverbend.parks@gmail.com", "keeper_role": "security",
        "mfa_method": "hardware_key",
    },
    "linkedin": {
        "platform": "linkedin", "handle": "County of Riverbend",
        "url": "https://www.linkedin.com/company/riverbend-example",
        "login_email": f"press@{DEMO_DOMAIN}", "recovery_email": f"social@{DEMO_DOMAIN}",
        "keeper_role": "security", "mfa_method": "app", "last_rotation": _days_ago(45),
        "privacy_checklist": {"admin list reviewed": True},
    },
}  # fmt: skip
KEEPERS = {"bluesky": "sanjay.shah", "mastodon": "sanjay.shah", "linkedin": "sanjay.shah",
           "x": "otto.olsen"}  # fmt: skip

# (name, preferred name, department, title, email local part, office, consent date, handle);
# a consent date makes the employee an insulated participant with a work-only handle.
_EMPLOYEES = (
    ("Jane Smith", "", "Accounting", "Accounts payable clerk", "jane.smith", "Annex 2.14", "", ""),
    ("Robert Okafor", "Bob", "Public Works", "Road crew supervisor", "robert.okafor", "Depot",
     "", ""),
    ("Mei Tanaka", "", "Parks", "Park ranger", "mei.tanaka", "Visitor center", "2026-03-02",
     "RangerMeiRiverbend"),
    ("Daniel Brooks", "Dan", "IT", "Network administrator", "daniel.brooks", "Courthouse B12",
     "", ""),
    ("Priya Nair", "", "Library", "Branch manager", "priya.nair", "Main library", "", ""),
    ("Tomás García", "Tom", "Fire Department", "Captain", "tomas.garcia", "Station 3",
     "2026-01-15", "CaptainTomRFD"),
    ("Grace Liu", "", "Human Resources", "Benefits coordinator", "grace.liu", "Annex 1.02", "",
     ""),
    ("Samuel Wright", "Sam", "Clerk's Office", "Deputy clerk", "samuel.wright", "Courthouse 101",
     "", ""),
    ("Lucia Lane", "", "Communications", "Communications director", "lucia.lane",
     "Courthouse 204", "2026-02-01", "LuciaForRiverbend"),
    ("Eddie Evans", "", "Communications", "Social media editor", "eddie.evans", "Courthouse 205",
     "", ""),
)  # fmt: skip


def _directory_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["name", "preferred_name", "department", "title", "email", "phone", "office",
         "participant", "consent_date", "work_handle"]
    )  # fmt: skip
    for number, (name, preferred, dept, title, local, office, consent, handle) in enumerate(
        _EMPLOYEES, start=101
    ):
        writer.writerow(
            [name, preferred, dept, title, f"{local}@{DEMO_DOMAIN}", f"555-010-4{number}",
             office, "yes" if consent else "no", consent, handle]
        )  # fmt: skip
    return buffer.getvalue()


DIRECTORY_CSV = _directory_csv()

DEVICES = (("Comms laptop 1", "eddie.evans"), ("Comms laptop 2", "rosa.reyes"),
           ("Old iPad (lost)", None))  # fmt: skip


class DemoError(ValueError):
    pass


@dataclass(frozen=True)
class DemoSignIn:
    email: str
    name: str
    note: str
    mfa: bool


def sign_ins() -> list[DemoSignIn]:
    """The demo people who can sign in (offboarded ones excluded)."""
    active = set(
        Person.objects.filter(status=Person.Status.ACTIVE, user__is_active=True).values_list(
            "user__email", flat=True
        )
    )
    return [DemoSignIn(p.email, p.name, p.note, p.mfa) for p in PEOPLE if p.email in active]


def is_demo_installed() -> bool:
    policy = active_policy()
    return policy is not None and policy.organization == DEMO_ORGANIZATION


def load_demo() -> list[str]:
    """Create whatever part of the demo is missing; returns what was created, one line each."""
    created: list[str] = []
    policy = active_policy()
    if policy is not None and policy.organization != DEMO_ORGANIZATION:
        raise DemoError(
            f"this installation's active policy belongs to {policy.organization!r}; the demo "
            "only loads into an empty installation or an existing demo (use another "
            "POSTGUARD_DATA_DIR or DATABASE_URL for the demo)"
        )
    with transaction.atomic():
        if policy is None:
            bootstrap(SYSTEM, DEMO_POLICY, "the County of Riverbend's first policy")
            created.append("policy version 1 (active)")
        accounts = _accounts(created)
        people = _people(created)
        _grants(people, accounts, created)
        _keepers(people, accounts, created)
        _offboard_otto(people, created)
        _directory(created)
        _devices(people, created)
        _pending_policy_change(created)
    return created


def _accounts(created: list[str]) -> dict[str, PlatformAccount]:
    accounts: dict[str, PlatformAccount] = {}
    for key, values in ACCOUNTS.items():
        account = PlatformAccount.objects.filter(
            platform=values["platform"], handle=values["handle"]
        ).first()
        if account is None:
            account = services.create_account(SYSTEM, **values)
            created.append(f"platform account {account}")
        accounts[key] = account
    return accounts


def _people(created: list[str]) -> dict[str, Person]:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    people: dict[str, Person] = {}
    for spec in PEOPLE:
        person = Person.objects.filter(user__email__iexact=spec.email).first()
        if person is None:
            person = services.create_person(SYSTEM, spec.email, spec.name, team=spec.team)
            user = person.user
            user.set_password(DEMO_PASSWORD)
            first, _, last = spec.name.partition(" ")
            user.first_name, user.last_name = first, last
            user.save(update_fields=["password", "first_name", "last_name"])
            created.append(f"person {spec.name} <{spec.email}>")
        user = User.objects.get(pk=person.user_id)
        if (
            spec.mfa
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            TOTP.activate(user, DEMO_TOTP_SECRET)
        people[spec.email_local] = person
    return people


def _grants(
    people: dict[str, Person], accounts: dict[str, PlatformAccount], created: list[str]
) -> None:
    for spec in PEOPLE:
        person = people[spec.email_local]
        if not person.is_active:
            continue
        for role, account_key in spec.roles:
            account = accounts[account_key] if account_key else None
            if Grant.objects.filter(person=person, role=role, account=account).exists():
                continue
            services.grant_role(SYSTEM, person, role, account=account, reason=f"demo: {spec.note}")
            created.append(f"grant {role} to {spec.name}" + (f" on {account}" if account else ""))


def _keepers(
    people: dict[str, Person], accounts: dict[str, PlatformAccount], created: list[str]
) -> None:
    for key, local in KEEPERS.items():
        account = accounts[key]
        if account.keeper_id is None and not account.needs_rotation:
            services.update_account(SYSTEM, account, keeper=people[local])
            created.append(f"keeper of {account}: {people[local]}")


def _offboard_otto(people: dict[str, Person], created: list[str]) -> None:
    otto = people["otto.olsen"]
    if otto.is_active:
        services.offboard(SYSTEM, otto, reason="moved to the state agency (demo)")
        created.append("offboarded Otto Olsen (his X credentials are flagged for rotation)")


def _directory(created: list[str]) -> None:
    from postguard.registry.models import DirectoryEntry

    if not DirectoryEntry.objects.exists():
        report = services.import_directory(SYSTEM, DIRECTORY_CSV, source="demo-directory.csv")
        created.append(f"directory: {report.created} employees")


def _devices(people: dict[str, Person], created: list[str]) -> None:
    for name, owner in DEVICES:
        if Device.objects.filter(name=name).exists():
            continue
        device, _ = services.enroll_device(SYSTEM, name, owner=people[owner] if owner else None)
        if owner is None:
            services.revoke_device(SYSTEM, device, reason="reported lost (demo)")
        created.append(f"device {name}")


def _pending_policy_change(created: list[str]) -> None:
    from postguard.policy.models import PolicyVersion

    if PolicyVersion.objects.count() > 1:
        return
    sanjay = User.objects.get(email=f"sanjay.shah@{DEMO_DOMAIN}")
    text = DEMO_POLICY.replace("rotation_days: 90", "rotation_days: 60")
    try:
        version = propose(sanjay, text, "rotate credentials every 60 days")
    except PolicyVersionError:
        return
    created.append(
        f"policy version {version.number} proposed by Sanjay Shah, awaiting Lucia Lane's approval"
    )
