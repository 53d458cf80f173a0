"""The fixed cast of users every permission test speaks in, one memorable name per case.

| who    | holds                                         | MFA |
|--------|-----------------------------------------------|-----|
| lola   | lead (organization-wide)                      | yes |
| leo    | lead (organization-wide): the *other* lead    | yes |
| sam    | security (organization-wide)                  | yes |
| ada    | auditor (organization-wide)                   | no (auditors need none) |
| eddie  | editor on the Bluesky account                 | yes |
| rita   | reviewer on the Bluesky account               | yes |
| connie | contributor on the Bluesky account            | no (contributors need none) |
| ollie  | editor on the Mastodon account only           | yes |
| mona   | editor on the Bluesky account, MFA not set up | no: the MFA gate shuts her out |
| nora   | signed in, no role at all                     | no |

Everyone signs in with CAST_PASSWORD; those with MFA use TOTP_SECRET (see `totp_code`).
The active policy is CAST_POLICY (bootstrapped as version 1). Use the `cast` fixture
(tests/conftest.py); it needs the database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

from postguard.core.models import User
from postguard.policy.models import PolicyVersion
from postguard.policy.versions import sha256_of
from postguard.registry.models import Grant, Person, PlatformAccount

CAST_PASSWORD = "correct horse battery staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DOMAIN = "example.gov"
CAST_POLICY = """\
organization: Example County
domains: [example.gov]
role_addresses: [social, communications, press]
credentials:
  keeper: security
  rotation_days: 90
"""


def totp_code(secret: str = TOTP_SECRET, at: float | None = None) -> str:
    """The current TOTP code for `secret` (what the person's authenticator app would show)."""
    counter = int(time.time() if at is None else at) // 30
    return str(format_hotp_value(hotp_value(secret, counter)))


@dataclass
class Cast:
    lola: User
    leo: User
    sam: User
    ada: User
    eddie: User
    rita: User
    connie: User
    ollie: User
    mona: User
    nora: User
    bluesky: PlatformAccount
    mastodon: PlatformAccount
    policy: PolicyVersion

    def everyone(self) -> dict[str, User]:
        return {
            name: getattr(self, name)
            for name in (
                "lola",
                "leo",
                "sam",
                "ada",
                "eddie",
                "rita",
                "connie",
                "ollie",
                "mona",
                "nora",
            )
        }

    @staticmethod
    def person(user: User) -> Person:
        return Person.objects.get(user=user)


def _user(name: str, *, mfa: bool) -> User:
    user = User.objects.create_user(
        username=name,
        email=f"{name}@{DOMAIN}",
        password=CAST_PASSWORD,
        first_name=name.capitalize(),
        display_name=name.capitalize(),
    )
    Person.objects.create(user=user, team="social media")
    if mfa:
        TOTP.activate(user, TOTP_SECRET)
    return user


def _grant(user: User, role: str, account: PlatformAccount | None = None) -> Grant:
    return Grant.objects.create(
        person=Person.objects.get(user=user),
        role=role,
        account=account,
        reason="cast",
        granted_by_name="test setup",
    )


def build_cast() -> Cast:
    policy = PolicyVersion.objects.create(
        number=1,
        yaml_text=CAST_POLICY,
        sha256=sha256_of(CAST_POLICY),
        state=PolicyVersion.State.ACTIVE,
        author_name="test setup",
        approved_by_name="test setup",
    )
    bluesky = PlatformAccount.objects.create(
        platform=PlatformAccount.Platform.BLUESKY,
        handle="examplecounty.bsky.social",
        login_email=f"social@{DOMAIN}",
        mfa_method=PlatformAccount.Mfa.APP,
    )
    mastodon = PlatformAccount.objects.create(
        platform=PlatformAccount.Platform.MASTODON,
        handle="@county@mastodon.example",
        login_email=f"communications@{DOMAIN}",
        mfa_method=PlatformAccount.Mfa.HARDWARE_KEY,
    )
    users = {
        "lola": _user("lola", mfa=True),
        "leo": _user("leo", mfa=True),
        "sam": _user("sam", mfa=True),
        "ada": _user("ada", mfa=False),
        "eddie": _user("eddie", mfa=True),
        "rita": _user("rita", mfa=True),
        "connie": _user("connie", mfa=False),
        "ollie": _user("ollie", mfa=True),
        "mona": _user("mona", mfa=False),
        "nora": _user("nora", mfa=False),
    }
    _grant(users["lola"], "lead")
    _grant(users["leo"], "lead")
    _grant(users["sam"], "security")
    _grant(users["ada"], "auditor")
    _grant(users["eddie"], "editor", bluesky)
    _grant(users["rita"], "reviewer", bluesky)
    _grant(users["connie"], "contributor", bluesky)
    _grant(users["ollie"], "editor", mastodon)
    _grant(users["mona"], "editor", bluesky)
    bluesky.keeper = Person.objects.get(user=users["sam"])
    bluesky.keeper_role = "security"
    bluesky.save()
    assert Authenticator.objects.filter(user=users["lola"]).exists()
    return Cast(**users, bluesky=bluesky, mastodon=mastodon, policy=policy)
