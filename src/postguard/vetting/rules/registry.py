"""The registry of rules: every rule the engine runs by default, and the default engine.

Adding a rule is one line here. The policy decides each id's severity or turns it off; the
engine takes the rules and the name finder through its constructor, so tests can swap both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from postguard.vetting.engine import Engine
from postguard.vetting.rules.base import Rule
from postguard.vetting.rules.email_personal import PersonalAddressRule
from postguard.vetting.rules.internal_codename import CodenameRule
from postguard.vetting.rules.internal_host import InternalHostRule
from postguard.vetting.rules.internal_ticket import TicketRule
from postguard.vetting.rules.lexicon import LexiconRule
from postguard.vetting.rules.links import LinkRule
from postguard.vetting.rules.pii_address import AddressRule
from postguard.vetting.rules.pii_card import CardRule
from postguard.vetting.rules.pii_dob import DateOfBirthRule
from postguard.vetting.rules.pii_email import EmailRule
from postguard.vetting.rules.pii_government_id import GovernmentIdRule
from postguard.vetting.rules.pii_iban import IbanRule
from postguard.vetting.rules.pii_ip import IpAddressRule
from postguard.vetting.rules.pii_phone import PhoneRule
from postguard.vetting.rules.platform_length import LengthRule
from postguard.vetting.rules.secret_credential import CredentialRule

if TYPE_CHECKING:
    from postguard.vetting.nlp import NameFinder


def pattern_rules() -> list[Rule]:
    """The pattern rules: no model needed, cheap, always on unless the policy says otherwise."""
    return [
        # Secrets first: the most urgent findings lead the list when offsets tie.
        CredentialRule(),
        EmailRule(),
        PersonalAddressRule(),
        PhoneRule(),
        AddressRule(),
        GovernmentIdRule(),
        CardRule(),
        IbanRule(),
        IpAddressRule(),
        DateOfBirthRule(),
        InternalHostRule(),
        CodenameRule(),
        TicketRule(),
        LinkRule(),
        LexiconRule(),
        LengthRule(),
    ]


def identity_rules() -> list[Rule]:
    """Rules that know the directory and people's names (identity helper's section)."""
    rules: list[Rule] = []
    # --- identity rules: identity.exposure, pii.person, solicitation.personal_data --------------
    # (added by the identity work; keep one line per rule class)
    from postguard.vetting.rules.identity_exposure import IdentityExposureRule
    from postguard.vetting.rules.pii_person import PersonNameRule
    from postguard.vetting.rules.solicitation import SolicitationRule

    rules += [IdentityExposureRule(), PersonNameRule(), SolicitationRule()]
    # --- end of identity rules ------------------------------------------------------------------
    return rules


def image_rules() -> list[Rule]:
    """Rules over the post's images and media (images helper's section)."""
    rules: list[Rule] = []
    # --- image rules ----------------------------------------------------------------------------
    from postguard.vetting.rules.image_faces import ImageFacesRule
    from postguard.vetting.rules.image_metadata import ImageMetadataRule
    from postguard.vetting.rules.image_screen import ImageScreenRule
    from postguard.vetting.rules.image_text import ImageTextRule
    from postguard.vetting.rules.image_unreadable import ImageUnreadableRule
    from postguard.vetting.rules.media_alt_text import MediaAltTextRule

    rules += [
        ImageUnreadableRule(),
        MediaAltTextRule(),
        ImageMetadataRule(),
        ImageTextRule(),
        ImageScreenRule(),
        ImageFacesRule(),
    ]
    # --- end of image rules ---------------------------------------------------------------------
    return rules


def default_rules() -> list[Rule]:
    """Every rule, in the order they run."""
    return [*pattern_rules(), *identity_rules(), *image_rules()]


def default_engine(name_finder: NameFinder | None = None) -> Engine:
    """The engine with every rule; without a name finder, name detection is off (and says so)."""
    return Engine(default_rules(), name_finder=name_finder)


def engine_for_model(model_name: str | None) -> Engine:
    """The default engine, finding names with the installed spaCy model `model_name`.

    None means the pinned default model; "none" turns name detection off without importing
    spaCy at all (so `postguard vet` starts fast). Every pattern rule runs either way.
    """
    from postguard.vetting.nlp import NoNameFinder

    if model_name is not None and model_name.strip().lower() == "none":
        finder = NoNameFinder()
        finder.description = "name detection is off: POSTGUARD_NLP_MODEL is 'none'"
        return default_engine(finder)
    try:
        from postguard.vetting.nlp_spacy import load_name_finder
    except ImportError:  # spaCy itself is not installed: the engine's notice says names are off
        return default_engine()
    return default_engine(load_name_finder(model_name))
