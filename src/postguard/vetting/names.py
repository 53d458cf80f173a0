"""Names without a model: first-name and surname lists, nicknames, accent folding, and a name
spotter for social-media text that the small spaCy model misses (lowercase names, names at the
start of a post, honorifics, "my name is ...").

The lists are built by tools/build_name_lists.py from the US Census name lists and two public
domain dictionaries (to know which names are also everyday words: "Hope", "Will", "Grant").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

# A small table of English and Spanish nicknames: formal name -> the short forms people use.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "robert": ("bob", "bobby", "rob", "robbie", "bert"),
    "elizabeth": ("liz", "lizzie", "beth", "betty", "eliza", "libby", "betsy"),
    "william": ("bill", "billy", "will", "willie", "liam"),
    "richard": ("rick", "ricky", "dick", "rich", "richie"),
    "james": ("jim", "jimmy", "jamie"),
    "john": ("jack", "johnny"),
    "jonathan": ("jon", "jonny"),
    "michael": ("mike", "mikey", "mick"),
    "katherine": ("kate", "katie", "kathy", "kat", "kay"),
    "catherine": ("cathy", "kate", "katie", "cat"),
    "kathleen": ("kathy", "kate"),
    "margaret": ("maggie", "meg", "peggy", "marge"),
    "jennifer": ("jen", "jenny"),
    "christopher": ("chris", "kit"),
    "christine": ("chris", "chrissy", "tina"),
    "christina": ("chris", "tina"),
    "joseph": ("joe", "joey"),
    "thomas": ("tom", "tommy"),
    "daniel": ("dan", "danny"),
    "david": ("dave", "davey"),
    "matthew": ("matt",),
    "anthony": ("tony",),
    "andrew": ("andy", "drew"),
    "steven": ("steve",),
    "stephen": ("steve",),
    "edward": ("ed", "eddie", "ted", "ned"),
    "charles": ("charlie", "chuck"),
    "patricia": ("pat", "patty", "trish"),
    "patrick": ("pat", "paddy"),
    "alexander": ("alex", "sandy"),
    "alexandra": ("alex", "sandra"),
    "samuel": ("sam", "sammy"),
    "samantha": ("sam",),
    "benjamin": ("ben", "benny"),
    "nicholas": ("nick", "nicky"),
    "timothy": ("tim", "timmy"),
    "gregory": ("greg",),
    "jeffrey": ("jeff",),
    "kenneth": ("ken", "kenny"),
    "ronald": ("ron", "ronnie"),
    "donald": ("don", "donnie"),
    "douglas": ("doug",),
    "lawrence": ("larry",),
    "gerald": ("jerry",),
    "raymond": ("ray",),
    "peter": ("pete",),
    "susan": ("sue", "susie"),
    "deborah": ("deb", "debbie"),
    "rebecca": ("becky", "becca"),
    "victoria": ("vicky", "tori"),
    "jessica": ("jess", "jessie"),
    "abigail": ("abby",),
    "barbara": ("barb",),
    "dorothy": ("dot", "dottie"),
    "frances": ("fran",),
    "francis": ("frank",),
    "frederick": ("fred", "freddie"),
    "henry": ("hank", "harry"),
    "harold": ("harry",),
    "theodore": ("ted", "teddy", "theo"),
    "zachary": ("zach", "zack"),
    "nathaniel": ("nate", "nat"),
    "nathan": ("nate",),
    "vincent": ("vince", "vinny"),
    "philip": ("phil",),
    "phillip": ("phil",),
    "eugene": ("gene",),
    "leonard": ("leo", "len"),
    "cynthia": ("cindy",),
    "pamela": ("pam",),
    "judith": ("judy",),
    "sandra": ("sandy",),
    "teresa": ("terry", "tess"),
    "theresa": ("terry", "tess"),
    "josé": ("pepe",),
    "francisco": ("paco", "pancho", "curro"),
    "guadalupe": ("lupe",),
    "dolores": ("lola",),
    "concepción": ("concha", "conchita"),
    "ignacio": ("nacho",),
    "manuel": ("manolo", "manu"),
    "enrique": ("quique",),
    "jesús": ("chuy",),
    "alejandro": ("alex", "alejo"),
    "roberto": ("beto",),
    "alberto": ("beto",),
    "antonio": ("toño", "tony"),
    "rosario": ("charo",),
    "mercedes": ("meche",),
}

# A lowercase word after these is a thing: "across from the marina".
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those", "our", "your", "its"})
# Short forms are everyday words more often than names when written in lowercase ("dick").
_SHORT_FORMS = frozenset(short for shorts in NICKNAMES.values() for short in shorts)

HONORIFICS = frozenset(
    {
        "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "madam", "dame",
        "sr", "sra", "srta", "don", "doña", "dra", "señor", "señora", "señorita",
        "rev", "fr", "capt", "captain", "sgt", "officer", "det", "detective", "judge",
        "coach", "councilmember", "councilwoman", "councilman", "commissioner", "mayor",
        "senator", "rep", "gov", "governor", "director", "chief", "lt", "col", "gen",
        "superintendent", "principal", "sheriff", "deputy", "president", "dean", "nurse",
        "manager", "supervisor", "directora", "doctor", "doctora", "licenciado", "licenciada",
        "ingeniero", "ingeniera", "profesor", "profesora", "alcalde", "alcaldesa", "jefe",
        "jefa", "presidente", "presidenta", "concejal", "concejala",
    }
)  # fmt: skip

# Words that introduce a name: "my name is Ana", "thanks to Bob", "hola María".
_CUES_BEFORE = (
    "my name is", "my name's", "name is", "calls me", "call me", "called", "named",
    "hi", "hey", "hello", "dear", "thanks", "thank you", "congrats", "congratulations",
    "congratulations to", "congrats to", "welcome", "shoutout to", "shout out to", "ask",
    "with", "meet", "by", "me llamo", "soy", "hola", "gracias", "felicidades a",
    "felicitaciones a", "bienvenida", "bienvenido", "said", "says", "asked", "wrote",
    "kid", "son", "daughter", "wife", "husband", "friend", "partner", "brother", "sister",
    "mother", "father", "boss", "colleague", "neighbor", "neighbour", "teacher", "grandson",
    "granddaughter", "uncle", "aunt", "cousin", "nephew", "niece", "girlfriend", "boyfriend",
    "hijo", "hija", "esposa", "esposo", "amigo", "amiga", "mamá", "papá", "vecino", "vecina",
    "last name", "first name", "surname", "full name", "name", "nombre", "apellido",
)  # fmt: skip
# Capitalised words that are never names on their own in posts.
NOT_NAMES = frozenset(
    {
        "january", "february", "march", "april", "may", "june", "july", "august", "september",
        "october", "november", "december", "monday", "tuesday", "wednesday", "thursday",
        "friday", "saturday", "sunday", "god", "lord", "allah", "ok", "lol",
        "omg", "dude", "bro", "sis", "mom", "dad", "mum", "grandma", "grandpa", "baby", "honey",
        "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
        "octubre", "noviembre", "diciembre", "lunes", "martes", "miércoles", "jueves",
        "viernes", "sábado", "domingo", "dios", "feliz", "santa", "san", "team", "equipo",
        "virginia", "georgia", "carolina", "florida", "washington", "dakota", "indiana",
        "montana", "nevada", "alabama", "arizona", "tennessee", "kentucky", "maryland",
        "france", "germany", "austria", "spain", "italy", "portugal", "ireland", "england",
        "scotland", "wales", "cyprus", "greece", "denmark", "sweden", "norway", "finland",
        "iceland", "poland", "hungary", "czechia", "slovakia", "slovenia", "croatia", "serbia",
        "estonia", "latvia", "lithuania", "belgium", "netherlands", "switzerland", "luxembourg",
        "russia", "ukraine", "turkey", "israel", "egypt", "morocco", "tunisia", "nigeria",
        "kenya", "india", "china", "japan", "korea", "brazil", "argentina", "chile", "peru",
        "colombia", "mexico", "canada", "australia", "zealand", "uruguay", "paraguay",
        "bolivia", "ecuador", "venezuela", "cuba", "jamaica", "german", "french", "spanish",
        "italian", "english", "irish", "greek", "danish", "swedish", "finnish", "polish",
        "american", "canadian", "mexican", "brazilian", "chinese", "japanese", "korean",
        # social media's interjections and slang, capitalised at the start of a post
        "bruh", "brah", "bruv", "woah", "woaw", "whoa", "hurray", "hooray", "yay", "ps", "moi",
        "lmao", "lmfao", "rofl", "smh", "tbh", "idk", "omfg", "wtf", "yall", "aww", "haha",
        "hahaha", "lololol", "yass", "yasss", "ayy", "ayye", "fam", "homie",
    }
)  # fmt: skip
# Words that make a capitalised sequence a street, a place or a company, not a person.
PLACE_WORDS = frozenset(
    {
        "st", "street", "ave", "avenue", "rd", "road", "blvd", "boulevard", "dr", "drive", "ln",
        "lane", "way", "ct", "court", "pl", "place", "sq", "square", "suite", "apt", "pkwy",
        "parkway", "hwy", "highway", "bypass", "terrace", "crescent", "park", "hall", "county",
        "city", "inc", "llc", "ltd", "corp", "co", "foundation", "university", "college",
        "school", "hospital", "center", "centre", "library", "station", "airport", "bridge",
        "river", "lake", "mountain", "valley", "beach", "island", "bay", "calle", "avenida",
        "plaza", "paseo", "carrera", "colonia", "group", "orchestra", "band", "show", "channel",
        "office", "department", "dept", "division", "day", "festival", "fest", "fi", "wifi",
        "mill", "flat", "flats", "cove", "coves", "lines", "investments", "box",
        "fpo", "apo", "dpo", "psc", "crossing", "gardens", "heights", "ridge", "mews",
    }
)  # fmt: skip
# Honorifics written with a period that does not end a sentence ("Dr. Okafor").
ABBREVIATED_HONORIFICS = frozenset(
    {
        "mr", "mrs", "ms", "mx", "dr", "prof", "sr", "sra", "srta", "dra", "rev", "fr", "capt",
        "sgt", "det", "lt", "col", "gen", "gov", "rep", "st",
    }
)  # fmt: skip
# Words before a name that make it a place: "Lake Nelson", "Fort Lee", "San José".
PLACE_BEFORE = frozenset(
    {
        "los",  # "Los Angeles", "Las Vegas"
        "las",
        "lake",
        "mount",
        "mt",
        "fort",
        "ft",
        "port",
        "camp",
        "cape",
        "saint",
        "san",
        "santa",
        "st",
        "rua",
        "via",
        "calle",
        "avenida",
        "rue",
        "ul",
        "av",
        "corso",
        "viale",
        "praca",
        "plaza",
        "avenue",
        "street",
        "road",
    }
)
# Last words that make a capitalised sequence a place, a day or an office, never a person.
NEVER_LAST = frozenset(
    {
        "day", "office", "department", "dept", "festival", "fest", "fi", "wifi", "wi-fi", "road",
        "street",
        "avenue", "st", "rd", "ave", "blvd", "branch", "center", "centre", "hall", "school",
        "library", "station", "county", "city", "bridge", "foundation", "inc", "llc",
        # companies: "Otc Markets", "Roadify Transit", "Galorath Incorporated"
        "markets", "transit", "partners", "technologies", "incorporated", "corporation", "corp",
        "holdings", "systems", "solutions", "software", "labs", "ventures", "associates",
        "consulting", "analytics", "industries", "enterprises", "company", "group", "bank",
    }
)  # fmt: skip
# Function words that the name lists also hold as rare names ("Del", "Su", "Will").
FUNCTION_WORDS = frozenset(
    {
        "el", "la", "los", "las", "de", "del", "que", "y", "en", "su", "sus", "con", "por",
        "para", "una", "un", "es", "nuestro", "nuestra", "al", "se", "lo", "le", "muy", "más",
        "pero", "como", "este", "esta", "gracias", "hola", "usted", "ustedes", "nos", "les",
        "the", "a", "an", "and", "of", "to", "in", "is", "are", "for", "with", "on", "at", "our",
        "your", "we", "you", "this", "that", "it", "be", "will", "from", "by", "thanks", "or",
        "but", "so", "if", "as", "my", "me", "he", "she", "his", "her", "they", "them", "us",
    }
)  # fmt: skip
# Cues strong enough to make a lowercase word a name.
_NAMING_CUES = ("my name is", "my name's", "name is", "calls me", "call me", "me llamo")
_CUES_AFTER = (
    "says", "said", "told", "asked", "wrote", "tweeted", "dijo", "shouted", "yelled", "replied",
    "answered", "whispered", "laughed", "smiled", "cried", "lives", "lived", "began", "spent",
    "married", "graduated", "works", "worked", "studied", "believes", "thinks", "loves",
    "hates", "wants", "knows", "feels", "died", "retired", "joined", "vive", "trabaja",
    "looks", "sounds", "talks", "talked", "sings", "sang", "thought", "likes", "liked",
    "needs", "hugged", "kissed", "laughs", "smiles", "cries", "deserves", "deserved",
)  # fmt: skip

_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*\.?|\d+|[^\w\s]", re.UNICODE)
_SENTENCE_END = frozenset('.!?:;"“”()[]|…•-–—*>')


def fold(text: str) -> str:
    """Lowercase without accents: 'José' -> 'jose', so a dropped accent still matches."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _read_list(name: str) -> list[str]:
    text = resources.files("postguard.vetting").joinpath("data", name).read_text("utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


@dataclass(frozen=True, slots=True)
class NameLists:
    first: frozenset[str]  # folded first names
    frequent_first: frozenset[str]  # the few hundred most frequent ones
    ambiguous_first: frozenset[str]  # first names that are also everyday words
    last: frozenset[str]
    common: frozenset[str]  # everyday English words

    def is_first(self, folded: str) -> bool:
        return folded in self.first

    def is_common(self, folded: str) -> bool:
        """An everyday word, also inflected: "numbers", "fireworks", "hoped", "hoping"."""
        if folded in self.common:
            return True
        for suffix, replacement in (
            ("s", ""),
            ("es", ""),
            ("ies", "y"),
            ("ed", ""),
            ("ed", "e"),
            ("ing", ""),
            ("ing", "e"),
        ):
            stem = folded[: -len(suffix)]
            if folded.endswith(suffix) and len(stem) >= 3 and stem + replacement in self.common:
                return True
        return False


@cache
def name_lists() -> NameLists:
    """The shipped lists, read once per process (about 20 ms)."""
    first: set[str] = set()
    ambiguous: set[str] = set()
    frequent: set[str] = set()
    for line in _read_list("first_names.txt"):
        name = line.rstrip("*+")
        first.add(name)
        if line.endswith("*"):
            ambiguous.add(name)
        if "+" in line:
            frequent.add(name)
    for formal, shorts in NICKNAMES.items():
        first.add(fold(formal))
        first.update(fold(s) for s in shorts)
    common = frozenset(_read_list("common_words.txt"))
    ambiguous.update(n for n in first if n in common)
    frequent.update(fold(formal) for formal in NICKNAMES)
    return NameLists(
        frequent_first=frozenset(frequent),
        first=frozenset(first),
        ambiguous_first=frozenset(ambiguous),
        last=frozenset(_read_list("last_names.txt")),
        common=common,
    )


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int
    folded: str

    @property
    def is_word(self) -> bool:
        return self.text[0].isalpha()

    @property
    def is_title(self) -> bool:
        return self.text[0].isupper() and not (len(self.word) > 1 and self.word.isupper())

    @property
    def is_upper(self) -> bool:
        return len(self.word) > 1 and self.word.isupper()

    @property
    def is_lower(self) -> bool:
        return self.text[0].islower()

    @property
    def word(self) -> str:
        """The token without a trailing period or possessive."""
        word = self.text.rstrip(".")
        for suffix in ("'s", "’s"):
            if word.endswith(suffix):
                return word[: -len(suffix)]
        return word


def tokens(text: str) -> list[Token]:
    return [
        Token(m.group(), m.start(), m.end(), fold(m.group().rstrip(".")))
        for m in _TOKEN.finditer(text)
    ]


def _possessive_free(folded: str) -> str:
    for suffix in ("'s", "’s"):
        if folded.endswith(suffix):
            return folded[: -len(suffix)]
    return folded


def _sentence_start(text: str, toks: list[Token], i: int) -> bool:
    if i == 0:
        return True
    prev = toks[i - 1]
    if prev.text[-1] in _SENTENCE_END and not (
        prev.text.endswith(".") and prev.folded in HONORIFICS
    ):
        return True
    between = text[prev.end : toks[i].start]
    return "\n" in between


def _cue_before(toks: list[Token], i: int, cues: tuple[str, ...] = _CUES_BEFORE) -> bool:
    words = [t.folded for t in toks[max(0, i - 3) : i] if t.is_word]
    joined = " ".join(words)
    return any(joined == cue or joined.endswith(" " + cue) for cue in cues)


def _extend_lower(toks: list[Token], j: int, lists: NameLists) -> int:
    """After "my name is": one more lowercase word that is no everyday word is the surname."""
    if (
        j < len(toks)
        and toks[j].is_word
        and toks[j].is_lower
        and not lists.is_common(toks[j].folded)
        and toks[j].folded not in FUNCTION_WORDS
    ):
        return j + 1
    return j


def _cue_after(toks: list[Token], j: int) -> bool:
    return j < len(toks) and toks[j].folded in _CUES_AFTER


def find_names(text: str, lists: NameLists | None = None) -> Iterator[tuple[int, int]]:
    """Spans that look like people's names, by the name lists and the shape of the text."""
    lists = lists or name_lists()
    toks = tokens(text)
    letters = [ch for ch in text if ch.isalpha()]
    shouting = bool(letters) and sum(ch.isupper() for ch in letters) > 0.6 * len(letters)
    words = [t for t in toks if t.is_word]
    title_words = sum(1 for t in words if t.is_title)
    headline = len(words) >= 4 and title_words > 0.7 * len(words)
    i = 0
    found: list[tuple[int, int]] = []
    while i < len(toks):
        tok = toks[i]
        end = _name_at(text, toks, i, lists, shouting=shouting, headline=headline)
        if end is None:
            i += 1
            continue
        if end < len(toks) and _possessive_free(toks[end].folded) in PLACE_WORDS:
            i = end + 1  # "Kimberly Way", "Clark Foundation"
            continue
        span_end = toks[end - 1].start + len(toks[end - 1].word)
        first = i
        while first < end - 1 and _possessive_free(toks[first].folded) in HONORIFICS | {""}:
            first += 1  # the name, not the honorific: "Ms. Roefs" -> "Roefs"
        found.append((toks[first].start, span_end))
        i = end
    # A surname or first name seen in a full name counts alone later on ("... Smith said").
    parts = {
        fold(p)
        for s, e in found
        if " " in text[s:e]
        for p in text[s:e].split()
        if len(p.rstrip(".")) > 2
    }
    covered = {k for s, e in found for k in range(s, e)}
    for tok in toks:
        word = _possessive_free(tok.folded)
        if tok.is_title and word in parts and tok.start not in covered:
            found.append((tok.start, tok.start + len(tok.word)))
    yield from sorted(found)


def _name_at(
    text: str,
    toks: list[Token],
    i: int,
    lists: NameLists,
    *,
    shouting: bool,
    headline: bool,
) -> int | None:
    """The end (exclusive token index) of a name starting at token i, or None."""
    tok = toks[i]
    if not tok.is_word or (tok.start > 0 and text[tok.start - 1] in "@#"):
        return None
    word = _possessive_free(tok.folded)
    if word in PLACE_WORDS or word in FUNCTION_WORDS:
        return None
    if word in NOT_NAMES and not (  # "Georgia Whitcomb" is a name, "Georgia" alone a state
        lists.is_first(word)
        and tok.is_title
        and i + 1 < len(toks)
        and toks[i + 1].is_title
        and _possessive_free(toks[i + 1].folded) not in NOT_NAMES
        and (toks[i + 1].folded in lists.last or not lists.is_common(toks[i + 1].folded))
    ):
        return None
    if i > 0 and (toks[i - 1].text.isdigit() or toks[i - 1].folded in PLACE_BEFORE):
        return None  # "257 Thornton St", "Lake Nelson": places
    if _addressed(text, toks, i, lists):
        return i + 1
    cased = tok.is_title or (tok.is_upper and not shouting)
    if word in HONORIFICS and (
        tok.is_title or (tok.text.endswith(".") and word in ABBREVIATED_HONORIFICS)
    ):
        if tok.text.endswith(".") and word not in ABBREVIATED_HONORIFICS:
            return None  # "... Branch Manager. Twelve years": the sentence ended
        j = i + 1
        if j < len(toks) and toks[j].text == ".":
            j += 1
        if j < len(toks) and toks[j].is_word and toks[j].is_title:
            surname = _possessive_free(toks[j].folded)
            if (
                surname not in HONORIFICS
                and surname not in PLACE_WORDS
                and surname not in FUNCTION_WORDS
                and (surname in lists.last or not lists.is_common(surname))
            ):
                return _extend(toks, j + 1, lists, lowercase=False)
        return None
    if not lists.is_first(word):
        if (
            tok.is_title
            and not lists.is_common(word)
            and (_cue_before(toks, i) or _cue_after(toks, i + 1) or _described(text, toks, i))
            and len(word) > 2
        ):
            return _extend(toks, i + 1, lists, lowercase=False)
        if (
            tok.is_lower
            and len(word) > 2
            and not lists.is_common(word)
            and word not in FUNCTION_WORDS
            and _cue_before(toks, i, _NAMING_CUES)
        ):
            return _extend_lower(toks, i + 1, lists)  # "my name is borna jerković"
        return None
    ambiguous = word in lists.ambiguous_first
    nxt = _extend(toks, i + 1, lists, lowercase=not cased)
    has_surname = nxt > i + 1
    if cased:
        if not ambiguous:
            if headline and not has_surname and not _cue_before(toks, i):
                return None
            return nxt
        if has_surname and not lists.is_common(_possessive_free(toks[i + 1].folded)):
            return nxt
        if _cue_before(toks, i) or _cue_after(toks, nxt):
            return nxt
        if (
            tok.is_title
            and not headline
            and not _sentence_start(text, toks, i)
            and not (i > 0 and toks[i - 1].is_word and toks[i - 1].is_title)
            and not (i + 1 < len(toks) and toks[i + 1].is_word and toks[i + 1].is_title)
        ):
            return nxt  # mid-sentence capitals: "Kevin had given Alma his address"
        return None
    if (
        tok.is_lower
        and not ambiguous
        and (word in lists.frequent_first or (len(word) > 3 and word not in _SHORT_FORMS))
        and len(word) > 2
        and not text.startswith("-", tok.end)
        and not (i > 0 and toks[i - 1].folded in _DETERMINERS)
        and not lists.is_common(word)
    ):
        return nxt  # lowercase names of social media: only the frequent ones ("emma", "ryan")
    return None


# After "Name," at the start of a sentence: the name is the one spoken to ("Cora, can I ...").
_ADDRESS_FOLLOW = frozenset(
    {
        "can", "could", "would", "will", "please", "you", "your", "you're", "i", "i'm", "thank",
        "thanks", "we", "do", "did", "are", "have", "what", "how", "why", "where", "when",
        "congrats", "congratulations", "happy", "welcome", "puedes", "gracias", "por",
    }
)  # fmt: skip


def _addressed(text: str, toks: list[Token], i: int, lists: NameLists) -> bool:
    """A word that opens a sentence as its speaker ("Zuzana: Who are you?") or as the one
    spoken to ("Warrane, can I please speak to your boss?"), and is no everyday word."""
    tok = toks[i]
    word = _possessive_free(tok.folded)
    if (
        len(word) < 3
        or tok.is_upper
        or i + 2 >= len(toks)
        or word in HONORIFICS
        or word in NOT_NAMES
        or re.search(r"(.)\1\1", word)  # "Aaawww, I was looking forward to it"
        or (lists.is_common(word) and (word not in lists.first or word in lists.ambiguous_first))
        or not _sentence_start(text, toks, i)
    ):
        return False
    mark, after = toks[i + 1], toks[i + 2]
    if text[tok.end : mark.start] not in ("", " ") or text[mark.end : after.start] != " ":
        return False  # "Name:", "Name," (or "Name ," as tokenized text has it), one space after
    if mark.text == ":":
        # Speech follows: a quote, or three words ("Passphrase: River$560!" is no speech).
        spoken = toks[i + 2 : i + 5]
        return after.text[:1] in "\"“'" or (
            len(spoken) == 3 and all(t.is_word for t in spoken) and after.text[:1].isupper()
        )
    return mark.text == "," and after.folded in _ADDRESS_FOLLOW


_IS = frozenset({"is", "was"})
_HIS_HER = frozenset({"his", "her", "himself", "herself"})
# After "X is": what describes a person rather than defines a thing ("Coden is a design agency").
_NOT_A_DESCRIPTION = frozenset(
    {
        "a", "an", "the", "one", "not", "also", "now", "available", "back", "open", "closed",
        "here", "coming", "out", "over", "on", "off", "due", "free", "live", "located", "held",
        "scheduled", "canceled", "cancelled", "postponed", "sold", "full", "included",
    }
)  # fmt: skip


def _described(text: str, toks: list[Token], i: int) -> bool:
    """An unknown word opening a sentence and described as people are ("Shovda is very
    reliable", "Luiza is from Xignite"), not defined as things are ("Coden is a design agency")."""
    if not _sentence_start(text, toks, i) or i + 2 >= len(toks):
        return False
    verb, after = toks[i + 1], toks[i + 2]
    if verb.is_word and verb.is_lower and after.folded in _HIS_HER:
        return True  # "Pyrion continues his streak": a verb, then the person's own pronoun
    return (
        verb.folded in _IS
        and after.is_word
        and after.is_lower
        and after.folded not in _NOT_A_DESCRIPTION
    )


def _extend(toks: list[Token], j: int, lists: NameLists, *, lowercase: bool) -> int:
    """Absorb middle initials and surnames after a first name."""
    while j < len(toks):
        tok = toks[j]
        if not tok.is_word:
            break
        if j > 0 and toks[j - 1].text.endswith(".") and len(toks[j - 1].word) > 1:
            break  # "in Madison. No injuries": a sentence ended
        word = _possessive_free(tok.folded)
        if tok.is_title and len(tok.word) == 1:  # middle initial "P." or "P"
            j += 1
            continue
        if word in {"van", "von", "de", "del", "da", "di", "la", "le", "der", "den", "y"} and (
            j + 1 < len(toks) and toks[j + 1].is_title
        ):
            j += 1
            continue
        if tok.is_title and (word in lists.last or not lists.is_common(word)):
            if word in HONORIFICS or word in PLACE_WORDS or word in NOT_NAMES:
                break
            j += 1
            if tok.text.endswith(("'s", "’s")):
                break
            continue
        if lowercase and tok.is_lower and word in lists.last and not lists.is_common(word):
            j += 1
            continue
        break
    return j
