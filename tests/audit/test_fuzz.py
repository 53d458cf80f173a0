"""Whatever a caller snapshots, the stored event hashes to its stored hash on every database."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postguard.audit import chain
from postguard.audit.log import event_fields, record
from postguard.audit.models import AuditEvent

_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=20)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats()
    | _text
)
_snapshots = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
    max_leaves=15,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(before=_snapshots, after=_snapshots, name=_text, repr_=_text)
def test_any_snapshot_is_stored_as_hashed(
    db: None, before: Any, after: Any, name: str, repr_: str
) -> None:
    event = record("fuzz.update", actor_name=name, object_repr=repr_, before=before, after=after)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert chain.compute_hash(event_fields(stored)) == stored.hash == event.hash
