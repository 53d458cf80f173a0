"""Finding the directory's employees in a post: how each can be named, and what else identifies
them (department, title, team, work email, phone, office), matched as people really write.

Built once per directory (`DirectoryIndex.build`) and reused for every post. Everything is
compared folded (lowercase, no accents), so "Jose Nunez" finds "José Núñez".
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from postguard.vetting.directory import Employee
from postguard.vetting.names import HONORIFICS, NICKNAMES, fold, name_lists

# Words that carry no identity in a department, office or title ("the Accounting department").
_FILLER = frozenset(
    {
        "the", "of", "and", "for", "a", "an", "our", "de", "del", "la", "el", "los", "las", "y",
        "e", "para", "en",
    }
)  # fmt: skip
_GENERIC_UNIT = frozenset(
    {
        "department", "dept", "office", "division", "unit", "team", "section", "bureau",
        "departamento", "oficina", "unidad", "equipo", "seccion", "area",
    }
)  # fmt: skip
# Title words too common to identify anyone on their own ("officer", "manager").
_GENERIC_TITLE = frozenset(
    {
        "officer", "specialist", "manager", "analyst", "representative", "coordinator",
        "supervisor", "assistant", "technician", "engineer", "director", "administrator",
        "generalist", "president", "deputy", "senior", "junior", "lead", "chief", "head",
        "clerk", "agent", "associate", "staff", "member", "worker", "processor", "service",
        "services", "sr", "jr", "ii", "iii", "principal", "executive", "team", "consultant",
        "advisor", "adviser", "counselor", "operator", "aide", "intern", "volunteer",
    }
)  # fmt: skip
# Two-letter acronyms that people really use for departments; others ("PR", "ES") mean other things.
_KNOWN_ACRONYMS = frozenset({"IT", "HR"})
_SENIORITY = frozenset({"senior", "sr", "junior", "jr", "lead", "principal", "acting", "interim"})
_ABBREVIATIONS = {
    "dept": "department",
    "depto": "departamento",
    "bldg": "building",
    "blding": "building",
    "rm": "room",
    "ste": "suite",
    "fl": "floor",
    "flr": "floor",
    "hq": "headquarters",
    "mgr": "manager",
    "asst": "assistant",
    "coord": "coordinator",
    "rec": "recreation",
    "info": "information",
    "tech": "technology",
    "&": "and",
    "+": "and",
    "sr": "senior",
    "admin": "administration",
}
# Spanish forms of common department and title words, so a Spanish post matches an English
# directory ("enfermera del Departamento de Salud" for a Public Health Nurse in Health Department).
_SPANISH = {
    "accounting": ("contabilidad",),
    "finance": ("finanzas",),
    "health": ("salud", "sanidad"),
    "human": ("humanos",),
    "resource": ("recursos",),
    "information": ("informacion",),
    "technology": ("tecnologia", "informatica"),
    "marketing": ("mercadeo", "mercadotecnia"),
    "communication": ("comunicaciones", "comunicacion"),
    "sale": ("ventas",),
    "legal": ("juridico", "legal"),
    "public": ("publicas", "publica", "publico", "publicos"),
    "work": ("obras",),
    "social": ("sociales", "social"),
    "library": ("biblioteca",),
    "election": ("elecciones", "electoral"),
    "emergency": ("emergencias", "emergencia"),
    "park": ("parques",),
    "recreation": ("recreacion",),
    "treasurer": ("tesoreria", "tesorero", "tesorera"),
    "collection": ("cobranza", "cobros"),
    "fraud": ("fraude",),
    "prevention": ("prevencion",),
    "lending": ("prestamos", "credito", "creditos"),
    "mortgage": ("hipotecarios", "hipotecas", "hipotecario"),
    "security": ("seguridad",),
    "building": ("edificio",),
    "zoning": ("zonificacion",),
    "animal": ("animales",),
    "director": ("director", "directora"),
    "manager": ("gerente", "jefe", "jefa"),
    "engineer": ("ingeniero", "ingeniera"),
    "analyst": ("analista",),
    "specialist": ("especialista",),
    "inspector": ("inspector", "inspectora"),
    "nurse": ("enfermero", "enfermera"),
    "librarian": ("bibliotecario", "bibliotecaria"),
    "teller": ("cajero", "cajera"),
    "recruiter": ("reclutador", "reclutadora"),
    "accountant": ("contador", "contadora"),
    "paramedic": ("paramedico", "paramedica"),
    "caseworker": ("trabajador", "trabajadora"),
    "treasury": ("tesoreria",),
    "mechanic": ("mecanico", "mecanica"),
    "coordinator": ("coordinador", "coordinadora"),
    "supervisor": ("supervisor", "supervisora"),
    "assistant": ("asistente",),
    "officer": ("oficial", "agente"),
    "representative": ("representante", "representantes"),
    "service": ("servicio", "servicios"),
    "member": ("socio", "socios", "socia", "socias", "miembro", "miembros"),
    "bilingual": ("bilingue", "bilingues"),
    "wellness": ("bienestar",),
    "financial": ("financiero", "financiera", "financieros", "financieras"),
    "aquatic": ("acuatico", "acuaticos", "acuatica", "acuaticas"),
    "branch": ("sucursal", "sucursales"),
    "main": ("principal",),
    "operation": ("operaciones",),
    "card": ("tarjetas", "tarjeta"),
    "consumer": ("consumo",),
}
_SPANISH_TO_ENGLISH = {es: en for en, forms in _SPANISH.items() for es in forms}

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[&+#]", re.UNICODE)
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:gov|org|com|net|edu)\S*")
_PHONE = re.compile(r"(?<![\w])(?:\+?\d[\d\s().\-]{5,}\d)(?:\s*(?:x|ext\.?)\s*\d+)?", re.IGNORECASE)


def _stem(word: str) -> str:
    """Plural-insensitive form: 'collections' -> 'collection', 'parks' -> 'park'."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def norm_word(raw: str) -> str:
    word = fold(raw)
    for suffix in ("'s", "’s"):
        if word.endswith(suffix):
            word = word[: -len(suffix)]
    word = word.rstrip("'’")
    word = _ABBREVIATIONS.get(word, word)
    word = _SPANISH_TO_ENGLISH.get(word, word)
    return _stem(word)


@dataclass(frozen=True, slots=True)
class Word:
    raw: str
    norm: str
    start: int
    end: int

    @property
    def capitalised(self) -> bool:
        return self.raw[:1].isupper()


def words(text: str) -> list[Word]:
    """Word tokens with offsets; e-mail addresses and links are left out (matched on their own)."""
    masked = [(m.start(), m.end()) for m in _EMAIL.finditer(text)]
    masked += [(m.start(), m.end()) for m in _URL.finditer(text)]
    out: list[Word] = []
    for m in _WORD.finditer(text):
        if any(s <= m.start() < e for s, e in masked):
            continue
        out.append(Word(m.group(), norm_word(m.group()), m.start(), m.end()))
    return out


@dataclass(frozen=True, slots=True)
class Identifier:
    """Something besides the name that points at one employee."""

    kind: str  # department, title, team, office, email, phone
    value: str  # as written in the directory
    phrase: tuple[str, ...] = ()  # normalised words to find (not for email/phone)
    case_sensitive: str = ""  # an acronym that must appear in capitals ("IT", "HR")


@dataclass(frozen=True, slots=True)
class Found:
    kind: str
    value: str
    start: int
    end: int


@dataclass(slots=True)
class Person:
    employee: Employee
    first_forms: frozenset[str]  # folded first names, preferred names and nicknames
    surnames: tuple[tuple[str, ...], ...]  # folded surname word sequences
    title_words: frozenset[str]  # words of the employee's own title, as name prefixes
    identifiers: list[Identifier] = field(default_factory=list)
    phone_digits: str = ""


@dataclass(frozen=True, slots=True)
class Mention:
    person: Person
    start: int
    end: int
    how: str  # full name, initial and surname, honorific and surname, first name, handle, email


class SpanIndex:
    """Answers "does (start, end) overlap any of these spans?" in log time, so that a megabyte
    of text with thousands of names stays fast."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._max_end: list[int] = []
        running = -1
        for _, end in ordered:
            running = max(running, end)
            self._max_end.append(running)

    def overlaps(self, start: int, end: int) -> bool:
        index = bisect.bisect_left(self._starts, end)  # spans starting before `end`
        return index > 0 and self._max_end[index - 1] > start


def _reverse_nicknames() -> dict[str, set[str]]:
    reverse: dict[str, set[str]] = {}
    for formal, shorts in NICKNAMES.items():
        for short in shorts:
            reverse.setdefault(fold(short), set()).add(fold(formal))
    return reverse


_REVERSE_NICKNAMES = _reverse_nicknames()


def _first_forms(employee: Employee) -> set[str]:
    parts = employee.name.split()
    forms = {fold(parts[0])}
    if len(parts) >= 3:
        forms.add(fold(" ".join(parts[:2])))
    if employee.preferred_name:
        forms.add(fold(employee.preferred_name))
    forms.update(fold(n) for n in employee.nicknames)
    for form in list(forms):
        forms.update(fold(n) for n in NICKNAMES.get(form, ()))
        forms.update(_REVERSE_NICKNAMES.get(form, ()))
    return {f for f in forms if f}


def _surnames(employee: Employee) -> set[tuple[str, ...]]:
    parts = [fold(p) for p in employee.name.split()]
    if len(parts) < 2:
        return set()
    found: set[tuple[str, ...]] = {(parts[-1],)}
    if len(parts) >= 3:
        found.add(tuple(parts[-2:]))
        if parts[-2] not in {"de", "del", "la", "van", "von", "da", "di"}:
            found.add((parts[-2],))  # Spanish: the first of two surnames is used alone
    for part in list(found):
        if len(part) == 1 and "-" in part[0]:
            found.update((p,) for p in part[0].split("-") if p)
    return {tuple(w.replace("’", "'") for w in s) for s in found}


def _phrase(value: str, generic: frozenset[str]) -> tuple[str, ...]:
    ws = [w.norm for w in words(value)]
    core = [w for w in ws if w not in _FILLER and w not in generic]
    return tuple(core) if core else tuple(w for w in ws if w not in _FILLER)


def _acronym(value: str) -> str:
    ws = [w.raw for w in words(value) if norm_word(w.raw) not in _FILLER]
    if len(ws) >= 2 and all(w[:1].isalpha() for w in ws):
        return "".join(w[0].upper() for w in ws)
    return ""


def _unit_identifiers(kind: str, value: str) -> list[Identifier]:
    found: list[Identifier] = []
    phrase = _phrase(value, _GENERIC_UNIT)
    if phrase:
        found.append(Identifier(kind, value, phrase))
    acronym = _acronym(value)
    if len(acronym) >= 3 or acronym in _KNOWN_ACRONYMS:
        found.append(Identifier(kind, value, (), case_sensitive=acronym))
    if len(value) <= 5 and value.isupper():  # "GIS", "IT" written as such in the directory
        found.append(Identifier(kind, value, (), case_sensitive=value))
    # "Parks and Recreation" is "Parks and Rec", "Parks & Rec", or just "Parks" + "Recreation".
    return found


def _title_identifiers(value: str) -> list[Identifier]:
    found: list[Identifier] = []
    for part in re.split(r"\s*(?:,|&|\band\b|/|\by\b)\s*", value):
        ws = [norm_word(w.raw) for w in words(part)]
        ws = [w for w in ws if w not in _FILLER and w not in _SENIORITY]
        if not ws:
            continue
        found.append(Identifier("title", value, tuple(ws)))
        if len(ws) >= 3:
            found.append(Identifier("title", value, tuple(ws[-2:])))
        if len(ws) >= 2 and ws[-1] not in _GENERIC_TITLE:
            found.append(Identifier("title", value, (ws[-1],)))
        if len(ws) == 1 and ws[0] in _GENERIC_TITLE and value.strip().isupper():
            found.append(Identifier("title", value, (), case_sensitive=value.strip()))
        acronym = _acronym(part)
        if len(acronym) >= 3:
            found.append(Identifier("title", value, (), case_sensitive=acronym))
    return found


def _office_identifiers(value: str, org_words: frozenset[str]) -> list[Identifier]:
    found: list[Identifier] = []
    ws = [w.norm for w in words(value)]
    full = tuple(w for w in ws if w not in _FILLER)
    if full:
        found.append(Identifier("office", value, full))
    # "Administration Building Room 214": the room alone ("Room 214", "Rm. 214") identifies too.
    for i, w in enumerate(ws):
        if w in {"room", "suite", "floor", "building"} and i + 1 < len(ws):
            code = ws[i + 1]
            if any(ch.isdigit() for ch in code) or len(code) <= 2:
                found.append(Identifier("office", value, (w, code)))
    # The place without the room, unless it is only the organization's own name or generic.
    cut = next((i for i, w in enumerate(ws) if w in {"room", "suite", "floor"}), len(ws))
    place = tuple(w for w in ws[:cut] if w not in _FILLER)
    if place and place != full and not set(place) <= org_words | _GENERIC_UNIT | {"building"}:
        found.append(Identifier("office", value, place))
    return found


@dataclass(slots=True)
class DirectoryIndex:
    people: list[Person]
    by_surname: dict[str, list[tuple[tuple[str, ...], Person]]]
    by_first: dict[str, list[Person]]  # first-name forms of everyone, participants included
    by_handle: dict[str, Person]
    by_email: dict[str, Person]
    phrase_index: dict[str, list[tuple[Identifier, Person]]]
    acronyms: dict[str, list[tuple[Identifier, Person]]]
    max_first_words: int = 1
    # The organization's domains: "wnovak@hpcu.com" is wnovak@harborpointcu.org's address too.
    domains: frozenset[str] = frozenset()
    by_local_part: dict[str, Person] = field(default_factory=dict)

    @classmethod
    def build(
        cls, directory: Sequence[Employee], organization: str = "", domains: Sequence[str] = ()
    ) -> DirectoryIndex:
        org_words = frozenset(norm_word(w.raw) for w in words(organization))
        people: list[Person] = []
        for employee in directory:
            if not employee.name.strip():
                continue
            title_words = frozenset(
                norm_word(w.raw) for w in words(employee.title) if norm_word(w.raw) not in _FILLER
            )
            person = Person(
                employee=employee,
                first_forms=frozenset(_first_forms(employee)),
                surnames=tuple(sorted(_surnames(employee))),
                title_words=title_words,
            )
            if employee.department:
                person.identifiers += _unit_identifiers("department", employee.department)
            if employee.team:
                person.identifiers += _unit_identifiers("team", employee.team)
            if employee.title:
                person.identifiers += _title_identifiers(employee.title)
            if employee.office:
                person.identifiers += _office_identifiers(employee.office, org_words)
            if employee.email:
                person.identifiers.append(Identifier("email", employee.email.lower()))
            digits = re.sub(r"\D", "", re.split(r"(?i)x|ext", employee.phone)[0])
            if len(digits) >= 7:
                person.phone_digits = digits
                person.identifiers.append(Identifier("phone", employee.phone))
            people.append(person)

        by_surname: dict[str, list[tuple[tuple[str, ...], Person]]] = {}
        by_first: dict[str, list[Person]] = {}
        by_handle: dict[str, Person] = {}
        by_email: dict[str, Person] = {}
        phrase_index: dict[str, list[tuple[Identifier, Person]]] = {}
        acronyms: dict[str, list[tuple[Identifier, Person]]] = {}
        max_first = 1
        for person in people:
            for surname in person.surnames:
                by_surname.setdefault(surname[-1], []).append((surname, person))
            for form in person.first_forms:
                by_first.setdefault(form, []).append(person)
                max_first = max(max_first, len(form.split()))
            if person.employee.work_handle:
                by_handle[fold(person.employee.work_handle.lstrip("@"))] = person
            if person.employee.email:
                by_email[person.employee.email.lower()] = person
            for ident in person.identifiers:
                if ident.phrase:
                    for word in dict.fromkeys(ident.phrase):
                        phrase_index.setdefault(word, []).append((ident, person))
                elif ident.case_sensitive:
                    acronyms.setdefault(ident.case_sensitive, []).append((ident, person))
        return cls(
            people=people,
            by_surname=by_surname,
            by_first=by_first,
            by_handle=by_handle,
            by_email=by_email,
            phrase_index=phrase_index,
            acronyms=acronyms,
            max_first_words=max_first,
            domains=frozenset(d.lower() for d in domains)
            | {e.rpartition("@")[2] for e in by_email},
            by_local_part={e.rpartition("@")[0]: p for e, p in by_email.items()},
        )

    # --- identifiers ---------------------------------------------------------------------------

    def identifiers_in(self, text: str, ws: Sequence[Word]) -> dict[int, list[Found]]:
        """Every directory identifier in the text, keyed by id(person)."""
        found: dict[int, list[Found]] = {}

        def add(person: Person, item: Found) -> None:
            found.setdefault(id(person), []).append(item)

        # Phrases skip filler words in the text ("Parks and Recreation" = "Parks & Rec").
        # Any order within the phrase's length, so "Obras Públicas" is "Public Works".
        content = [w for w in ws if w.norm not in _FILLER]
        position = {id(w): i for i, w in enumerate(ws)}
        for k, word in enumerate(content):
            seen: set[tuple[int, int]] = set()
            for ident, person in self.phrase_index.get(word.norm, ()):
                key = (id(ident), id(person))
                if key in seen:
                    continue
                seen.add(key)
                n = len(ident.phrase)
                window = content[k : k + n]
                if len(window) == n and sorted(w.norm for w in window) == sorted(ident.phrase):
                    start, end = _widen(
                        ws, position[id(word)], position[id(window[-1])], ident.kind
                    )
                    add(person, Found(ident.kind, ident.value, start, end))
            for ident, person in self.acronyms.get(word.raw, ()):
                add(person, Found(ident.kind, ident.value, word.start, word.end))
        for m in _EMAIL.finditer(text):
            address = m.group().lower().rstrip(".")
            person_by_email = self.by_email.get(address)
            local, _, domain = address.rpartition("@")
            if person_by_email is None and domain in self.domains:
                person_by_email = self.by_local_part.get(local)
            if person_by_email is not None:
                end = m.end() - (1 if m.group().endswith(".") else 0)
                add(person_by_email, Found("email", m.group().rstrip("."), m.start(), end))
        for m in _PHONE.finditer(text):
            digits = re.sub(r"\D", "", re.split(r"(?i)x|ext", m.group())[0])
            if len(digits) < 7:
                continue
            for person in self.people:
                pd = person.phone_digits
                if pd and (digits == pd or digits.endswith(pd[-10:]) or pd.endswith(digits)):
                    add(person, Found("phone", person.employee.phone, m.start(), m.end()))
        for items in found.values():
            items.sort(key=lambda f: (f.start, f.end))
        return found

    # --- names ---------------------------------------------------------------------------------

    def mentions(self, text: str, ws: Sequence[Word]) -> list[Mention]:
        """Every way an employee is named: full name, initial or honorific plus surname, handle."""
        found: list[Mention] = []
        for j, word in enumerate(ws):
            key = _name_key(word.raw)
            for surname, person in self.by_surname.get(key, ()):
                n = len(surname)
                start_index = j - n + 1
                if (
                    start_index < 0
                    or tuple(_name_key(w.raw) for w in ws[start_index : j + 1]) != surname
                ):
                    continue
                mention = self._before_surname(text, ws, start_index, j, person)
                if mention is not None:
                    found.append(mention)
        for m in _EMAIL.finditer(text):
            address = m.group().lower().rstrip(".")
            local, _, domain = address.rpartition("@")
            by_address = self.by_email.get(address) or (
                self.by_local_part.get(local) if domain in self.domains else None
            )
            if by_address is not None:
                end = m.start() + len(address)
                found.append(Mention(by_address, m.start(), end, "work email"))
        for m in re.finditer(r"(?<![\w@.])@([\w.]+(?:@[\w.-]+)?)", text):
            handle = fold(m.group(1).rstrip("."))
            person_by_handle = self.by_handle.get(handle)
            if person_by_handle is not None:
                found.append(
                    Mention(person_by_handle, m.start(), m.start() + 1 + len(handle), "handle")
                )
        return found

    def _before_surname(
        self,
        text: str,
        ws: Sequence[Word],
        first_surname: int,
        last: int,
        person: Person,
    ) -> Mention | None:
        end = ws[last].start + len(_strip_possessive(ws[last].raw))
        surname_words = ws[first_surname : last + 1]
        i = first_surname - 1
        # An optional middle initial: "Grace A. Whitman".
        if i >= 0 and len(ws[i].raw) == 1 and ws[i].raw.isupper() and i - 1 >= 0:
            middle = i
            if _is_first(ws, i - 1, person, self.max_first_words) is not None:
                i = middle
        first_start = _is_first(ws, i, person, self.max_first_words)
        if first_start is not None:
            first_words = ws[first_start : i + 1]
            if (
                _everyday(first_words)
                and _everyday(surname_words)
                and not all(w.capitalised for w in [*first_words, *surname_words])
            ):
                return None  # "we will foster", "rich tan leather"
            return Mention(person, ws[first_start].start, end, "full name")
        if i < 0:
            return None
        prev = ws[i]
        surname_capitalised = all(w.capitalised for w in surname_words)
        if len(prev.raw) == 1 and prev.raw.isupper() and surname_capitalised:
            initials = {f[0] for f in person.first_forms}
            if fold(prev.raw) in initials and text[prev.end : prev.end + 1] in {".", " "}:
                return Mention(person, prev.start, end, "initial and surname")
            return None
        honorific = prev.norm in HONORIFICS or fold(prev.raw) in HONORIFICS
        own_title = prev.norm in person.title_words and prev.capitalised
        if (honorific or own_title) and (surname_capitalised or not _everyday(surname_words)):
            return Mention(person, prev.start, end, "honorific and surname")
        return None

    def first_name_mentions(
        self, text: str, ws: Sequence[Word], found: dict[int, list[Found]]
    ) -> list[Mention]:
        """A first name alone, unique in the directory, right next to the person's own
        department, team, office or title ("Ahmed in Information Technology")."""
        mentions: list[Mention] = []
        starts: dict[int, list[int]] = {}
        for k, word in enumerate(ws):
            people = self.by_first.get(_name_key(word.raw))
            if not people or len({id(p) for p in people}) != 1:
                continue
            person = people[0]
            if id(person) not in starts:
                starts[id(person)] = [f.start for f in found.get(id(person), ())]
            items = [
                f
                for f in _near(found.get(id(person), ()), starts[id(person)], word.start)
                if f.kind in {"department", "team", "title", "office", "phone", "email"}
            ]
            if not items:
                continue
            everyday = _everyday([word])
            if everyday and not word.capitalised:
                continue
            # Part of another name or a place: "Grace Kelly", "Madison County", "Project Hope".
            nxt = ws[k + 1] if k + 1 < len(ws) else None
            prv = ws[k - 1] if k > 0 else None
            if (
                nxt is not None
                and nxt.capitalised
                and not _starts_item(nxt, items)
                and not text[word.end : nxt.start].strip(" '’s")  # "Nadia! Our ..." is fine
            ):
                continue
            if (
                prv is not None
                and prv.capitalised
                and not text[prv.end : word.start].strip()
                and not _ends_item(prv, items)
                and not _everyday([prv])  # "Thanks Ahmed", "Today Maddie": sentence openers
            ):
                continue  # "James Madison", "Lake Grace"
            possessive = word.raw.endswith(("'s", "’s"))
            if _adjacent(text, ws, k, items, strict=everyday, possessive=possessive):
                mentions.append(
                    Mention(
                        person,
                        word.start,
                        word.start + len(_strip_possessive(word.raw)),
                        "first name",
                    )
                )
        return mentions


_CONNECTORS = frozenset(
    {
        "from", "in", "at", "of", "with", "on", "our", "the", "your", "de", "del", "la", "el",
        "en", "a", "an", "is", "es", "nuestra", "nuestro", "who", "works", "leads", "runs",
        "manages", "trabaja", "con", "new", "county", "s", "team", "equipo", "y", "and",
        "one", "member", "head", "lead", "senior", "own", "amazing", "awesome", "great",
        "favorite", "favourite", "wonderful", "fantastic", "very", "nuevo", "nueva", "gran",
    }
)  # fmt: skip
_PREPOSITIONS = frozenset({"from", "in", "at", "of", "with", "de", "del", "en", "con", "on"})


def _adjacent(
    text: str,
    ws: Sequence[Word],
    k: int,
    items: Iterable[Found],
    *,
    strict: bool,
    possessive: bool = False,
) -> bool:
    """An identifier within three connecting words of token k (or a comma between them)."""
    for item in items:
        if abs(item.start - ws[k].start) > 200:
            continue  # far apart: not "next to" each other (and keeps long texts linear)
        if item.start >= ws[k].end:
            between = [w for w in ws[k + 1 : k + 6] if w.end <= item.start]
        elif item.end <= ws[k].start:
            between = [w for w in ws[max(0, k - 5) : k] if w.start >= item.end]
        else:
            continue
        if len(between) > 3:
            continue
        if any(fold(w.raw) not in _CONNECTORS for w in between) and not (
            not strict
            and (
                (item.end <= ws[k].start and _opens_next_sentence(text, item.end, ws[k]))
                or (possessive and item.start >= ws[k].end)  # "Maddie's picks as our librarian"
            )
        ):
            continue
        # An everyday word ("Hope", "Grant") is a name here only after a preposition
        # ("Hope from Elections") or in apposition after a comma ("Finanzas, Ana").
        if (
            strict
            and not any(fold(w.raw) in _PREPOSITIONS for w in between)
            and (between or item.start > ws[k].start or "," not in text[item.end : ws[k].start])
        ):
            continue
        return True
    return False


def _starts_item(word: Word, items: Iterable[Found]) -> bool:
    return any(f.start == word.start for f in items)


def _ends_item(word: Word, items: Iterable[Found]) -> bool:
    return any(f.end >= word.end and f.start <= word.start for f in items)


def _near(
    items: Sequence[Found], starts: Sequence[int], position: int, reach: int = 200
) -> list[Found]:
    """The identifiers within `reach` characters of a position (items are in text order)."""
    low = bisect.bisect_left(starts, position - reach)
    high = bisect.bisect_right(starts, position + reach)
    return list(items[low:high])


def _opens_next_sentence(text: str, after: int, word: Word) -> bool:
    """The word opens the sentence right after the one that ends with the identifier:
    "Ask our Security Engineer anything! Derek answers ..."."""
    gap = text[after : word.start]
    return len(re.findall(r"[.!?]+|\n+", gap)) == 1 and bool(re.search(r"(?:[.!?]+|\n)\s*$", gap))


def _widen(ws: Sequence[Word], first: int, last: int, kind: str) -> tuple[int, int]:
    """Take in the words the match skipped at its edges: "Senior Accountant", "Assessor's
    Office", "Departamento de Salud"."""
    edge = _SENIORITY if kind == "title" else _GENERIC_UNIT
    while last + 1 < len(ws) and ws[last + 1].norm in edge | {"department"}:
        last += 1
    while first > 0 and ws[first - 1].norm in edge:
        first -= 1
    if (
        kind != "title"
        and first > 1
        and ws[first - 1].norm in _FILLER
        and ws[first - 2].norm in _GENERIC_UNIT
    ):
        first -= 2  # "Department of Health", "Departamento de Salud"
    return ws[first].start, ws[last].end


def _strip_possessive(raw: str) -> str:
    for suffix in ("'s", "’s"):
        if raw.endswith(suffix):
            return raw[: -len(suffix)]
    return raw


def _name_key(raw: str) -> str:
    return fold(_strip_possessive(raw)).replace("’", "'")


def _everyday(ws: Iterable[Word]) -> bool:
    lists = name_lists()
    return all(lists.is_common(_name_key(w.raw)) for w in ws)


def _is_first(ws: Sequence[Word], i: int, person: Person, max_words: int) -> int | None:
    """The index where a first-name form of the person ends at token i begins, or None."""
    for n in range(max_words, 0, -1):
        start = i - n + 1
        if start < 0:
            continue
        form = " ".join(_name_key(w.raw) for w in ws[start : i + 1])
        if form in person.first_forms:
            return start
    return None
