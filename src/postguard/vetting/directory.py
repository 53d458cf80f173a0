"""The employee directory as the vetting engine sees it: who works here and how they can be named.

Parsed from the directory CSV (`name,preferred_name,department,title,email,phone,office,
participant`); the registry's importer uses the same parser and adds the database write.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Employee:
    name: str
    preferred_name: str = ""
    department: str = ""
    title: str = ""
    email: str = ""
    phone: str = ""
    office: str = ""
    team: str = ""
    participant: bool = False
    nicknames: tuple[str, ...] = field(default=())

    @property
    def display_name(self) -> str:
        return self.name
