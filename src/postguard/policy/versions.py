"""Propose, approve and reject policy versions; read the active policy.

A version takes effect only when a lead other than its author approves it. Its diff is taken
against the version that was active when it was proposed; if another version became active in
the meantime the proposal is stale and must be proposed again (so nobody approves a diff that is
no longer what would change). The very first policy, when none is active and so nobody could
approve, is installed by the system actor (`postguard policy-version bootstrap`, `postguard demo`).
Every step is audited.
"""

from __future__ import annotations

import difflib
import hashlib
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from postguard.core.actors import actor_name, is_system
from postguard.core.permissions import require
from postguard.policy.loader import load_policy_text
from postguard.policy.models import PolicyVersion
from postguard.policy.schema import Policy


class PolicyVersionError(ValueError):
    """A policy version cannot move as asked; the message says why and what would work."""


_parsed: dict[str, Policy] = {}


def active_version() -> PolicyVersion | None:
    return PolicyVersion.objects.filter(state=PolicyVersion.State.ACTIVE).first()


def active_policy() -> Policy | None:
    """The active policy, parsed (cached by the text's SHA-256), or None before the first one."""
    row = PolicyVersion.objects.filter(state=PolicyVersion.State.ACTIVE).values_list(
        "sha256", "yaml_text", "number"
    )
    found = row.first()
    if found is None:
        return None
    sha, text, number = found
    policy = _parsed.get(sha)
    if policy is None:
        policy = load_policy_text(text, source=f"policy version {number}")
        _parsed[sha] = policy
    return policy


def require_active_policy() -> Policy:
    policy = active_policy()
    if policy is None:
        raise PolicyVersionError(
            "no policy is active yet; install one with "
            "`postguard policy-version bootstrap FILE` (or `postguard demo` for the demo)"
        )
    return policy


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def diff_text(old: str, new: str, old_name: str, new_name: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=old_name,
            tofile=new_name,
        )
    )


def _snapshot(version: PolicyVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "state": version.state,
        "sha256": version.sha256,
        "author": version.author_name,
        "approved_by": version.approved_by_name,
        "summary": version.summary,
    }


def _record(action: str, actor: Any, version: PolicyVersion, **kwargs: Any) -> None:
    from postguard.audit.log import record

    record(
        action,
        actor=None if is_system(actor) else actor,
        actor_name=actor_name(actor),
        obj=version,
        **kwargs,
    )


def propose(actor: Any, text: str, summary: str = "") -> PolicyVersion:
    """Store `text` as a proposed version (validated first); PolicyError lists its problems."""
    require(actor, "policy.propose")
    load_policy_text(text, source="proposed policy")
    with transaction.atomic():
        active = (
            PolicyVersion.objects.select_for_update()
            .filter(state=PolicyVersion.State.ACTIVE)
            .first()
        )
        sha = sha256_of(text)
        if active is not None and active.sha256 == sha:
            raise PolicyVersionError(
                f"this text is identical to the active policy (version {active.number}); "
                "change something before proposing it"
            )
        number = (PolicyVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        version = PolicyVersion.objects.create(
            number=number,
            yaml_text=text,
            sha256=sha,
            summary=summary.strip()[:500],
            based_on=active,
            diff=diff_text(
                active.yaml_text if active else "",
                text,
                f"version {active.number}" if active else "(no policy)",
                f"version {number}",
            ),
            author=None if is_system(actor) else actor,
            author_name=actor_name(actor),
        )
        _record(
            "policy.version.propose",
            actor,
            version,
            after={**_snapshot(version), "diff": version.diff},
        )
    return version


def approve(actor: Any, version: PolicyVersion, reason: str = "") -> PolicyVersion:
    """Make a proposed version active (a lead who is not its author); the old one is superseded."""
    with transaction.atomic():
        version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
        if version.author_id is not None and version.author_id == getattr(actor, "pk", None):
            raise PolicyVersionError(
                f"policy version {version.number} was proposed by you; another lead must "
                "approve it (nobody approves their own change)"
            )
        require(actor, "policy.approve", version)
        return _activate(actor, version, reason, "policy.version.approve")


def bootstrap(actor: Any, text: str, summary: str = "initial policy") -> PolicyVersion:
    """Install the first policy when none is active (the system actor only)."""
    require(actor, "policy.bootstrap")
    with transaction.atomic():
        if PolicyVersion.objects.filter(state=PolicyVersion.State.ACTIVE).exists():
            raise PolicyVersionError(
                "a policy is already active; changes must be proposed and approved by a lead"
            )
        version = propose(actor, text, summary)
        return _activate(
            actor, version, "bootstrap: no policy was active", "policy.version.bootstrap"
        )


def _activate(actor: Any, version: PolicyVersion, reason: str, action: str) -> PolicyVersion:
    if version.state != PolicyVersion.State.PROPOSED:
        raise PolicyVersionError(
            f"policy version {version.number} is {version.state}; only a proposed version "
            "can be approved"
        )
    active = (
        PolicyVersion.objects.select_for_update().filter(state=PolicyVersion.State.ACTIVE).first()
    )
    if (active.pk if active else None) != version.based_on_id:
        raise PolicyVersionError(
            f"policy version {version.number} was proposed against "
            f"{'version ' + str(version.based_on.number) if version.based_on else 'no policy'}, "
            f"but version {active.number if active else '(none)'} is active now; propose the "
            "change again so its diff shows what would really change"
        )
    load_policy_text(version.yaml_text, source=f"policy version {version.number}")
    before = _snapshot(version)
    if active is not None:
        active_before = _snapshot(active)
        active.state = PolicyVersion.State.SUPERSEDED
        active.save(update_fields=["state"])
        _record(
            "policy.version.supersede", actor, active, before=active_before, after=_snapshot(active)
        )
    version.state = PolicyVersion.State.ACTIVE
    version.approved_by = None if is_system(actor) else actor
    version.approved_by_name = actor_name(actor)
    version.approved_at = timezone.now()
    version.decided_reason = reason.strip()
    version.save(
        update_fields=["state", "approved_by", "approved_by_name", "approved_at", "decided_reason"]
    )
    _record(action, actor, version, before=before, after=_snapshot(version))
    return version


def reject(actor: Any, version: PolicyVersion, reason: str) -> PolicyVersion:
    if not reason.strip():
        raise PolicyVersionError("give a reason for rejecting the policy version")
    require(actor, "policy.reject", version)
    with transaction.atomic():
        version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
        if version.state != PolicyVersion.State.PROPOSED:
            raise PolicyVersionError(
                f"policy version {version.number} is {version.state}; only a proposed version "
                "can be rejected"
            )
        before = _snapshot(version)
        version.state = PolicyVersion.State.REJECTED
        version.rejected_by_name = actor_name(actor)
        version.rejected_at = timezone.now()
        version.decided_reason = reason.strip()
        version.save(update_fields=["state", "rejected_by_name", "rejected_at", "decided_reason"])
        _record("policy.version.reject", actor, version, before=before, after=_snapshot(version))
    return version
