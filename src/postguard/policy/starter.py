"""The commented starter policy that `postguard policy init` writes (see starter.yaml)."""

from __future__ import annotations

import json
from importlib import resources

DEFAULT_ORGANIZATION = "Example County"
DEFAULT_DOMAIN = "example.gov"


def starter_policy(organization: str = DEFAULT_ORGANIZATION, domain: str = DEFAULT_DOMAIN) -> str:
    """The starter policy text for this organization and domain (not yet validated)."""
    template = resources.files("postguard.policy").joinpath("starter.yaml").read_text("utf-8")
    # JSON strings are YAML double-quoted scalars: any name is written safely.
    return template.replace("{organization}", json.dumps(organization, ensure_ascii=False)).replace(
        "{domain}", json.dumps(domain, ensure_ascii=False)
    )
