"""Whatever the input, the loader returns a Policy or a PolicyError with a place for each issue."""

from __future__ import annotations

from collections.abc import Callable

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postguard.policy.loader import PolicyError, load_policy_bytes, load_policy_text
from postguard.policy.schema import Policy
from postguard.policy.starter import starter_policy

STARTER = starter_policy()
KEYS = [*Policy.model_fields, "steps", "roles", "keeper", "blocked", "flagged", "name", "text"]


def _check(text_lines: int, call: Callable[[], Policy]) -> None:
    error: PolicyError | None = None
    try:
        result = call()
    except PolicyError as exc:
        error = exc
    if error is None:
        assert isinstance(result, Policy)
        return
    assert error.errors
    for issue in error.errors:
        assert issue.line >= 1
        assert issue.column >= 1
        assert issue.line <= text_lines + 1
        assert issue.message
    # One line per issue, whatever characters the keys and values hold.
    assert str(error).count("\n") == len(error.errors) - 1


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_text(text: str) -> None:
    _check(text.count("\n") + text.count("\r") + 1, lambda: load_policy_text(text))


@settings(max_examples=300)
@given(st.binary(max_size=400))
def test_any_bytes(data: bytes) -> None:
    _check(data.count(b"\n") + data.count(b"\r") + 1, lambda: load_policy_bytes(data))


@settings(max_examples=300)
@given(
    st.integers(min_value=0, max_value=len(STARTER)),
    st.integers(min_value=0, max_value=20),
    st.text(alphabet=st.sampled_from(list(" \t\n:-[]{}&*!#'\"|>,?%@`ab1")), max_size=6),
)
def test_the_starter_policy_mutated(position: int, cut: int, insert: str) -> None:
    text = STARTER[:position] + insert + STARTER[position + cut :]
    _check(text.count("\n") + 1, lambda: load_policy_text(text))


_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.floats()
_values = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), _values, max_size=8))
def test_well_formed_yaml_of_any_shape(document: dict[str, object]) -> None:
    text = yaml.safe_dump(document, allow_unicode=True)
    _check(text.count("\n") + 1, lambda: load_policy_text(text))
