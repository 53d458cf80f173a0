"""Vanilla Presidio against Postguard's engine, side by side, in one run on this machine.

    python -m benchmarks.presidio_compare

Data: ../shared/data (presidio-research's synthetic set, WNUT-17 test). Presidio runs with the
same spaCy model as Postguard, its default recognizers and its own conf/default.yaml (only the
model name replaced). A detection counts when it overlaps a gold span of the same type by at
least one character; every detection of a scored type counts toward precision.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.report import Floor, Section, fmt
from benchmarks.worker import MODEL, NEUTRAL_POLICY, postguard_engine, presidio_analyzer

SHARED = Path(os.environ.get("POSTGUARD_BENCH_DATA", Path(__file__).parents[2] / "shared" / "data"))
SYNTH = SHARED / "presidio-research" / "synth_dataset_v2.json"
WNUT_TEST = SHARED / "wnut17" / "emerging.test.annotated"
# The development set: the name finder's errors were studied on it (never on the test set).
WNUT_DEV = SHARED / "wnut17" / "emerging.dev.conll"
VENV_BIN = Path(sys.executable).parent

SEVEN = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "US_SSN",
)
POSTGUARD_TYPES = {
    "pii.person": "PERSON",
    "identity.exposure": "PERSON",
    "pii.email": "EMAIL_ADDRESS",
    "email.personal_address": "EMAIL_ADDRESS",
    "pii.phone": "PHONE_NUMBER",
    "pii.card": "CREDIT_CARD",
    "pii.iban": "IBAN_CODE",
    "pii.ip": "IP_ADDRESS",
    "internal.ip": "IP_ADDRESS",
    "pii.government_id": "US_SSN",
    "pii.address": "STREET_ADDRESS",
}
# A smaller sample for a quick check of the script itself; figures are only published for all.
LIMIT = int(os.environ.get("POSTGUARD_BENCH_LIMIT", "0")) or None
RUNS = int(os.environ.get("POSTGUARD_BENCH_RUNS", "3"))  # whole-process runs; median reported


@dataclass(frozen=True, slots=True)
class Span:
    type: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Sample:
    text: str
    gold: tuple[Span, ...]


def load_synth(path: Path = SYNTH) -> list[Sample]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        Sample(
            text=item["full_text"],
            gold=tuple(
                Span(s["entity_type"], s["start_position"], s["end_position"])
                for s in item["spans"]
            ),
        )
        for item in data
    ]


def load_wnut(path: Path = WNUT_TEST) -> list[Sample]:
    """CoNLL tokens joined with single spaces; gold: person mentions."""
    samples: list[Sample] = []
    tokens: list[tuple[str, str]] = []

    def flush() -> None:
        if not tokens:
            return
        text_parts: list[str] = []
        spans: list[Span] = []
        position = 0
        current: list[int] | None = None
        for token, label in tokens:
            start = position
            text_parts.append(token)
            position += len(token)
            if label == "B-person":
                if current:
                    spans.append(Span("PERSON", current[0], current[1]))
                current = [start, position]
            elif label == "I-person" and current:
                current[1] = position
            else:
                if current:
                    spans.append(Span("PERSON", current[0], current[1]))
                current = None
            position += 1
        if current:
            spans.append(Span("PERSON", current[0], current[1]))
        samples.append(Sample(" ".join(text_parts), tuple(spans)))
        tokens.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            flush()
            continue
        token, _, label = line.rpartition("\t")
        if not token:
            token, _, label = line.rpartition(" ")
        tokens.append((token, label.strip()))
    flush()
    return samples


# --- the two engines behind one shape: text -> detections (type, start, end)

Detect = Callable[[str], list[Span]]


def presidio_detector(analyzer: Any) -> Detect:
    def detect(text: str) -> list[Span]:
        return [
            Span(r.entity_type, r.start, r.end) for r in analyzer.analyze(text=text, language="en")
        ]

    return detect


def postguard_detector(engine: Any, ctx: Any) -> Detect:
    from postguard.vetting.post import Post

    def detect(text: str) -> list[Span]:
        report = engine.vet(Post(text=text), ctx)
        return [
            Span(POSTGUARD_TYPES[f.rule], f.start, f.end)
            for f in report.findings
            if f.rule in POSTGUARD_TYPES
        ]

    return detect


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


@dataclass(slots=True)
class Counts:
    tp_detections: int = 0
    detections: int = 0
    found_gold: int = 0
    gold: int = 0

    def scores(self) -> tuple[float | None, float | None, float | None]:
        precision = self.tp_detections / self.detections if self.detections else None
        recall = self.found_gold / self.gold if self.gold else None
        if precision is None or recall is None:
            return precision, recall, None
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1


def score_types(
    samples: list[Sample],
    detections: list[list[Span]],
    types: Iterable[str],
    *,
    presidio_location_as_address: bool = False,
) -> dict[str, Counts]:
    wanted = set(types)
    counts: dict[str, Counts] = defaultdict(Counts)
    for sample, found in zip(samples, detections, strict=True):
        gold = [g for g in sample.gold if g.type in wanted]
        found_here = [d for d in found if d.type in wanted]
        for g in gold:
            counts[g.type].gold += 1
            if any(d.type == g.type and _overlaps(d, g) for d in found_here):
                counts[g.type].found_gold += 1
        for d in found_here:
            counts[d.type].detections += 1
            if any(g.type == d.type and _overlaps(d, g) for g in gold):
                counts[d.type].tp_detections += 1
    return counts


def total(counts: dict[str, Counts]) -> Counts:
    result = Counts()
    for c in counts.values():
        result.tp_detections += c.tp_detections
        result.detections += c.detections
        result.found_gold += c.found_gold
        result.gold += c.gold
    return result


def address_check(
    samples: list[Sample], detections: list[list[Span]], label: str
) -> dict[str, Any]:
    """Recall of STREET_ADDRESS gold by `label` detections; detections with no address gold."""
    gold_total = found = 0
    detections_total = no_address = city_only = 0
    for sample, found_spans in zip(samples, detections, strict=True):
        addresses = [g for g in sample.gold if g.type == "STREET_ADDRESS"]
        places = [g for g in sample.gold if g.type in {"GPE", "LOCATION"}]
        hits = [d for d in found_spans if d.type == label]
        for g in addresses:
            gold_total += 1
            if any(_overlaps(d, g) for d in hits):
                found += 1
        for d in hits:
            detections_total += 1
            if not any(_overlaps(d, g) for g in addresses):
                no_address += 1
                if any(_overlaps(d, g) for g in places):
                    city_only += 1
    return {
        "gold": gold_total,
        "found": found,
        "recall": found / gold_total if gold_total else None,
        "detections": detections_total,
        "no_address_gold": no_address,
        "on_city_or_country_only": city_only,
    }


# --- speed


def per_call(detect: Detect, texts: list[str]) -> dict[str, float]:
    """Wall-clock latency per post, and CPU time per post (steadier on a busy machine)."""
    latencies: list[float] = []
    cpu: list[float] = []
    started = time.perf_counter()
    for text in texts:
        t0, c0 = time.perf_counter(), time.process_time()
        detect(text)
        cpu.append(time.process_time() - c0)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    return {
        "posts_per_s": len(texts) / elapsed,
        "median_ms": statistics.median(latencies) * 1000,
        "p99_ms": _p99(latencies) * 1000,
        "cpu_median_ms": statistics.median(cpu) * 1000,
        "cpu_p99_ms": _p99(cpu) * 1000,
    }


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def presidio_batched(analyzer: Any, texts: list[str]) -> float:
    from presidio_analyzer import BatchAnalyzerEngine

    batch = BatchAnalyzerEngine(analyzer_engine=analyzer)
    started = time.perf_counter()
    list(batch.analyze_iterator(texts, language="en", batch_size=64))
    return len(texts) / (time.perf_counter() - started)


def postguard_batched(engine: Any, ctx: Any, texts: list[str]) -> tuple[float, str]:
    """NER for 64 posts at a time through the name finder's nlp.pipe, then every rule per post."""
    from postguard.vetting.post import Post

    finder = engine.name_finder
    many = getattr(finder, "analyse_many", None)
    started = time.perf_counter()
    for index in range(0, len(texts), 64):
        chunk = texts[index : index + 64]
        if many is not None:
            many(chunk)
        for text in chunk:
            engine.vet(Post(text=text), ctx)
    how = "analyse_many (nlp.pipe, 64) then vet" if many else "no batch API: one vet per post"
    return len(texts) / (time.perf_counter() - started), how


def _worker(args: list[str]) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.worker", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parents[1],
    )
    if completed.returncode != 0:
        raise RuntimeError(f"benchmarks.worker {' '.join(args)} failed:\n{completed.stderr}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def whole_process(path: Path) -> dict[str, Any]:
    """Each engine as a fresh process over the same file, load included; median of RUNS."""
    postguard_cli = [
        str(VENV_BIN / "postguard"),
        "vet",
        "--batch",
        str(path),
        "--policy",
        str(NEUTRAL_POLICY),
    ]
    out: dict[str, Any] = {}
    commands = {
        "presidio": [sys.executable, "-m", "benchmarks.worker", "presidio", str(path)],
        "postguard": postguard_cli,
    }
    # Interleaved, so that whatever else the machine is doing weighs on both engines alike.
    measured: dict[str, list[dict[str, Any]]] = {name: [] for name in commands}
    for _ in range(RUNS):
        for name, command in commands.items():
            measured[name].append(_worker(["measure", "--", *command]))
    for name, command in commands.items():
        runs = measured[name]
        for run in runs:
            if run["returncode"] not in {0, 3, 4}:
                raise RuntimeError(
                    f"{' '.join(command)} exited {run['returncode']}:\n{run['stderr']}"
                )
        seconds = sorted(r["seconds"] for r in runs)
        out[name] = {
            "cpu_s": statistics.median(r["cpu_s"] for r in runs),
            "seconds": statistics.median(seconds),
            "all": seconds,
            "peak_mb": max(r["peak_mb"] for r in runs),
            "command": " ".join(command),
        }
    one_post = path.with_name("one-post.jsonl")
    one_post.write_text(json.dumps({"id": 0, "text": "Join us Saturday!"}) + "\n", encoding="utf-8")
    for name in ("presidio", "postguard"):
        inner = _worker([name, str(one_post)])
        out[name]["load_s"] = inner["load_s"]
        out[name]["worker_peak_mb"] = inner["peak_mb"]
    return out


def first_verdict() -> dict[str, Any]:
    """`postguard vet` on a one-line post, from start to its verdict (wall and CPU time)."""
    command = [str(VENV_BIN / "postguard"), "vet", "-", "--policy", str(NEUTRAL_POLICY)]
    times: list[float] = []
    cpu: list[float] = []
    for _ in range(5):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        completed = subprocess.run(
            command, input=b"Join us Saturday at the library!\n", capture_output=True, check=False
        )
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if completed.returncode not in {0, 3, 4}:
            raise RuntimeError(
                f"postguard vet exited {completed.returncode}: {completed.stderr.decode()[-500:]}"
            )
    return {
        "median_s": statistics.median(times),
        "max_s": max(times),
        "cpu_median_s": statistics.median(cpu),
    }


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


# --- the run


def run() -> Section:
    missing: list[str] = []
    try:
        engine, ctx = postguard_engine()
    except ImportError as exc:
        missing.append(str(exc))
    if missing:
        text = "**Not run**: Postguard's engine is missing: " + "; ".join(missing)
        print(text)
        return Section("presidio", text, [])
    analyzer = presidio_analyzer()
    synth = load_synth()[:LIMIT]
    wnut = load_wnut()[:LIMIT]
    wnut_dev = load_wnut(WNUT_DEV)[:LIMIT]
    engines = {
        "Presidio": presidio_detector(analyzer),
        "Postguard": postguard_detector(engine, ctx),
    }
    results: dict[str, dict[str, Any]] = {}
    for name, detect in engines.items():
        synth_found = [detect(s.text) for s in synth]
        wnut_found = [detect(s.text) for s in wnut]
        dev_found = [detect(s.text) for s in wnut_dev]
        seven = score_types(synth, synth_found, SEVEN)
        address_label = "LOCATION" if name == "Presidio" else "STREET_ADDRESS"
        results[name] = {
            "seven": seven,
            "seven_total": total(seven),
            "address": address_check(synth, synth_found, address_label),
            "wnut": total(score_types(wnut, wnut_found, ["PERSON"])),
            "wnut_dev": total(score_types(wnut_dev, dev_found, ["PERSON"])),
            "wnut_dev_posts": len(wnut_dev),
        }
    # Speed: fresh engines, so no cache carries over from the accuracy pass.
    load_before = load_average()
    texts = [s.text for s in synth]
    fresh_engine, fresh_ctx = postguard_engine()
    speed = {
        "Presidio": per_call(presidio_detector(presidio_analyzer()), texts),
        "Postguard": per_call(postguard_detector(fresh_engine, fresh_ctx), texts),
    }
    speed["Presidio"]["batched_per_s"] = presidio_batched(presidio_analyzer(), texts)
    batch_engine, batch_ctx = postguard_engine()
    speed["Postguard"]["batched_per_s"], batched_how = postguard_batched(
        batch_engine, batch_ctx, texts
    )
    with tempfile.TemporaryDirectory() as tmp:
        synth_file = Path(tmp) / "synth.jsonl"
        synth_file.write_text(
            "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)),
            encoding="utf-8",
        )
        processes = whole_process(synth_file)
    cli = first_verdict()
    cli["load_before"] = load_before
    cli["load_after"] = load_average()
    return _section(results, speed, batched_how, processes, cli, len(synth), len(wnut))


def _section(
    results: dict[str, dict[str, Any]],
    speed: dict[str, dict[str, float]],
    batched_how: str,
    processes: dict[str, Any],
    cli: dict[str, Any],
    n_synth: int,
    n_wnut: int,
) -> Section:
    lines: list[str] = []
    lines.append(
        f"Synthetic set: {n_synth} posts; WNUT-17 test: {n_wnut} posts. Both engines use "
        f"spaCy `{MODEL}` {_model_version()}; Presidio with its default recognizers and "
        "its `conf/default.yaml` (model name replaced; tldextract told to use its bundled "
        "suffix list instead of fetching it). Postguard runs every rule under a neutral "
        "policy (`benchmarks/data/neutral-policy.yaml`: no organization domains, no "
        "directory)."
    )
    lines += [
        "",
        "**Accuracy** (a detection counts if it overlaps a gold span of the same type)",
        "",
        "| | seven-type P | R | F1 | street-address recall | address detections with "
        "no address gold (on a city/country alone) | WNUT-17 PERSON P | R | F1 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        p, rec, f1 = r["seven_total"].scores()
        wp, wr, wf = r["wnut"].scores()
        a = r["address"]
        lines.append(
            f"| {name} | {fmt(p)} | {fmt(rec)} | {fmt(f1)} | {fmt(a['recall'])} "
            f"({a['found']}/{a['gold']}) | {a['no_address_gold']} of {a['detections']} "
            f"({a['on_city_or_country_only']}) | {fmt(wp)} | {fmt(wr)} | {fmt(wf)} |"
        )
    dev_cells = [" / ".join(fmt(x) for x in results[name]["wnut_dev"].scores()) for name in results]
    lines += [
        "",
        f"WNUT-17 dev PERSON P / R / F1 ({results['Postguard']['wnut_dev_posts']} posts; the set "
        "the name finder's errors were studied on, so not a measure of generalization; the test "
        f"set's posts were never read): Presidio {dev_cells[0]}, Postguard {dev_cells[1]}.",
    ]
    lines += [
        "",
        "Per type on the synthetic set (P / R / F1):",
        "",
        "| type | gold | Presidio | Postguard |",
        "|---|---|---|---|",
    ]
    for kind in SEVEN:
        cells = []
        gold = 0
        for name in ("Presidio", "Postguard"):
            c = results[name]["seven"].get(kind, Counts())
            gold = max(gold, c.gold)
            p, rec, f1 = c.scores()
            cells.append(f"{fmt(p)} / {fmt(rec)} / {fmt(f1)}")
        lines.append(f"| {kind} | {gold} | {cells[0]} | {cells[1]} |")
    lines += [
        "",
        "Presidio's street-address recall counts its LOCATION detections (it has no "
        "street-address recognizer); Postguard's counts `pii.address`.",
        "",
    ]
    pr, pg = processes["presidio"], processes["postguard"]
    ratio = pr["seconds"] / pg["seconds"] if pg["seconds"] else None
    cpu_ratio = pr["cpu_s"] / pg["cpu_s"] if pg["cpu_s"] else None
    lines += [
        "**Speed and footprint** (same machine, same run, the synthetic set)",
        "",
        "| | one post per call (posts/s) | batched (posts/s) | whole process (s, "
        f"median of {RUNS}) | whole process (posts/s) | whole process CPU s | median ms/post | "
        "p99 ms/post | median / p99 CPU ms/post | load s | peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, proc in (("Presidio", pr), ("Postguard", pg)):
        s = speed[name]
        lines.append(
            f"| {name} | {s['posts_per_s']:.0f} | {s['batched_per_s']:.0f} | "
            f"{proc['seconds']:.2f} | {n_synth / proc['seconds']:.0f} | {proc['cpu_s']:.2f} | "
            f"{s['median_ms']:.2f} | {s['p99_ms']:.2f} | "
            f"{s['cpu_median_ms']:.2f} / {s['cpu_p99_ms']:.2f} | {proc['load_s']:.2f} | "
            f"{proc['peak_mb']:.0f} |"
        )
    lines += [
        "",
        f"Whole process: Presidio `{_short(pr['command'])}`; Postguard "
        f"`{_short(pg['command'])}` (the real CLI, every rule on). Timed with "
        "time.perf_counter around subprocess.run; peak memory from resource.getrusage of "
        f"the child. Postguard batched: {batched_how}. Load time: imports plus engine "
        "construction in a fresh process (benchmarks.worker).",
        f"`postguard vet -` on a one-line post, start to verdict: median "
        f"{cli['median_s']:.2f} s, worst {cli['max_s']:.2f} s (5 runs; CPU time median "
        f"{cli['cpu_median_s']:.2f} s).",
        "",
        f"Load average (1, 5, 15 min) when the speed measurements started: {cli['load_before']}; "
        f"when they ended: {cli['load_after']}, on {os.cpu_count()} CPUs. Wall-clock figures "
        "stretch with the load (other work sharing the CPUs); the CPU-time columns and the "
        "whole-process ratio (both engines interleaved) move much less.",
        "",
    ]
    pgs = results["Postguard"]
    _, _, f1 = pgs["seven_total"].scores()
    addr = pgs["address"]
    _, _, wf = pgs["wnut"].scores()
    floors = [
        Floor("seven-type F1 (synthetic)", fmt(f1), "≥ 0.90", f1 is not None and f1 >= 0.90),
        Floor(
            "street-address recall",
            fmt(addr["recall"]),
            "≥ 0.80",
            addr["recall"] is not None and addr["recall"] >= 0.80,
        ),
        Floor(
            "pii.address on a city or country alone",
            str(addr["on_city_or_country_only"]),
            "0",
            addr["on_city_or_country_only"] == 0,
        ),
        Floor("WNUT-17 PERSON F1", fmt(wf), "≥ 0.60", wf is not None and wf >= 0.60),
        Floor(
            "whole-process speed vs Presidio",
            f"{ratio:.2f}× wall ({cpu_ratio:.2f}× CPU)" if ratio and cpu_ratio else "n/a",
            "≥ 3×",
            ratio is not None and ratio >= 3,
        ),
        Floor(
            "median latency per post",
            f"{speed['Postguard']['median_ms']:.2f} ms "
            f"(CPU {speed['Postguard']['cpu_median_ms']:.2f} ms)",
            "≤ 3 ms",
            speed["Postguard"]["median_ms"] <= 3,
        ),
        Floor(
            "p99 latency per post",
            f"{speed['Postguard']['p99_ms']:.2f} ms "
            f"(CPU {speed['Postguard']['cpu_p99_ms']:.2f} ms)",
            "≤ 20 ms",
            speed["Postguard"]["p99_ms"] <= 20,
        ),
        Floor(
            "`postguard vet` start to first verdict",
            f"{cli['median_s']:.2f} s median of 5 (worst {cli['max_s']:.2f} s; CPU "
            f"{cli['cpu_median_s']:.2f} s)",
            "≤ 2 s",
            cli["median_s"] <= 2,
        ),
    ]
    text = "\n".join(lines)
    print(text)
    return Section("presidio", text, floors)


def _short(command: str) -> str:
    words = []
    for word in command.split():
        if word.endswith("synth.jsonl"):
            word = "SYNTH.jsonl"  # a temporary file: the synthetic set's texts, one per line
        words.append(word)
    return (
        " ".join(words)
        .replace(str(Path(sys.executable).parent) + "/", ".venv/bin/")
        .replace(str(Path(__file__).parents[1]) + "/", "")
    )


def _model_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(MODEL.replace("_", "-"))
    except PackageNotFoundError:
        return "(not installed)"


def main() -> int:
    from benchmarks.report import floors_table

    section = run()
    print()
    print(floors_table(section.floors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
