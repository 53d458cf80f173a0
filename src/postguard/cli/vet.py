"""`postguard vet`: vet one post, or a batch of posts, against the policy.

Pure Python and fast to start: it never imports Django, and spaCy is imported only when a name
finder is wanted. Exit codes: 0 pass, 3 review, 4 block, 2 bad usage or bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from postguard.policy.schema import Policy
    from postguard.vetting.context import VettingContext
    from postguard.vetting.directory import Employee
    from postguard.vetting.engine import Engine
    from postguard.vetting.findings import Finding, Report
    from postguard.vetting.post import Platform, Post

PLATFORMS = ("bluesky", "mastodon", "x")
EXIT_USAGE = 2
EXIT_INTERNAL = 1


class UsageError(Exception):
    """Bad usage or bad input: the message says what, where, and what would be accepted."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}\n{self.format_usage().strip()}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="postguard vet",
        description=(
            "Vet a post against the policy. Reads the post from FILE, or standard input with '-'. "
            "Exit status: 0 pass, 3 needs review, 4 blocked, 2 bad usage or bad input."
        ),
    )
    parser.add_argument("file", nargs="?", metavar="FILE|-", help="the post's text (default: -)")
    parser.add_argument("--policy", required=True, metavar="POLICY.yaml", help="the policy file")
    parser.add_argument("--directory", metavar="DIRECTORY.csv", help="the employee directory (CSV)")
    parser.add_argument(
        "--platform",
        action="append",
        default=[],
        metavar="PLATFORM",
        help="target platform(s): bluesky, mastodon, x (repeatable; commas allowed)",
    )
    parser.add_argument("--format", default="text", metavar="text|json", help="output format")
    parser.add_argument(
        "--batch",
        metavar="POSTS.jsonl",
        help='vet many posts: one JSON object per line, {"id", "text", "platform"}; "-" for stdin',
    )
    parser.add_argument(
        "--image", action="append", default=[], metavar="PATH", help="attach an image (repeatable)"
    )
    parser.add_argument(
        "--alt",
        action="append",
        default=[],
        metavar="TEXT",
        help="alt text of the images, in the order of --image (repeatable)",
    )
    return parser


def run(argv: Sequence[str]) -> int:
    try:
        return _run(list(argv))
    except UsageError as exc:
        _err(f"postguard vet: {exc}")
        return EXIT_USAGE
    except BrokenPipeError:
        _quiet_broken_pipe()
        return 0
    except KeyboardInterrupt:
        _err("postguard vet: interrupted")
        return 130
    except Exception as exc:
        _err(f"postguard vet: internal error ({type(exc).__name__}: {exc}); please report it")
        return EXIT_INTERNAL


def _run(argv: list[str]) -> int:
    if any(a in {"-h", "--help"} for a in argv):
        _parser().print_help()
        return 0
    args = _parser().parse_args(argv)
    if args.format not in {"text", "json"}:
        raise UsageError(f"unknown --format {args.format!r}; accepted: text, json")
    platforms = _platforms(args.platform, "--platform")
    if args.batch is not None and args.file is not None:
        raise UsageError("give either FILE or --batch POSTS.jsonl, not both")
    if args.batch is not None and args.image:
        raise UsageError("--image applies to one post; it cannot be used with --batch")
    if len(args.alt) > len(args.image):
        raise UsageError(
            f"{len(args.alt)} --alt given for {len(args.image)} --image; each --alt describes "
            "the --image in the same position"
        )
    policy = _load_policy(args.policy)
    directory = _load_directory(args.directory) if args.directory else ()
    images = _images(args.image, args.alt)
    if args.batch is not None:
        source = _open_source(args.batch)
        engine, notices = _engine()
        _print_notices(notices)
        return _batch(source, args.batch, engine, policy, directory, platforms)
    text = _read_post(args.file or "-")
    engine, notices = _engine()
    _print_notices(notices)
    from postguard.vetting.context import VettingContext
    from postguard.vetting.post import Post

    ctx = VettingContext.from_policy(policy, directory)
    report = engine.vet(Post(text=text, platforms=platforms, images=images), ctx)
    if args.format == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_text(report, text, args.file or "-")
    return report.verdict.exit_code


# --- inputs --------------------------------------------------------------------------------------


def _platforms(values: Sequence[str], where: str) -> tuple[Platform, ...]:
    from postguard.vetting.post import Platform

    result: list[Platform] = []
    for value in values:
        for name in str(value).split(","):
            name = name.strip().lower()
            if not name:
                continue
            if name not in PLATFORMS:
                raise UsageError(
                    f"{where}: unknown platform {name!r}; accepted: {', '.join(PLATFORMS)}"
                )
            platform = Platform(name)
            if platform not in result:
                result.append(platform)
    return tuple(result)


def _load_policy(path: str) -> Policy:
    from postguard.policy.loader import PolicyError, load_policy

    try:
        return load_policy(path)
    except PolicyError as exc:
        raise UsageError(f"the policy is not valid:\n{exc}") from None


def _load_directory(path: str) -> tuple[Employee, ...]:
    from postguard.vetting.directory import DirectoryError, load_directory_csv

    try:
        return tuple(load_directory_csv(path))
    except DirectoryError as exc:
        raise UsageError(f"the directory is not valid:\n{exc}") from None


def _images(paths: Sequence[str], alts: Sequence[str]) -> tuple[Any, ...]:
    from postguard.vetting.post import ImageInput

    images = []
    for index, path in enumerate(paths):
        file = Path(path)
        if not file.is_file():
            raise UsageError(f"--image {path}: no such file (give the path to an image file)")
        alt = alts[index] if index < len(alts) else ""
        images.append(ImageInput(path=file, alt=alt, name=path))
    return tuple(images)


def _decode(data: bytes, source: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise UsageError(
            f"{source}: not valid UTF-8: byte 0x{data[exc.start]:02X} at byte offset {exc.start} "
            f"(line {line}, column {column}); save the text as UTF-8"
        ) from None
    return text.removeprefix("\ufeff")


def _read_post(source: str) -> str:
    if source == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise UsageError(f"{source}: cannot be read ({exc.strerror})") from None
        name = source
    text = _decode(data, name)
    # A file's final line break is not part of the post.
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    return text


def _open_source(source: str) -> IO[bytes]:
    if source == "-":
        return sys.stdin.buffer
    try:
        return Path(source).open("rb")
    except OSError as exc:
        raise UsageError(f"{source}: cannot be read ({exc.strerror})") from None


def _engine() -> tuple[Engine, list[str]]:
    from postguard.settings.env import SettingError
    from postguard.settings.vetting import nlp_model_name
    from postguard.vetting.rules.registry import engine_for_model

    try:
        model = nlp_model_name()
    except SettingError as exc:
        raise UsageError(str(exc)) from None
    engine = engine_for_model(model)
    notices = [] if engine.name_finder.available else [engine.name_finder.description]
    return engine, notices


def _print_notices(notices: Sequence[str]) -> None:
    for notice in notices:
        _err(f"notice: {notice}")


# --- batch ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Progress:
    total: int | None
    enabled: bool
    done: int = 0
    last: float = 0.0

    def step(self) -> None:
        self.done += 1
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < 0.1 and self.done != self.total:
            return
        self.last = now
        if self.total:
            width = 30
            filled = int(width * self.done / self.total)
            bar = "#" * filled + "." * (width - filled)
            sys.stderr.write(f"\r[{bar}] {self.done}/{self.total}")
        else:
            sys.stderr.write(f"\r{self.done} posts vetted")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.done:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _batch(
    source: IO[bytes],
    name: str,
    engine: Engine,
    policy: Policy,
    directory: tuple[Employee, ...],
    default_platforms: tuple[Platform, ...],
) -> int:
    from postguard.vetting.context import VettingContext

    ctx = VettingContext.from_policy(policy, directory, track_history=True)
    total = _count_lines(name) if name != "-" else None
    progress = _Progress(total=total, enabled=sys.stderr.isatty())
    worst = 0
    bad = 0
    try:
        for chunk in _chunks(enumerate(_lines(source), start=1), BATCH_CHUNK):
            for result in _vet_chunk(chunk, name, engine, ctx, default_platforms):
                if "error" in result:
                    bad += 1
                else:
                    worst = max(worst, _VERDICT_RANK[result["verdict"]])
                sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
                progress.step()
            sys.stdout.flush()
    finally:
        progress.close()
        if source is not sys.stdin.buffer:
            source.close()
    if bad:
        _err(f"postguard vet: {bad} line{'s' if bad != 1 else ''} of {name} could not be vetted")
        return EXIT_USAGE
    return {0: 0, 1: 3, 2: 4}[worst]


_VERDICT_RANK = {"pass": 0, "review": 1, "block": 2}

# Lines vetted together: names are found for the whole chunk in one batched model pass (about
# twice the throughput), and results still come out in input order, a chunk at a time.
BATCH_CHUNK = 32


def _chunks(items: Iterable[tuple[int, bytes]], size: int) -> Iterator[list[tuple[int, bytes]]]:
    chunk: list[tuple[int, bytes]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _vet_chunk(
    chunk: list[tuple[int, bytes]],
    source: str,
    engine: Engine,
    ctx: VettingContext,
    default_platforms: tuple[Platform, ...],
) -> list[dict[str, Any]]:
    parsed = [_batch_line(raw, number, source, default_platforms) for number, raw in chunk]
    posts = [item for item in parsed if not isinstance(item, dict)]
    reports = iter(engine.vet_many([post for _, post in posts], ctx))
    return [
        item if isinstance(item, dict) else {"id": item[0], **next(reports).to_dict()}
        for item in parsed
    ]


def _lines(source: IO[bytes]) -> Iterator[bytes]:
    pending = b""
    for chunk in source:
        pending += chunk
        if pending.endswith(b"\n"):
            yield pending
            pending = b""
    if pending:
        yield pending


def _count_lines(name: str) -> int | None:
    try:
        with Path(name).open("rb") as handle:
            count = 0
            last = b"\n"
            for block in iter(lambda: handle.read(1 << 20), b""):
                count += block.count(b"\n")
                last = block[-1:]
            return count + (0 if last == b"\n" else 1)
    except OSError:
        return None


def _batch_line(
    raw: bytes,
    number: int,
    source: str,
    default_platforms: tuple[Platform, ...],
) -> tuple[Any, Post] | dict[str, Any]:
    """The line's id and post, or the error line that names what is wrong with it."""
    from postguard.vetting.post import Post

    where = f"{source}, line {number}"

    def error(message: str, post_id: Any = None) -> dict[str, Any]:
        return {"id": post_id, "line": number, "error": f"{where}: {message}"}

    line = raw.rstrip(b"\r\n")
    try:
        text_line = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return error(
            f"not valid UTF-8: byte 0x{line[exc.start]:02X} at byte offset {exc.start} of the line"
        )
    if not text_line.strip():
        return error('empty line; expected a JSON object such as {"id": 1, "text": "..."}')
    try:
        record = json.loads(text_line)
    except json.JSONDecodeError as exc:
        return error(f"not valid JSON: {exc.msg} at column {exc.colno}")
    if not isinstance(record, dict):
        return error(
            f'expected a JSON object such as {{"id": 1, "text": "..."}}, found {_kind(record)}'
        )
    post_id = record.get("id")
    text = record.get("text")
    if not isinstance(text, str):
        found = "nothing" if text is None else _kind(text)
        return error(f'"text" must be a string, found {found}', post_id)
    platform_value = record.get("platform", record.get("platforms"))
    try:
        if platform_value is None:
            platforms = default_platforms
        elif isinstance(platform_value, str):
            platforms = _platforms([platform_value], '"platform"')
        elif isinstance(platform_value, list) and all(isinstance(p, str) for p in platform_value):
            platforms = _platforms(platform_value, '"platform"')
        else:
            return error(
                f'"platform" must be a string or a list of strings, found {_kind(platform_value)}',
                post_id,
            )
    except UsageError as exc:
        return error(str(exc), post_id)
    return post_id, Post(text=text, platforms=platforms, id=None)


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "true/false",
        int: "a number",
        float: "a number",
    }.get(type(value), "null")


# --- text output ---------------------------------------------------------------------------------


def _width(text: str) -> int:
    width = 0
    for char in text:
        if unicodedata.combining(char) or char in "\u200b\u200c\u200d\ufe0f":
            continue
        width += 2 if unicodedata.east_asian_width(char) in {"W", "F"} else 1
    return width


def _print_text(report: Report, text: str, source: str) -> None:
    out = sys.stdout
    name = "<stdin>" if source == "-" else source
    for finding in report.findings:
        out.write(_format_finding(finding, text, name))
        out.write("\n")
    counts: dict[str, int] = {}
    for finding in report.findings:
        counts[finding.severity.value] = counts.get(finding.severity.value, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    plural = "s" if len(report.findings) != 1 else ""
    detail = f" ({len(report.findings)} finding{plural}: {summary})" if report.findings else ""
    out.write(f"verdict: {report.verdict.value}{detail}\n")


def _format_finding(finding: Finding, text: str, name: str) -> str:
    head = f"{finding.severity.value.upper()} {finding.rule}"
    lines: list[str] = []
    if finding.image is not None:
        region = finding.region
        where = f"image {finding.image + 1}"
        if region is not None:
            where += f", region x={region.x} y={region.y} w={region.w} h={region.h}"
        lines.append(f"{name}: {where}: {head}")
        if finding.text:
            lines.append(f"  text in the image: {finding.text}")
    else:
        line_no = text.count("\n", 0, finding.start) + 1
        line_start = text.rfind("\n", 0, finding.start) + 1
        column = finding.start - line_start + 1
        line_end = text.find("\n", finding.start)
        line_end = len(text) if line_end == -1 else line_end
        lines.append(f"{name}:{line_no}:{column}: {head}")
        span_end = min(finding.end, line_end)
        lo = max(line_start, finding.start - 60)
        hi = min(line_end, max(span_end, finding.start + 1) + 60)
        shown = text[lo:hi].replace("\t", " ").replace("\r", " ")
        prefix = "…" if lo > line_start else ""
        suffix = "…" if hi < line_end else ""
        lines.append(f"  {prefix}{shown}{suffix}")
        pad = _width(prefix + text[lo : finding.start].replace("\t", " "))
        carets = max(1, _width(text[finding.start : span_end]))
        continued = ""
        if finding.end > line_end:
            last_line = text.count("\n", 0, max(finding.start, finding.end - 1)) + 1
            continued = f" (continues to line {last_line})"
        lines.append("  " + " " * pad + "^" * carets + continued)
    lines.append(f"  {finding.message}")
    if finding.suggestion:
        lines.append(f"  suggestion: {finding.suggestion}")
    return "\n".join(lines) + "\n"


def _err(message: str) -> None:
    try:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        pass


def _quiet_broken_pipe() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
