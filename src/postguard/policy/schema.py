"""The policy file's schema: every key, its default, and what it accepts.

Only `organization` and `domains` are required, so a ten-line file is a valid policy. Unknown keys
are errors (a typo must not silently turn a rule off).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

DEFAULT_PRIVATE_MESSAGE_WORDING = (
    "Please don't share personal details here. Send us a private message and we'll look into it."
)

_DOMAIN = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")


class Role(StrEnum):
    LEAD = "lead"
    SECURITY = "security"
    AUDITOR = "auditor"
    EDITOR = "editor"
    REVIEWER = "reviewer"
    CONTRIBUTOR = "contributor"


ORGANIZATION_WIDE_ROLES = frozenset({Role.LEAD, Role.SECURITY, Role.AUDITOR})

RuleSetting = Literal["block", "review", "warn", "off"]
DeviceAction = Literal["draft", "submit", "approve", "publish"]
MfaMethod = Literal["app", "hardware_key", "sms", "none"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _domain(value: str) -> str:
    domain = value.strip().lower().rstrip(".")
    if not _DOMAIN.match(domain):
        raise ValueError(f"{value!r} is not a domain name; expected something like 'example.gov'")
    return domain


# Validated item by item, so an error names the one bad entry (domains[2]), not the whole list.
DomainName = Annotated[str, AfterValidator(_domain)]


class PublicContacts(_Strict):
    """The organization's published contacts: never findings, in any format."""

    main_phone: str | None = None
    office_address: str | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()


class Lexicon(_Strict):
    blocked: tuple[str, ...] = ()
    # category -> terms; a plain list is accepted and filed under "review".
    flagged: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @field_validator("flagged", mode="before")
    @classmethod
    def _list_means_one_category(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return {"review": value}
        return value


class ApprovalStep(_Strict):
    name: str = "review"
    roles: tuple[Role, ...] = (Role.REVIEWER, Role.LEAD)
    mode: Literal["any", "all"] = "any"
    count: int = Field(default=1, ge=1, le=10)


class Approvals(_Strict):
    steps: tuple[ApprovalStep, ...] = (ApprovalStep(),)
    # Self-approval is never allowed; the key exists so that a policy saying otherwise is an error.
    self_approval: Literal[False] = False
    max_age_hours: int = Field(default=72, ge=1, le=24 * 90)
    override_roles: tuple[Role, ...] = (Role.LEAD, Role.SECURITY)
    # Replies may take a one-approver fast path.
    reply_fast_path: bool = True


class Devices(_Strict):
    unenrolled_may: tuple[DeviceAction, ...] = ("draft",)
    personal_devices_may: tuple[DeviceAction, ...] = ("draft",)


class Credentials(_Strict):
    keeper: Role = Role.SECURITY
    rotation_days: int = Field(default=90, ge=1, le=3650)
    mfa_required: bool = True
    mfa_methods_allowed: tuple[MfaMethod, ...] = ("app", "hardware_key")


class Review(_Strict):
    cadence_days: int = Field(default=91, ge=7, le=366)
    scope: tuple[
        Literal["grants", "credentials", "mfa", "recovery_contacts", "privacy_settings", "policy"],
        ...,
    ] = ("grants", "credentials", "mfa", "recovery_contacts", "privacy_settings", "policy")
    reviewers: tuple[Role, ...] = (Role.LEAD, Role.SECURITY)
    undecided: Literal["revoke", "keep"] = "revoke"
    stale_grant_days: int = Field(default=90, ge=1)


class IncidentTemplate(_Strict):
    name: str
    text: str


class Incident(_Strict):
    declarers: tuple[Role, ...] = (Role.LEAD, Role.SECURITY)
    expedited_approvals: int = Field(default=2, ge=1, le=5)
    pause_scheduled: bool = True
    templates: tuple[IncidentTemplate, ...] = ()


class Media(_Strict):
    alt_text_required: bool = True
    max_images: int = Field(default=4, ge=0, le=20)


class Policy(_Strict):
    version: Literal[1] = 1
    organization: str = Field(min_length=1, max_length=200)
    domains: tuple[DomainName, ...] = Field(min_length=1)
    # Local parts ("social") or full addresses ("social@example.gov").
    role_addresses: tuple[str, ...] = ("social", "communications", "press", "info")
    public_contacts: PublicContacts = PublicContacts()
    allowed_link_domains: tuple[DomainName, ...] = ()
    internal_domains: tuple[DomainName, ...] = ()
    codenames: tuple[str, ...] = ()
    ticket_pattern: str | None = r"\b(?:INC|REQ|CHG|TKT)-?\d{4,}\b"
    lexicon: Lexicon = Lexicon()
    private_message_wording: str = DEFAULT_PRIVATE_MESSAGE_WORDING
    rules: dict[str, RuleSetting] = Field(default_factory=dict)
    approvals: Approvals = Approvals()
    devices: Devices = Devices()
    credentials: Credentials = Credentials()
    review: Review = Review()
    incident: Incident = Incident()
    media: Media = Media()

    @field_validator("role_addresses", mode="after")
    @classmethod
    def _role_addresses_lowercase(
        cls, value: tuple[str, ...], info: ValidationInfo
    ) -> tuple[str, ...]:
        addresses = tuple(v.lower() for v in value)
        # Checked here rather than on the whole model so the error points at role_addresses.
        domains: tuple[str, ...] | None = info.data.get("domains")
        if domains is None:  # the domains are invalid and already reported
            return addresses
        for address in addresses:
            if "@" in address and address.rsplit("@", 1)[1] not in domains:
                raise ValueError(
                    f"role address {address!r} is not on one of the organization's domains "
                    f"({', '.join(domains)})"
                )
        return addresses

    @field_validator("ticket_pattern", mode="after")
    @classmethod
    def _ticket_pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    def is_role_address(self, address: str) -> bool:
        lowered = address.lower()
        local = lowered.rpartition("@")[0]
        return local in self.role_addresses or lowered in self.role_addresses

    def rule_setting(self, rule_id: str) -> RuleSetting | None:
        """The policy's override for a rule id, or None to keep the rule's default."""
        return self.rules.get(rule_id)
