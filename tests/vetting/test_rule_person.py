"""pii.person: names of people who are not in the directory, through the real name finder, and
the rule's own filtering with a stub analysis (exact spans)."""

from __future__ import annotations

import pytest

from postguard.vetting.engine import Engine
from postguard.vetting.findings import Severity, Verdict
from postguard.vetting.nlp import Analysis, Entity, NoNameFinder
from postguard.vetting.post import Post
from postguard.vetting.rules.pii_person import PersonNameRule
from tests.vetting.identity_support import context, name_finder

RULE = PersonNameRule()


def people(text: str) -> list[str]:
    analysis = name_finder().analyse(text)
    return [text[h.start : h.end] for h in RULE.check(Post(text), analysis, context())]


WITH_MODEL = [
    (
        "Congratulations to Tyrone Jackson and Emily Sato, our scholarship winners!",
        ["Tyrone Jackson", "Emily Sato"],
    ),
    ("Welcome to our new board member Dr. Alicia Romero, a professor.", ["Alicia Romero"]),
    ("Thank you to Carlos Mendoza and Linda Park for the coats.", ["Carlos Mendoza", "Linda Park"]),
    ("Happy 102nd birthday to our longest-standing member, Harold Finch!", ["Harold Finch"]),
    ("Congratulations to Georgia Whitcomb, winner of the blue ribbon!", ["Georgia Whitcomb"]),
    ("Sunny skies for the fun run! Mark Saturday on your calendar.", []),
    ("my name is borna jerković but everyone calls me borna", ["borna jerković", "borna"]),
    # employees are identity.exposure's business; the organization's name is no person
    ("Jane Smith and Grant Holloway cut the ribbon.", []),
    ("Madison County thanks everyone who came out.", []),
    ("Follow @DanaAtParks and @tyrone for updates", []),
    # words that are names, places and acronyms
    ("We hope you'll join us! Mark your calendars for the grace period.", []),
    ("Crappie are biting at Lake Nelson this weekend.", []),
    ("Guest Wi-Fi password is posted in the lobby. RSVP by Friday.", []),
    ("Call the Sheriff's Office at 911.", []),
    ("¿Problemas con su tarjeta? Déjenos su número de socio en los comentarios.", []),
    # pasted signatures and forms: quoted lines and "???" fields are cut apart
    (">Ella H. Snider >Otc Markets >228 Ringvej 144", ["Ella H. Snider"]),
    ("Freja Clausen ??? Opencounter ??? 83854 Strickstrasse 61", ["Freja Clausen"]),
    # surnames joined the way firms are named are a firm; first names in a list are people
    ("The Davis, Reynolds and Williamson Orchestra was founded in 1977.", []),
    ("Thanks to the team at Owens, Duran and Oneal for the donation.", []),
    ("I work for Ellis-Ingram now.", []),
    ("Congratulations to Ana Ruiz-Soto on her retirement.", ["Ana Ruiz-Soto"]),
    (
        "They had 6: Hleb, Sheila, Donna, Sherry, Donald and Shane.",
        ["Hleb", "Sheila", "Donna", "Sherry", "Donald", "Shane"],
    ),
    # a listed surname capitalised mid-sentence, even when it is also a word ("morales")
    ("We all agreed that Morales was the best coach this season.", ["Morales"]),
    ("Mrs. Schwarz flew to Coles on Sunday morning.", ["Schwarz"]),
    ("But Morales is the best coach we ever had.", ["Morales"]),
    # a name that is also a word, opening a sentence: a person only when one follows
    ("Ann is one of the kindest volunteers we have.", ["Ann"]),
    ("Bill is due on the 15th.", []),
    ("Grant is available for nonprofits until May.", []),
    ("Chase is closed on Monday.", []),
    # an unknown word opening a sentence, described as people are, not defined as things are
    ("Okonkwo is very reliable and always on time.", ["Okonkwo"]),
    ("Zendesk is a help desk tool.", []),
    ("Harborfest is back this weekend!", []),
    ("Nikolaidis continues his streak of perfect attendance.", ["Nikolaidis"]),
    ("Marta Palermo - Head of Volunteers", ["Marta Palermo"]),
    ("Drove to Los Angeles with Maria Lopez", ["Maria Lopez"]),
    ("Bruh the line at the DMV is long today", []),
    # social media: lowercase names, but not a thing after "the"; shouting; other languages
    ("so proud of diego today", ["diego"]),
    ("Parking is right across from the marina.", []),
    ("where's kishan? haven't seen him all week", ["kishan"]),
    ("shoutout to rohan mehta for the photos", ["rohan mehta"]),
    ("mehmood sahab never said a bad word", ["mehmood sahab"]),
    ("YASSSSS the library is open late tonight!", []),
    ("Lom zem thiab muaj ntau yam kawm kawg. Keep up the good work!", []),
    # the one spoken to, and a speaker; never an everyday word in those places
    ("Warrane, can I please speak to your boss?", ["Warrane"]),
    ("Zuzana: Who are you? Halldór: Your new neighbour.", ["Zuzana", "Halldór"]),
    ("Network: Guest. Passphrase: River$560!", []),
    ("Note: the office is closed Monday.", []),
    ("Hope, you are welcome to join us.", []),
]


@pytest.mark.parametrize(("text", "expected"), WITH_MODEL)
def test_names_of_people_outside_the_directory(text: str, expected: list[str]) -> None:
    assert people(text) == expected


def _stub(text: str, *names: str) -> Analysis:
    entities = []
    for name in names:
        start = text.index(name)
        entities.append(Entity("PERSON", start, start + len(name), name))
    return Analysis(text=text, entities=tuple(entities))


def test_trims_possessives_and_honorifics_and_skips_employees_with_a_stub_analysis() -> None:
    text = "Kim Daniels's question and Dr. Ruth Alvarez's answer, with Jane Smith and Dr."
    analysis = _stub(text, "Kim Daniels's", "Dr. Ruth Alvarez's", "Jane Smith", "Dr.")
    hits = list(RULE.check(Post(text), analysis, context()))
    assert [(h.start, h.end, text[h.start : h.end]) for h in hits] == [
        (0, 11, "Kim Daniels"),
        (27, 43, "Dr. Ruth Alvarez"),
    ]
    assert "Kim Daniels" in hits[0].message
    assert hits[0].suggestion == (
        "Make sure Kim Daniels agreed to be named in public, or leave the name out."
    )


def test_warns_without_changing_the_verdict() -> None:
    text = "Congratulations to Tyrone Jackson!"
    report = Engine([RULE], name_finder=name_finder()).vet(Post(text), context())
    assert report.verdict is Verdict.PASS
    assert [(f.rule, f.severity, f.text) for f in report.findings] == [
        ("pii.person", Severity.WARN, "Tyrone Jackson")
    ]
    assert report.notices == ()


def test_without_a_model_finds_nothing_and_says_name_detection_is_off() -> None:
    report = Engine([RULE], name_finder=NoNameFinder()).vet(
        Post("Congratulations to Tyrone Jackson!"), context()
    )
    assert report.findings == ()
    assert report.notices == ("name detection is off: no spaCy model is installed",)
