"""Per-rule precision and recall of Postguard's engine on the labelled set.

    python -m benchmarks.rules

A finding counts when it has the gold's rule id and overlaps its span by at least one character.
Gold spans that share a group (an employee's name and the identifiers exposing them) are one
finding: found once if any of them is hit, and every finding overlapping any of them is correct.
Every miss and every false positive is listed in benchmarks/results/rules-misses.md.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.engine_setup import build_engine, declared_rule_ids, org_context
from benchmarks.labelled import POSTS, RULE_IDS, LabelledPost, load_posts
from benchmarks.report import Floor, Section, fmt

RESULTS = Path(__file__).parent / "results"
MISSES = RESULTS / "rules-misses.md"
JSON_OUT = RESULTS / "rules.json"

FLOOR_IDENTITY = 0.97
FLOOR_OTHER = 0.95


@dataclass(frozen=True, slots=True)
class Found:
    rule: str
    start: int
    end: int
    text: str
    message: str


@dataclass(slots=True)
class RuleScore:
    units: int = 0  # gold findings (groups count once)
    found_units: int = 0
    findings: int = 0
    correct_findings: int = 0
    misses: list[tuple[LabelledPost, list[tuple[int, int]]]] = field(default_factory=list)
    false_positives: list[tuple[LabelledPost, Found]] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.correct_findings / self.findings if self.findings else None

    @property
    def recall(self) -> float | None:
        return self.found_units / self.units if self.units else None


def vet_all(engine: Any, posts: list[LabelledPost]) -> tuple[dict[str, list[Found]], float]:
    """Vet every post: single-post mode, except history groups, vetted in order in batch mode."""
    from postguard.vetting.post import Platform, Post

    contexts: dict[str, Any] = {}
    histories: dict[str, Any] = {}
    results: dict[str, list[Found]] = {}
    started = time.perf_counter()
    for post in posts:
        if post.history:
            if post.history not in histories:
                histories[post.history] = org_context(post.org, track_history=True)
            ctx = histories[post.history]
        else:
            if post.org not in contexts:
                contexts[post.org] = org_context(post.org)
            ctx = contexts[post.org]
        platforms = (Platform(post.platform),) if post.platform else ()
        report = engine.vet(Post(text=post.text, platforms=platforms, id=post.id), ctx)
        results[post.id] = [
            Found(f.rule, f.start, f.end, f.text, f.message)
            for f in report.findings
            if f.image is None
        ]
    return results, time.perf_counter() - started


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score(posts: list[LabelledPost], found: dict[str, list[Found]]) -> dict[str, RuleScore]:
    scores: dict[str, RuleScore] = defaultdict(RuleScore)
    for post in posts:
        units: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        for gold in post.gold:
            units[(gold.rule, gold.group or f"{gold.start}-{gold.end}")].append(
                (gold.start, gold.end)
            )
        findings = found.get(post.id, [])
        for (rule, _), spans in units.items():
            scores[rule].units += 1
            hit = any(
                f.rule == rule and any(_overlaps((f.start, f.end), s) for s in spans)
                for f in findings
            )
            if hit:
                scores[rule].found_units += 1
            else:
                scores[rule].misses.append((post, spans))
        for finding in findings:
            scores[finding.rule].findings += 1
            gold_spans = [(g.start, g.end) for g in post.gold if g.rule == finding.rule]
            if any(_overlaps((finding.start, finding.end), s) for s in gold_spans):
                scores[finding.rule].correct_findings += 1
            else:
                scores[finding.rule].false_positives.append((post, finding))
    return scores


def _context(text: str, start: int, end: int, width: int = 60) -> str:
    left = max(0, start - width)
    right = min(len(text), end + width)
    snippet = f"{text[left:start]}⟦{text[start:end]}⟧{text[end:right]}"
    return snippet.replace("\n", " ⏎ ").replace("|", "\\|")


def write_misses(scores: dict[str, RuleScore], path: Path = MISSES) -> None:
    lines = [
        "# Rule benchmark: every miss and false positive",
        "",
        "Written by `python -m benchmarks.rules`. ⟦ ⟧ marks the span; the post's note says why it",
        "is in the set. Gold comes from `benchmarks/data/src/*.txt` and `benchmarks/generate.py`.",
        "",
    ]
    for rule in sorted(scores, key=lambda r: (r not in RULE_IDS, r)):
        result = scores[rule]
        if not result.misses and not result.false_positives:
            continue
        lines.append(
            f"## {rule}: {len(result.misses)} missed, {len(result.false_positives)} false positives"
        )
        lines.append("")
        if result.misses:
            lines += [
                "### missed (gold not found)",
                "",
                "| post | gold in context | note |",
                "|---|---|---|",
            ]
            for post, spans in result.misses:
                shown = " / ".join(_context(post.text, s, e) for s, e in spans)
                lines.append(f"| {post.id} | {shown} | {post.note} |")
            lines.append("")
        if result.false_positives:
            lines += [
                "### false positives (found, not in gold)",
                "",
                "| post | finding in context | message | note |",
                "|---|---|---|---|",
            ]
            for post, finding in result.false_positives:
                shown = _context(post.text, finding.start, finding.end)
                message = finding.message.replace("|", "\\|").replace("\n", " ")
                lines.append(f"| {post.id} | {shown} | {message} | {post.note} |")
            lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run() -> Section:
    posts = load_posts(POSTS)
    built = build_engine()
    header = (
        f"Labelled set: {len(posts)} posts "
        f"({sum(1 for p in posts if p.org == 'madison-county')} Madison County, "
        f"{sum(1 for p in posts if p.org == 'harbor-point-cu')} Harbor Point Credit Union), "
        f"{sum(len(p.gold) for p in posts)} gold spans. "
    )
    if built.engine is None:
        text = header + "**Not run**: missing " + "; ".join(built.missing) + "."
        unmeasured = [Floor("every rule P and R", "not measured", "≥ 0.95 (identity ≥ 0.97)", None)]
        print(text)
        return Section("rules", text, unmeasured)
    found, seconds = vet_all(built.engine, posts)
    scores = score(posts, found)
    declared = declared_rule_ids(built.engine)
    write_misses(scores)
    rows = [
        "| rule | gold | findings | found | missed | false pos. | precision | recall | floor "
        "| met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    floors: list[Floor] = []
    summary: dict[str, Any] = {}
    for rule in RULE_IDS:
        result = scores.get(rule, RuleScore())
        floor = FLOOR_IDENTITY if rule == "identity.exposure" else FLOOR_OTHER
        p, r = result.precision, result.recall
        if rule not in declared:
            met: bool | None = None
            status = "not declared by the engine"
        else:
            # A rule with no findings at all has no precision to speak of: treat as 0.
            met = (p or 0.0) >= floor and (r or 0.0) >= floor
            status = "yes" if met else "**no**"
        rows.append(
            f"| {rule} | {result.units} | {result.findings} | {result.found_units} | "
            f"{len(result.misses)} | {len(result.false_positives)} | {fmt(p)} | {fmt(r)} | "
            f"{floor:.2f} | {status} |"
        )
        floors.append(Floor(f"{rule} P / R", f"{fmt(p)} / {fmt(r)}", f"≥ {floor:.2f}", met))
        summary[rule] = {
            "gold": result.units,
            "findings": result.findings,
            "found": result.found_units,
            "precision": p,
            "recall": r,
            "declared": rule in declared,
        }
    extra = sorted(set(scores) - set(RULE_IDS))
    for rule in extra:
        result = scores[rule]
        rows.append(
            f"| {rule} (not labelled) | 0 | {result.findings} | 0 | 0 | "
            f"{len(result.false_positives)} | {fmt(result.precision)} | n/a | n/a | n/a |"
        )
    _ = _unlabelled_declared(declared)
    holdout_rows: list[str] = []
    for split in sorted({p.split for p in posts} - {"main"}):
        split_posts = [p for p in posts if p.split == split]
        held_scores = score(split_posts, found)
        holdout_rows += [
            f"Held out, `benchmarks/data/{split}/`: {len(split_posts)} posts written after the "
            "rules were tuned on the rest (see above for when each was first measured). "
            "Included above; alone:",
            "",
            "| rule | gold | findings | precision | recall |",
            "|---|---|---|---|---|",
        ]
        for rule in RULE_IDS:
            held = held_scores.get(rule)
            if held is None:
                continue
            holdout_rows.append(
                f"| {rule} | {held.units} | {held.findings} | {fmt(held.precision)} | "
                f"{fmt(held.recall)} |"
            )
            summary[rule][split] = {
                "gold": held.units,
                "findings": held.findings,
                "precision": held.precision,
                "recall": held.recall,
            }
        holdout_rows.append("")
    rate = len(posts) / seconds if seconds else 0.0
    met_count = sum(1 for f in floors if f.met)
    text = "\n".join(
        [
            header
            + f"Vetted in {seconds:.2f} s ({rate:.0f} posts/s, one post per call, names on).",
            "",
            *(["Name detection: " + "; ".join(built.notices), ""] if built.notices else []),
            *(["Missing: " + "; ".join(built.missing), ""] if built.missing else []),
            f"Floors met: {met_count} of {len(floors)} rule ids. Every miss and false positive: "
            "[results/rules-misses.md](results/rules-misses.md).",
            "",
            *rows,
            "",
            *holdout_rows,
        ]
    )
    JSON_OUT.write_text(
        json.dumps({"posts": len(posts), "seconds": seconds, "rules": summary}, indent=2) + "\n",
        encoding="utf-8",
    )
    print(text)
    return Section("rules", text, floors)


def _unlabelled_declared(declared: set[str]) -> list[str]:
    return sorted(declared - set(RULE_IDS))


def main() -> int:
    run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
