"""identity.exposure: an employee named with a second identifier, exact spans, and the words
that are also names."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postguard.policy.schema import Policy
from postguard.vetting.engine import Engine
from postguard.vetting.findings import Severity, Verdict
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Post
from postguard.vetting.rules.identity_exposure import IdentityExposureRule
from tests.vetting.identity_support import POLICY, context

RULE = IdentityExposureRule()


def exposures(text: str) -> list[tuple[str, list[str]]]:
    """(name mention, [identifier texts]) for every hit, each span checked against the text."""
    out = []
    for hit in RULE.check(Post(text), Analysis(text), context()):
        assert hit.rule == "identity.exposure"
        identifiers = hit.evidence["identifiers"]
        for item in identifiers:
            assert text[item["start"] : item["end"]] == item["text"]
        out.append((text[hit.start : hit.end], [i["text"] for i in identifiers]))
    return out


POSITIVES = [
    # full name + title
    ("Shoutout to Jane Smith, our Senior Accountant!", [("Jane Smith", ["Senior Accountant"])]),
    # "Accounting" vs "the accounting department"
    ("Jane Smith from the accounting department", [("Jane Smith", ["accounting department"])]),
    ("Jane Smith from Accounting won an award", [("Jane Smith", ["Accounting"])]),
    # preferred name, nickname from the table (Rob for Robert), possessive
    (
        "Big thanks to Bob Kowalski and the Assessor's Office",
        [("Bob Kowalski", ["Assessor's Office"])],
    ),
    ("Rob Kowalski, Deputy Assessor, hosts a Q&A", [("Rob Kowalski", ["Deputy Assessor"])]),
    ("Jane Smith's team in Accounting", [("Jane Smith", ["Accounting"])]),
    # initial + surname, honorific + surname, own title + surname
    ("J. Smith of Accounting says hi", [("J. Smith", ["Accounting"])]),
    ("Ms. Smith, our senior accountant", [("Ms. Smith", ["senior accountant"])]),
    (
        '"Get your flu shot," says Dr. Okafor, our Health Director.',
        [("Dr. Okafor", ["Health Director"])],
    ),
    ("Director Okafor opened the Health Center", [("Director Okafor", ["Health Center"])]),
    ("Mr. Grant, our stormwater engineer, will attend", [("Mr. Grant", ["stormwater engineer"])]),
    # split across sentences and lines
    ("Meet Jane Smith. She has been in Accounting for years.", [("Jane Smith", ["Accounting"])]),
    (
        "Employee spotlight\nSunny Patel\nRecreation Coordinator",
        [("Sunny Patel", ["Recreation Coordinator"])],
    ),
    # dropped accents, any case
    ("Jose Nunez, building inspector, explains", [("Jose Nunez", ["building inspector"])]),
    ("MEET HOPE RAMIREZ, ELECTIONS TECHNICIAN", [("HOPE RAMIREZ", ["ELECTIONS TECHNICIAN"])]),
    ("thanks to hope ramirez from the elections office", [("hope ramirez", ["elections office"])]),
    # phone in any format, office written differently, work email
    ("Call Will Foster directly at 555.010.2007", [("Will Foster", ["555.010.2007"])]),
    ("Jane Smith is in Rm. 214 today", [("Jane Smith", ["Rm. 214"])]),
    ("Bob Kowalski moved to Building 2", [("Bob Kowalski", ["Building 2"])]),
    ("Ask José Núñez at jose.nunez@example.gov.", [("José Núñez", ["jose.nunez@example.gov"])]),
    # a first name alone: unique and next to the person's own department or title
    ("Thanks to Ahmed in Information Technology", [("Ahmed", ["Information Technology"])]),
    (
        "Our Youth Services Librarian Maddie reads on Tuesdays",
        [("Maddie", ["Youth Services Librarian"])],
    ),
    ("Hope from the Elections Office tested every machine", [("Hope", ["Elections Office"])]),
    # title before the name; the IT acronym
    (
        "Our Fleet Mechanic Mark Jensen kept the plows running",
        [("Mark Jensen", ["Fleet Mechanic"])],
    ),
    ("Ahmed Siddiqui (IT) fixed the Wi-Fi", [("Ahmed Siddiqui", ["IT"])]),
    # two employees in one post
    (
        "Congratulations to Jane Smith of Accounting and Grant Holloway of Public Works",
        [("Jane Smith", ["Accounting"]), ("Grant Holloway", ["Public Works"])],
    ),
    # a work email: at another of the organization's domains, or standing in for the name
    (
        "Card questions: Jane Smith, jane.smith@mc.example.org",
        [("Jane Smith", ["jane.smith@mc.example.org"])],
    ),
    (
        "Accounting questions? jane.smith@example.gov answers them.",
        [("jane.smith@example.gov", ["Accounting"])],
    ),
    # a unique first name next to the person's phone, or opening the sentence after their title
    ("Wi-Fi down? Call IT.\nAsk for Ahmed:\n555-010-2009", [("Ahmed", ["IT", "555-010-2009"])]),
    (
        "Ask our Systems Administrator anything! Ahmed answers at noon.",
        [("Ahmed", ["Systems Administrator"])],
    ),
    (
        "Thanks, Ahmed! Our Information Technology team says the Wi-Fi is back.",
        [("Ahmed", ["Information Technology team"])],
    ),
    (
        "Maddie's picks as our youth services librarian: three novels",
        [("Maddie", ["youth services librarian"])],
    ),
    (
        "Ahmed, one of our Information Technology staff, fixed it",
        [("Ahmed", ["Information Technology"])],
    ),
    # Spanish
    (
        "Visite a Lisa Nguyen en la sucursal Ghent para abrir su cuenta.",
        [("Lisa Nguyen", ["sucursal Ghent"])],
    ),
    ("Les presentamos a Lisa Nguyen, nuestra cajera.", [("Lisa Nguyen", ["cajera"])]),
    ("Juan Pérez de Contabilidad ganó el premio", [("Juan Pérez", ["Contabilidad"])]),
    (
        "la directora de Finanzas, Ana, presentó el presupuesto",
        [("Ana", ["directora de Finanzas"])],
    ),
    (
        "Gracias a Faith Okafor, del Departamento de Salud",
        [("Faith Okafor", ["Departamento de Salud"])],
    ),
    ("Mike Grant, de Obras Públicas, llega mañana", [("Mike Grant", ["Obras Públicas"])]),
]


@pytest.mark.parametrize(("text", "expected"), POSITIVES)
def test_catches_an_employee_named_with_a_second_identifier(
    text: str, expected: list[tuple[str, list[str]]]
) -> None:
    assert exposures(text) == expected


NEGATIVES = [
    "Happy retirement, Grant Holloway! Thirty-one years on our roads.",  # name alone
    "Accounting closes early on Friday.",  # department alone
    "Jane Smith joined the Public Works crew at the cleanup.",  # another department
    "Parks Director Dana Whitfield cut the ribbon.",  # a consenting participant
    "Follow @DanaAtParks for Parks and Recreation news.",  # the participant's handle
    "Linda Park from Marketing won the raffle.",  # not in the directory
    "Jane Doe from Accounting won the raffle.",  # not in the directory (first name shared)
    "We hope you'll join us! A state grant funds the trail, and we have faith in it.",
    "Madison County Library Services is extending the grace period on overdue books.",
    "Sunny day ahead! Parks and Recreation has the splash pad open.",
    "Grant funding from the state lets Public Works repave Route 609.",
    "Will your bill be late? Mark your calendars: Animal Services closes at noon.",
    "Bill payment is due Friday; Animal Services accepts cards.",
    "Faith leaders and the Health Department met today.",
    "The Elections Office and Project Hope Food Pantry are partnering.",
    "We will foster kittens at the Animal Shelter this spring.",  # "will foster" is no name
    "Lisa from Member Services helped me.",  # Lisa is not unique
    "Michael from Public Works fixed it.",  # Michael is not unique
    "Jane Smith cheered on the Wolftown Branch team.",  # an office that is not hers
    "Questions? Write to jane.smith@example.gov.",  # an address alone
    "Jane Smith at jane.smith@gmail.com",  # not her work address
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_lets_through_words_that_are_names_and_single_identifiers(text: str) -> None:
    assert exposures(text) == []


def test_message_names_the_employee_and_identifiers_and_suggestion_keeps_one() -> None:
    text = "Shoutout to Jane Smith, our Senior Accountant in Room 214!"
    (hit,) = RULE.check(Post(text), Analysis(text), context())
    assert "Jane Smith" in hit.message
    assert "title (Senior Accountant)" in hit.message
    assert "office (Room 214)" in hit.message
    assert hit.suggestion.startswith(
        "Keep one identifier: say 'Jane Smith' without the office and title"
    )
    assert hit.evidence["employee"] == "Jane Smith"
    assert hit.evidence["name"] == {
        "start": 12,
        "end": 22,
        "text": "Jane Smith",
        "how": "full name",
    }


def test_engine_blocks_and_the_policy_can_lower_or_turn_it_off() -> None:
    text = "Jane Smith from Accounting won an award"
    engine = Engine([RULE])
    report = engine.vet(Post(text), context())
    assert report.verdict is Verdict.BLOCK
    assert [(f.rule, f.severity, f.start, f.end, f.text) for f in report.findings] == [
        ("identity.exposure", Severity.BLOCK, 0, 10, "Jane Smith")
    ]
    relaxed = Policy(
        organization="Madison County",
        domains=("example.gov",),
        rules={"identity.exposure": "review"},
    )
    assert engine.vet(Post(text), context(relaxed)).verdict is Verdict.REVIEW
    off = Policy(
        organization="Madison County", domains=("example.gov",), rules={"identity.exposure": "off"}
    )
    assert engine.vet(Post(text), context(off)).findings == ()


def test_no_directory_means_no_findings() -> None:
    from postguard.vetting.context import VettingContext

    text = "Jane Smith from Accounting"
    ctx = VettingContext.from_policy(POLICY, ())
    assert list(RULE.check(Post(text), Analysis(text), ctx)) == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=20),
            st.sampled_from(
                [
                    "Jane Smith",
                    "Accounting",
                    "J.",
                    "Ms.",
                    "Ahmed",
                    " in ",
                    "IT",
                    "'s",
                    "\n",
                    "555-010-2000",
                    "jane.smith@example.gov",
                    "José",
                    "\u200d",
                    "\u0301",
                    "ي",
                    "Room 214",
                    "@DanaAtParks",
                    ", ",
                    "Hope",
                    "from",
                    "!",
                ]
            ),
        ),
        max_size=30,
    )
)
def test_any_text_never_crashes_and_spans_index_it(parts: list[str]) -> None:
    text = "".join(parts)
    for hit in RULE.check(Post(text), Analysis(text), context()):
        assert 0 <= hit.start < hit.end <= len(text)
        for item in hit.evidence["identifiers"]:
            assert text[item["start"] : item["end"]] == item["text"]
