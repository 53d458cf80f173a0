"""Reads a policy file into a `Policy`, or raises `PolicyError` listing every problem and its place.

The YAML is composed with PyYAML's safe composer so every key and value keeps its line and column;
the tree is then turned into plain Python by this module (never by a YAML constructor, so no tag
can build an object), checking duplicate keys, aliases and size on the way, and validated by the
pydantic schema. Each pydantic error is mapped back to the line and column of the offending key or
value and told in words: what was wrong, where, and what would be accepted.

Pure Python: importable without Django, used by `postguard policy`, `postguard vet` and the app.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from postguard.policy.schema import DomainName, Policy

__all__ = [
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_POLICY_BYTES",
    "PolicyError",
    "PolicyIssue",
    "load_policy",
    "load_policy_bytes",
    "load_policy_text",
]

MAX_POLICY_BYTES = 1024 * 1024  # a real policy is a few kilobytes
MAX_ALIASES = 100
MAX_NODES = 20_000  # after expanding aliases: stops "billion laughs" documents
MAX_DEPTH = 50

_PLAIN = "tag:postguard:plain"  # an untagged plain scalar: resolved here, YAML 1.2 style
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SIMPLE_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_BOOL_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT = re.compile(r"^[-+]?(?:[0-9][0-9_]*|0x[0-9a-fA-F_]+|0o[0-7_]+)$")
_FLOAT = re.compile(
    r"^[-+]?(?:(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?|[0-9][0-9_]*[eE][-+]?[0-9]+"
    r"|\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


@dataclass(frozen=True)
class PolicyIssue:
    """One problem in a policy file. `line` and `column` count from 1 (0: the whole file)."""

    line: int
    column: int
    path: str
    message: str
    accepted: str = ""

    def format(self, source: str) -> str:
        where = f"{source}:{self.line}:{self.column}" if self.line else source
        text = f"{where}: {self.path or '(top level)'}: {self.message}"
        if self.accepted:
            text += f" (accepted: {self.accepted})"
        # One issue, one line: a key or value may hold a line break or a control character.
        return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


class PolicyError(ValueError):
    """The policy file is not valid; `errors` lists every problem found, in file order."""

    def __init__(self, errors: list[PolicyIssue], source: str = "<string>") -> None:
        self.errors = sorted(errors, key=lambda e: (e.line, e.column, e.path))
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(issue.format(self.source) for issue in self.errors)


def load_policy(
    path: str | Path,
    *,
    max_bytes: int = MAX_POLICY_BYTES,
    rule_ids: Collection[str] | None = None,
) -> Policy:
    """Read and validate the policy file at `path`.

    With `rule_ids` (the vetting engine's rule ids), an id under `rules:` that is not one of them
    is an error too: a typo there would otherwise silently leave a rule at its default.
    """
    source = str(path)
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise PolicyError([PolicyIssue(0, 0, "", f"cannot be read: {reason}")], source) from None
    return load_policy_bytes(data, source=source, max_bytes=max_bytes, rule_ids=rule_ids)


def load_policy_bytes(
    data: bytes,
    source: str = "<bytes>",
    *,
    max_bytes: int = MAX_POLICY_BYTES,
    rule_ids: Collection[str] | None = None,
) -> Policy:
    """Validate a policy given as bytes: it must be UTF-8 (a UTF-8 byte order mark is allowed)."""
    if len(data) > max_bytes:
        raise PolicyError([_too_big(max_bytes)], source)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        issue = PolicyIssue(
            1,
            1,
            "",
            "the file is UTF-16 or UTF-32 (it starts with that byte order mark)",
            "UTF-8 text; save the file as UTF-8",
        )
        raise PolicyError([issue], source)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        issue = PolicyIssue(
            line,
            column,
            "",
            f"not UTF-8: byte 0x{data[exc.start]:02X} at byte offset {exc.start} cannot be decoded",
            "UTF-8 text; save the file as UTF-8",
        )
        raise PolicyError([issue], source) from None
    return load_policy_text(text, source=source, max_bytes=max_bytes, rule_ids=rule_ids)


def load_policy_text(
    text: str,
    source: str = "<string>",
    *,
    max_bytes: int = MAX_POLICY_BYTES,
    rule_ids: Collection[str] | None = None,
) -> Policy:
    """Validate a policy given as text; `source` names it in error messages."""
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise PolicyError([_too_big(max_bytes)], source)
    text = text.removeprefix("\ufeff")
    root = _compose(text, source)
    builder = _Builder()
    value = builder.build(root)
    if not isinstance(value, dict):
        if builder.issues:
            raise PolicyError(builder.issues, source)
        found = "nothing (the file is empty)" if value is None else _kind(value)
        issue = PolicyIssue(
            _line(root),
            _col(root),
            "",
            f"the policy must be a mapping of keys, found {found}",
            "a mapping such as 'organization: Example County' and 'domains: [example.gov]'",
        )
        raise PolicyError([issue], source)
    issues = builder.issues
    if rule_ids is not None:
        issues = issues + _unknown_rule_ids(value, rule_ids, builder.marks)
    try:
        policy = Policy.model_validate(value)
    except ValidationError as exc:
        raise PolicyError(
            issues + _issues_from_validation(exc, builder.marks, root), source
        ) from None
    if issues:
        raise PolicyError(issues, source)
    return policy


def _unknown_rule_ids(
    value: dict[str, Any], rule_ids: Collection[str], marks: dict[_Path, _Marks]
) -> list[PolicyIssue]:
    rules = value.get("rules")
    if not isinstance(rules, dict):
        return []
    known = sorted(rule_ids)
    issues = []
    for rule_id in rules:
        if rule_id in rule_ids:
            continue
        message = f"unknown rule id {rule_id!r}"
        close = difflib.get_close_matches(rule_id, known, n=1, cutoff=0.6)
        if close:
            message += f"; did you mean {close[0]!r}?"
        node = _node(marks.get(("rules", rule_id)), None)
        issues.append(
            PolicyIssue(
                _line(node), _col(node), format_path(("rules", rule_id)), message, ", ".join(known)
            )
        )
    return issues


# --- YAML: compose with marks ---------------------------------------------------------------------


class _Loader(Reader, Scanner, Parser, Composer, BaseResolver):
    """PyYAML's reader, scanner, parser and composer, with no implicit type resolution."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        BaseResolver.__init__(self)

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        if kind is ScalarNode and implicit[0]:
            return _PLAIN
        resolved: str = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return resolved


def _compose(text: str, source: str) -> Node | None:
    _check_events(text, source)
    loader = _Loader(text)  # text already passed the reader's checks in _check_events
    try:
        node: Node | None = loader.get_single_node()
        return node
    except yaml.YAMLError as exc:
        raise PolicyError([_yaml_issue(exc, text)], source) from None
    except RecursionError:
        raise PolicyError(
            [PolicyIssue(1, 1, "", "the YAML is nested too deeply")], source
        ) from None
    finally:
        loader.dispose()


def _check_events(text: str, source: str) -> None:
    """Scan the event stream (not recursive) for depth and alias limits before composing."""
    try:
        loader = _Loader(text)
    except yaml.YAMLError as exc:  # the reader refuses control characters at once
        raise PolicyError([_yaml_issue(exc, text)], source) from None
    depth = aliases = 0
    try:
        while loader.check_event():
            event = loader.get_event()  # type: ignore[no-untyped-call]
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH and (mark := event.start_mark) is not None:
                    issue = PolicyIssue(
                        mark.line + 1,
                        mark.column + 1,
                        "",
                        f"nested more than {MAX_DEPTH} levels deep",
                        "a policy nests a few levels at most",
                    )
                    raise PolicyError([issue], source)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES and (mark := event.start_mark) is not None:
                    issue = PolicyIssue(
                        mark.line + 1,
                        mark.column + 1,
                        "",
                        f"more than {MAX_ALIASES} aliases (*name)",
                        "write the values out; aliases are limited to stop expansion bombs",
                    )
                    raise PolicyError([issue], source)
    except yaml.YAMLError as exc:
        raise PolicyError([_yaml_issue(exc, text)], source) from None
    finally:
        loader.dispose()


def _yaml_issue(exc: yaml.YAMLError, text: str) -> PolicyIssue:
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        return PolicyIssue(
            line,
            column,
            "",
            f"the character {char!r} (U+{ord(char):04X}) is not allowed in YAML",
            "printable text; remove control characters",
        )
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "not valid YAML"
        message = f"malformed YAML: {problem}"
        if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
            message += (
                f" ({exc.context} at line {exc.context_mark.line + 1}, "
                f"column {exc.context_mark.column + 1})"
            )
        elif exc.context:
            message += f" ({exc.context})"
        accepted = ""
        if "\t" in problem or (mark is not None and _char_at(text, mark.index) == "\t"):
            message = "malformed YAML: a tab character; YAML indentation must use spaces"
            accepted = "spaces instead of tabs"
        if mark is None:
            return PolicyIssue(1, 1, "", message, accepted)
        return PolicyIssue(mark.line + 1, mark.column + 1, "", message, accepted)
    return PolicyIssue(1, 1, "", f"malformed YAML: {exc}")


def _char_at(text: str, index: int) -> str:
    return text[index] if 0 <= index < len(text) else ""


# --- YAML tree -> Python, keeping marks -----------------------------------------------------------

_Path = tuple[str | int, ...]


@dataclass(frozen=True)
class _Marks:
    key: Node | None  # the mapping key naming this value (None for list items and the root)
    value: Node


class _Builder:
    """Turns composed nodes into dicts, lists and scalars; records the nodes at every path."""

    def __init__(self) -> None:
        self.marks: dict[_Path, _Marks] = {}
        self.issues: list[PolicyIssue] = []
        self._nodes = 0

    def build(self, root: Node | None) -> Any:
        if root is None:
            return None
        self.marks[()] = _Marks(None, root)
        return self._value(root, (), ())

    def _issue(self, node: Node, path: _Path, message: str, accepted: str = "") -> None:
        self.issues.append(
            PolicyIssue(_line(node), _col(node), format_path(path), message, accepted)
        )

    def _value(self, node: Node, path: _Path, active: tuple[int, ...]) -> Any:
        self._nodes += 1
        if self._nodes > MAX_NODES:
            if self._nodes == MAX_NODES + 1:
                self._issue(
                    node,
                    path,
                    f"the document expands to more than {MAX_NODES} values (through aliases)",
                    "a policy of ordinary size; write values out instead of nesting aliases",
                )
            return None
        if id(node) in active:
            self._issue(node, path, "an alias refers to the value that contains it", "no cycles")
            return None
        active = (*active, id(node))
        if isinstance(node, MappingNode):
            return self._mapping(node, path, active)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                self._tag(node, path)
            items = []
            for index, item in enumerate(node.value):
                self.marks.setdefault((*path, index), _Marks(None, item))
                items.append(self._value(item, (*path, index), active))
            return items
        assert isinstance(node, ScalarNode)
        return self._scalar(node, path)

    def _mapping(self, node: MappingNode, path: _Path, active: tuple[int, ...]) -> Any:
        if node.tag != _MAP:
            self._tag(node, path)
        result: dict[str, Any] = {}
        first_seen: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag not in (_PLAIN, _STR):
                self._issue(key_node, path, "a key must be plain text", "a name such as 'domains'")
                continue
            key = key_node.value
            if key == "<<" and key_node.tag == _PLAIN:
                self._issue(
                    key_node,
                    path,
                    "YAML merge keys (<<) are not supported in a policy",
                    "the keys written out",
                )
                continue
            if key in first_seen:
                first = first_seen[key]
                self._issue(
                    key_node,
                    (*path, key),
                    f"duplicate key {key!r} (first defined at line {_line(first)}, "
                    f"column {_col(first)}); a later value would silently replace the first",
                    "each key once per mapping",
                )
                continue
            first_seen[key] = key_node
            self.marks.setdefault((*path, key), _Marks(key_node, value_node))
            result[key] = self._value(value_node, (*path, key), active)
        return result

    def _scalar(self, node: ScalarNode, path: _Path) -> Any:
        value: str = node.value
        if node.tag == _STR:
            return value
        if node.tag != _PLAIN:
            self._tag(node, path)
            return value
        if _NULL.match(value):
            return None
        if _BOOL_TRUE.match(value):
            return True
        if _BOOL_FALSE.match(value):
            return False
        if _INT.match(value):
            cleaned = value.replace("_", "")
            sign = -1 if cleaned.startswith("-") else 1
            digits = cleaned.lstrip("+-")
            if digits.startswith("0x"):
                return sign * int(digits[2:], 16)
            if digits.startswith("0o"):
                return sign * int(digits[2:], 8)
            return sign * int(digits)
        if _FLOAT.match(value):
            lowered = value.replace("_", "").lower()
            if lowered.endswith(".inf"):
                return float("-inf") if lowered.startswith("-") else float("inf")
            if lowered.endswith(".nan"):
                return float("nan")
            return float(lowered)
        return value

    def _tag(self, node: Node, path: _Path) -> None:
        self._issue(
            node,
            path,
            f"YAML tags such as {node.tag!r} are not accepted in a policy",
            "plain values without a !tag",
        )


def _line(node: Node | None) -> int:
    return 1 if node is None else node.start_mark.line + 1


def _col(node: Node | None) -> int:
    return 1 if node is None else node.start_mark.column + 1


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    return type(value).__name__


def _too_big(limit: int) -> PolicyIssue:
    return PolicyIssue(
        1, 1, "", f"the file is larger than {limit} bytes", "a policy file under that size"
    )


def format_path(path: _Path) -> str:
    """('approvals', 'steps', 0, 'roles') -> 'approvals.steps[0].roles'."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not _SIMPLE_KEY.match(part):
            text += f"[{part!r}]"
        else:
            text += f".{part}" if text else str(part)
    return text


# --- pydantic errors -> issues --------------------------------------------------------------------


def _issues_from_validation(
    exc: ValidationError, marks: dict[_Path, _Marks], root: Node | None
) -> list[PolicyIssue]:
    issues: list[PolicyIssue] = []
    seen: set[tuple[int, int, str, str]] = set()
    for error in exc.errors(include_url=False):
        issue = _issue_from_error(error, marks, root)
        identity = (issue.line, issue.column, issue.path, issue.message)
        if identity not in seen:
            seen.add(identity)
            issues.append(issue)
    return issues


def _issue_from_error(error: Any, marks: dict[_Path, _Marks], root: Node | None) -> PolicyIssue:
    loc: _Path = tuple(error["loc"])
    kind: str = error["type"]
    # The longest prefix of the location that exists in the file (pydantic may add union tags).
    known: _Path = ()
    for i in range(len(loc), -1, -1):
        if loc[:i] in marks:
            known = loc[:i]
            break
    mark = marks.get(known)
    field_path = _schema_path(loc)
    shown_path = format_path(field_path if kind != "missing" else loc)

    if kind == "extra_forbidden":
        key = str(loc[-1])
        accepted_keys = _accepted_keys(loc[:-1])
        message = f"unknown key {key!r}"
        close = difflib.get_close_matches(key, accepted_keys, n=1, cutoff=0.6)
        if close:
            message += f"; did you mean {close[0]!r}?"
        node = mark.key if mark is not None and mark.key is not None else _node(mark, root)
        return PolicyIssue(
            _line(node), _col(node), format_path(loc), message, ", ".join(accepted_keys)
        )
    if kind == "missing":
        parent = marks.get(loc[:-1])
        node = _node(parent, root)
        name = str(loc[-1])
        where = format_path(loc[:-1]) or "the policy"
        return PolicyIssue(
            _line(node),
            _col(node),
            format_path(loc),
            f"required key {name!r} is missing from {where}",
            _describe_field(loc),
        )
    node = mark.value if mark is not None else _node(None, root)
    message = _message(kind, str(error["msg"]), error.get("input"))
    accepted = _HINTS.get(field_path) or _describe_field(field_path)
    return PolicyIssue(_line(node), _col(node), shown_path, message, accepted)


_HINTS: dict[_Path, str] = {
    ("approvals", "self_approval"): "false: nobody may approve their own post",
    ("ticket_pattern",): r"a regular expression such as '\b(?:INC|REQ)-\d{4,}\b', or null",
    ("version",): "1",
}


def _message(kind: str, pydantic_message: str, received: Any) -> str:
    shown = _show(received)
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return f"{shown} is not a whole number"
    if kind in {"bool_parsing", "bool_type"}:
        return f"{shown} is not true or false"
    if kind in {"float_parsing", "float_type"}:
        return f"{shown} is not a number"
    if kind == "string_type":
        return f"expected text, found {shown}"
    if kind in {"tuple_type", "list_type", "iterable_type"}:
        return f"expected a list, found {shown}"
    if kind in {"dict_type", "model_type", "model_attributes_type", "mapping_type"}:
        return f"expected a mapping (indented 'key: value' lines), found {shown}"
    if kind in {"literal_error", "enum"}:
        return f"{shown} is not one of the accepted values"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        return "needs at least one item, found none"
    message = pydantic_message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind not in {"value_error", "assertion_error"} and _is_scalar(received):
        message += f"; found {shown}"
    return message


def _show(value: Any) -> str:
    if value is None:
        return "null (nothing)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return repr(value[:60] + ("..." if len(value) > 60 else ""))
    if isinstance(value, int | float):
        return repr(value)
    return _kind(value)


def _node(marks: _Marks | None, root: Node | None) -> Node | None:
    if marks is None:
        return root
    return marks.key if marks.key is not None else marks.value


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


# --- the schema, described in words ---------------------------------------------------------------


def _schema_path(loc: _Path) -> _Path:
    """Drop the parts pydantic adds to a location that are not keys (union and type tags)."""
    result: list[str | int] = []
    annotation: Any = Policy
    for part in loc:
        step = _descend(annotation, part)
        if step is None:
            break
        result.append(part)
        annotation = step
    return tuple(result)


def _unwrap(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return annotation


def _descend(annotation: Any, part: str | int) -> Any:
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part)) if isinstance(part, str) else None
        return None if field is None else _field_annotation(field)
    if origin in (tuple, list) and isinstance(part, int):
        return typing.get_args(annotation)[0]
    if origin is dict and isinstance(part, str):
        return typing.get_args(annotation)[1]
    return None


def _field_annotation(field: FieldInfo) -> Any:
    if field.metadata:
        return typing.Annotated[(field.annotation, *field.metadata)]
    return field.annotation


def _annotation_at(loc: _Path) -> Any:
    annotation: Any = Policy
    for part in loc:
        annotation = _descend(annotation, part)
        if annotation is None:
            return None
    return annotation


def _accepted_keys(loc: _Path) -> list[str]:
    annotation = _unwrap(_annotation_at(loc))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _describe_field(loc: _Path) -> str:
    annotation = _annotation_at(loc)
    return "" if annotation is None else describe(annotation)


def describe(annotation: Any) -> str:
    """What a value of this type looks like, in words a person writing YAML understands."""
    bounds = ""
    if annotation == DomainName:
        return "a domain name such as example.gov"
    if typing.get_origin(annotation) is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        bounds = _bounds(metadata)
        annotation = base
    optional = False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        optional = type(None) in args
        rest = [a for a in args if a is not type(None)]
        text = " or ".join(describe(a) for a in rest)
        return f"{text}, or null" if optional else text
    origin = typing.get_origin(annotation)
    if origin is Literal:
        values = typing.get_args(annotation)
        if all(isinstance(v, bool) for v in values):
            return " or ".join(str(v).lower() for v in values)
        return "one of: " + ", ".join(str(v) for v in values)
    if origin in (tuple, list) and typing.get_args(annotation)[0] == DomainName:
        return f"a list of domain names such as example.gov{bounds}"
    if origin in (tuple, list):
        return f"a list of {_plural(describe(typing.get_args(annotation)[0]))}{bounds}"
    if origin is dict:
        return f"a mapping of names to {_plural(describe(typing.get_args(annotation)[1]))}"
    if isinstance(annotation, type):
        if issubclass(annotation, Enum):
            return "one of: " + ", ".join(str(m.value) for m in annotation)
        if issubclass(annotation, BaseModel):
            return "a mapping with the keys: " + ", ".join(annotation.model_fields)
        if annotation is bool:
            return "true or false"
        if annotation is int:
            return f"a whole number{bounds}"
        if annotation is float:
            return f"a number{bounds}"
        if annotation is str:
            return f"text{bounds}"
    return str(annotation)


def _plural(text: str) -> str:
    if text.startswith("one of: "):
        return "values, each " + text
    if text.startswith("a mapping with"):
        return "mappings with" + text.removeprefix("a mapping with")
    if text.startswith("a "):
        return text[2:] + "s" if " " not in text[2:] else "values, each " + text
    return text


def _bounds(metadata: list[Any]) -> str:
    low = high = None
    min_length = max_length = None
    for item in metadata:
        low = getattr(item, "ge", low)
        high = getattr(item, "le", high)
        min_length = getattr(item, "min_length", min_length)
        max_length = getattr(item, "max_length", max_length)
    if low is not None and high is not None:
        return f" from {low} to {high}"
    if low is not None:
        return f" of at least {low}"
    if high is not None:
        return f" of at most {high}"
    if min_length is not None and max_length is not None:
        return f" of {min_length} to {max_length} characters"
    if min_length:
        return f" with at least {min_length} item" + ("s" if min_length > 1 else "")
    return ""
