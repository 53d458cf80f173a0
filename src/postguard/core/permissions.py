"""The permission choke point: `can(user, action, obj)` and `QuerySet.restrict(user, action)`.

Views, API endpoints and commands never check roles by hand; they name an action from ACTIONS
and ask here. Roles come only from active grants in the registry (Django's superuser flag grants
nothing). docs/permissions.md is this table in prose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final, Self, TypeVar

from django.db import models
from django.db.models import Q

from postguard.core.actors import SystemActor
from postguard.policy.schema import DeviceAction, Devices, Role

if TYPE_CHECKING:
    from django.http import HttpRequest

# Pseudo-roles, next to the six real ones in the table:
SYSTEM = "system"  # the local operator at the console (postguard.core.actors.SYSTEM)
SELF = "self"  # the object is the actor's own (their person record, their grants)
SIGNED_IN = "signed_in"  # any active signed-in user, whatever their grants

LEAD, SECURITY, AUDITOR = Role.LEAD.value, Role.SECURITY.value, Role.AUDITOR.value
EDITOR, REVIEWER, CONTRIBUTOR = Role.EDITOR.value, Role.REVIEWER.value, Role.CONTRIBUTOR.value
ALL_ROLES: Final = frozenset({LEAD, SECURITY, AUDITOR, EDITOR, REVIEWER, CONTRIBUTOR})
ORGANIZATION_WIDE: Final = frozenset({LEAD, SECURITY, AUDITOR})
PER_ACCOUNT: Final = frozenset({EDITOR, REVIEWER, CONTRIBUTOR})
# Holding any of these without MFA leaves a user able to do nothing but set up MFA.
MFA_ROLES: Final = frozenset({LEAD, SECURITY, REVIEWER, EDITOR})


@dataclass(frozen=True, slots=True)
class Action:
    roles: frozenset[str]
    # The device class the policy's `devices` section rules on (None: not device-gated).
    device: DeviceAction | None = None
    # The actor may never do this to their own object (approve their own post or policy,
    # grant themselves access, offboard themselves). No role lifts this, superuser included.
    never_own: bool = False
    # Allowed even while the MFA gate is closed (so a gated user can set up MFA and sign out).
    mfa_exempt: bool = False


def _a(*roles: str, **options: Any) -> Action:
    return Action(roles=frozenset(roles), **options)


_EVERYONE = tuple(sorted(ALL_ROLES))

# THE table. Per-account roles (editor, reviewer, contributor) count only on objects of the
# accounts they were granted on; organization-wide roles count everywhere.
ACTIONS: Final[dict[str, Action]] = {
    # organization and registry
    "organization.view": _a(*_EVERYONE, SYSTEM),
    "registry.view": _a(*_EVERYONE, SYSTEM),
    "account.view": _a(*_EVERYONE, SYSTEM),
    "account.create": _a(LEAD, SECURITY, SYSTEM),
    "account.change": _a(LEAD, SECURITY, SYSTEM),
    "account.rotate": _a(LEAD, SECURITY, SYSTEM),
    "posture.view": _a(LEAD, SECURITY, AUDITOR, SYSTEM),
    "person.view": _a(LEAD, SECURITY, AUDITOR, SELF, SYSTEM),
    "person.create": _a(LEAD, SYSTEM),
    "person.change": _a(LEAD, SYSTEM),
    "person.offboard": _a(LEAD, SECURITY, SYSTEM, never_own=True),
    "grant.view": _a(LEAD, SECURITY, AUDITOR, SELF, SYSTEM),
    "grant.create": _a(LEAD, SYSTEM, never_own=True),
    "grant.revoke": _a(LEAD, SECURITY, SYSTEM),
    "grant.recertify": _a(LEAD, SECURITY, never_own=True),
    "directory.view": _a(LEAD, SECURITY, AUDITOR, SYSTEM),
    "directory.import": _a(LEAD, SECURITY, SYSTEM),
    "device.view": _a(LEAD, SECURITY, AUDITOR, SYSTEM),
    "device.enroll": _a(LEAD, SYSTEM),
    "device.revoke": _a(LEAD, SECURITY, SYSTEM),
    # policy as code
    "policy.view": _a(*_EVERYONE, SYSTEM),
    "policy.propose": _a(LEAD, SECURITY, SYSTEM),
    "policy.approve": _a(LEAD, never_own=True),
    "policy.reject": _a(LEAD),
    # Installing the very first policy, when no version is active yet (nobody can approve).
    "policy.bootstrap": _a(SYSTEM),
    # audit log
    "audit.view": _a(LEAD, SECURITY, AUDITOR, SYSTEM),
    "audit.export": _a(LEAD, SECURITY, AUDITOR, SYSTEM),
    "audit.verify": _a(LEAD, SECURITY, AUDITOR, SYSTEM),
    "audit.checkpoint": _a(LEAD, SECURITY, SYSTEM),
    # posts (the workflow narrows approvals further by the policy's approval steps)
    "post.view": _a(*_EVERYONE),
    "post.draft": _a(LEAD, SECURITY, EDITOR, CONTRIBUTOR, device="draft"),
    "post.submit": _a(LEAD, SECURITY, EDITOR, CONTRIBUTOR, device="submit"),
    "post.comment": _a(LEAD, SECURITY, EDITOR, REVIEWER, CONTRIBUTOR),
    "post.approve": _a(LEAD, REVIEWER, device="approve", never_own=True),
    "post.override": _a(LEAD, SECURITY, device="approve", never_own=True),
    "post.schedule": _a(LEAD, EDITOR, device="publish"),
    "post.publish": _a(LEAD, EDITOR, device="publish"),
    "publishing.pause": _a(LEAD, SECURITY, SYSTEM),
    "publishing.resume": _a(LEAD, SECURITY, SYSTEM),
    # a person who checked the platform by hand settles a delivery Postguard cannot confirm
    "publishing.resolve": _a(LEAD, SECURITY, SYSTEM, device="publish"),
    # connected accounts: storing a platform credential, re-encrypting them all with a new key
    "account.connect": _a(LEAD, SECURITY, SYSTEM, device="publish"),
    "credentials.rotate": _a(LEAD, SECURITY, SYSTEM),
    # what was published: the archive (scoped to the accounts a role covers) and its export
    "archive.view": _a(*_EVERYONE, SYSTEM),
    "archive.export": _a(LEAD, SECURITY, AUDITOR, EDITOR, SYSTEM),
    # the integrity watch: alerts about edits, deletions and posts Postguard did not make
    "integrity.view": _a(LEAD, SECURITY, AUDITOR, EDITOR, SYSTEM),
    "integrity.acknowledge": _a(LEAD, SECURITY, SYSTEM),
    "inbox.view": _a(LEAD, SECURITY, EDITOR, REVIEWER),
    "incident.declare": _a(LEAD, SECURITY),
    "review.run": _a(LEAD, SECURITY),
    "review.decide": _a(LEAD, SECURITY, never_own=True),
    "vet.run": _a(*_EVERYONE, SYSTEM),
    # the user's own sign-in
    "token.manage_own": _a(SIGNED_IN),
    "session.manage_own": _a(SIGNED_IN, mfa_exempt=True),
    "mfa.setup": _a(SIGNED_IN, mfa_exempt=True),
}


class UnknownActionError(ValueError):
    """A caller named an action that is not in ACTIONS (a programming error, never user input)."""


def action(name: str) -> Action:
    try:
        return ACTIONS[name]
    except KeyError:
        raise UnknownActionError(
            f"unknown action {name!r}; known actions: {', '.join(sorted(ACTIONS))}"
        ) from None


# --- what a user holds -------------------------------------------------------------------------

_CACHE_ATTR = "_postguard_grants"


def held_roles(user: Any) -> tuple[tuple[str, int | None], ...]:
    """(role, account id or None) for each active grant of an active person; cached on `user`."""
    cached: tuple[tuple[str, int | None], ...] | None = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    from postguard.registry.models import Grant, Person

    rows = (
        Grant.objects.active()
        .filter(person__user_id=user.pk, person__status=Person.Status.ACTIVE)
        .values_list("role", "account_id")
    )
    held = tuple((role, account_id) for role, account_id in rows)
    setattr(user, _CACHE_ATTR, held)
    return held


def clear_permission_cache(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_mfa(user: Any) -> bool:
    """True when the user has a TOTP authenticator or a passkey (recovery codes alone are not)."""
    if getattr(user, "pk", None) is None:
        return False
    from django.apps import apps

    if not apps.is_installed("allauth.mfa"):
        return False
    from allauth.mfa.models import Authenticator

    return bool(
        Authenticator.objects.filter(
            user_id=user.pk,
            type__in=(Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN),
        ).exists()
    )


def mfa_required(user: Any) -> bool:
    """True when the user holds lead, security, reviewer or editor and has no MFA yet.

    Such a user can do nothing but set up MFA (and manage their own sessions): `can()` refuses
    everything else, and the web middleware sends them to the MFA setup page.
    """
    if not _is_signed_in_user(user):
        return False
    if not any(role in MFA_ROLES for role, _ in held_roles(user)):
        return False
    return not has_mfa(user)


# --- devices -----------------------------------------------------------------------------------


def _device_rules() -> Devices:
    from postguard.policy.versions import active_policy

    policy = active_policy()
    return policy.devices if policy is not None else Devices()


def _enrolled(request: HttpRequest | None, enrolled: bool | None) -> bool:
    if enrolled is not None:
        return enrolled
    if request is not None:
        return getattr(request, "device", None) is not None
    return False


def device_allows(spec: Action, *, request: HttpRequest | None, enrolled: bool | None) -> bool:
    if spec.device is None or _enrolled(request, enrolled):
        return True
    return spec.device in _device_rules().unenrolled_may


# --- can() -------------------------------------------------------------------------------------


def _is_signed_in_user(user: Any) -> bool:
    return (
        user is not None
        and not isinstance(user, SystemActor)
        and bool(getattr(user, "is_authenticated", False))
        and bool(getattr(user, "is_active", False))
        and getattr(user, "pk", None) is not None
    )


def _belongs_to(obj: Any, user: Any) -> bool:
    check = getattr(obj, "belongs_to", None)
    return bool(check(user)) if callable(check) else False


def _account_ids(obj: Any) -> frozenset[int] | None:
    get = getattr(obj, "permission_account_ids", None)
    ids = get() if callable(get) else None
    return frozenset(ids) if ids is not None else None


def can(
    user: Any,
    action_name: str,
    obj: Any = None,
    *,
    request: HttpRequest | None = None,
    enrolled: bool | None = None,
) -> bool:
    """May `user` do `action_name` (to `obj`, if given)?

    `user` is a User, an AnonymousUser, None, or the system actor. The device comes from
    `enrolled` if given, else from `request.device` (set by DeviceMiddleware), else the request
    is treated as coming from an unenrolled device.
    """
    spec = action(action_name)
    if isinstance(user, SystemActor):
        return SYSTEM in spec.roles
    if not _is_signed_in_user(user):
        return False
    if not spec.mfa_exempt and mfa_required(user):
        return False
    if not device_allows(spec, request=request, enrolled=enrolled):
        return False
    own = obj is not None and _belongs_to(obj, user)
    if spec.never_own and own:
        return False
    if SIGNED_IN in spec.roles or (SELF in spec.roles and own):
        return True
    accounts = _account_ids(obj) if obj is not None else None
    for role, account_id in held_roles(user):
        if role not in spec.roles:
            continue
        if role in ORGANIZATION_WIDE or obj is None:
            return True
        if accounts is not None and account_id in accounts:
            return True
    return False


def require(user: Any, action_name: str, obj: Any = None, **kwargs: Any) -> None:
    """can() or raise PermissionDenied with a message naming the action."""
    if not can(user, action_name, obj, **kwargs):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(f"{_who(user)} may not {action_name}" + _on(obj))


def _who(user: Any) -> str:
    from postguard.core.actors import actor_name

    return actor_name(user) if user is not None else "anonymous"


def _on(obj: Any) -> str:
    return f" on {obj}" if obj is not None else ""


# --- restrict() --------------------------------------------------------------------------------

_M = TypeVar("_M", bound=models.Model)


class RestrictedQuerySet(models.QuerySet[_M]):
    """Adds `.restrict(user, action)`: the rows `user` may `action`, the same answer as can().

    Models describe their scope with two class attributes:
    `permission_account_path` (the lookup from the model to its platform account id, e.g.
    "account" or "id"; None when the model is not tied to an account) and
    `permission_owner_path` (the lookup to the owning user, for SELF and never_own rules).
    """

    def restrict(
        self,
        user: Any,
        action_name: str,
        *,
        request: HttpRequest | None = None,
        enrolled: bool | None = None,
    ) -> Self:
        spec = action(action_name)
        if isinstance(user, SystemActor):
            return self.all() if SYSTEM in spec.roles else self.none()
        if not _is_signed_in_user(user):
            return self.none()
        if not spec.mfa_exempt and mfa_required(user):
            return self.none()
        if not device_allows(spec, request=request, enrolled=enrolled):
            return self.none()
        owner_path: str | None = getattr(self.model, "permission_owner_path", None)
        account_path: str | None = getattr(self.model, "permission_account_path", None)
        own = Q(**{owner_path: user.pk}) if owner_path else None
        held = held_roles(user)
        if SIGNED_IN in spec.roles or any(
            role in spec.roles and role in ORGANIZATION_WIDE for role, _ in held
        ):
            visible = self.all()
        else:
            condition = Q(pk__in=[])
            accounts = {acct for role, acct in held if role in spec.roles and acct is not None}
            if accounts and account_path:
                condition |= Q(**{f"{account_path}__in": sorted(accounts)})
            if SELF in spec.roles and own is not None:
                condition |= own
            visible = self.filter(condition)
            if account_path and "__" in account_path:
                visible = visible.distinct()
        if spec.never_own and own is not None:
            visible = visible.exclude(own)
        return visible


class RestrictedModel(models.Model):
    """Abstract base for models a user can reach: declares the scope attributes can() reads."""

    permission_account_path: ClassVar[str | None] = None
    permission_owner_path: ClassVar[str | None] = None

    class Meta:
        abstract = True

    def permission_account_ids(self) -> Iterable[int] | None:
        if self.permission_account_path is None:
            return None
        account_id = _follow(self, self.permission_account_path)
        return () if account_id is None else (int(account_id),)

    def belongs_to(self, user: Any) -> bool:
        if self.permission_owner_path is None or getattr(user, "pk", None) is None:
            return False
        owner_id = _follow(self, self.permission_owner_path)
        return owner_id is not None and owner_id == user.pk


def _follow(obj: Any, path: str) -> Any:
    """The id at the end of a lookup path ("account", "person__user", "id") on an instance."""
    parts = path.split("__")
    value: Any = obj
    for part in parts[:-1]:
        value = getattr(value, part, None)
        if value is None:
            return None
    last = parts[-1]
    return value.pk if last in {"id", "pk"} else getattr(value, f"{last}_id", None)


def markdown_table() -> str:
    """ACTIONS as the table in docs/permissions.md (a test keeps the two the same)."""
    columns = (LEAD, SECURITY, AUDITOR, EDITOR, REVIEWER, CONTRIBUTOR, SELF, SIGNED_IN, SYSTEM)
    lines = [
        "| action | " + " | ".join(columns) + " | device class | never own |",
        "|---|" + "---|" * len(columns) + "---|---|",
    ]
    for name, spec in ACTIONS.items():
        cells = " | ".join("✓" if column in spec.roles else " " for column in columns)
        lines.append(
            f"| `{name}` | {cells} | {spec.device or ' '} | {'yes' if spec.never_own else ' '} |"
        )
    return "\n".join(lines) + "\n"
