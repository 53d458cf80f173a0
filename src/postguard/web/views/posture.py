"""The account posture page and the dashboard: the seed's checklist at a glance, with scores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from postguard.core.permissions import can, require
from postguard.policy.versions import active_policy
from postguard.registry import posture as registry_posture
from postguard.registry.models import PlatformAccount


def grade(score: int) -> str:
    if score >= 80:
        return "good"
    if score >= 50:
        return "fair"
    return "poor"


BADGE = {"good": "ok", "fair": "warn", "poor": "bad"}


@dataclass
class Row:
    account: PlatformAccount
    score: int
    findings: list[Any]

    @property
    def grade_class(self) -> str:
        return grade(self.score)

    @property
    def grade(self) -> str:
        return BADGE[grade(self.score)]


def account_row(account: PlatformAccount) -> Row | None:
    policy = active_policy()
    if policy is None:
        return None
    report = registry_posture.posture_for(account, policy)
    return Row(account=account, score=report.score, findings=list(report.findings))


def posture_rows(request: HttpRequest) -> list[Row]:
    accounts = PlatformAccount.objects.restrict(
        request.user, "account.view", request=request
    ).select_related("keeper__user")
    rows = [account_row(account) for account in accounts]
    return [row for row in rows if row is not None]


def summary(rows: list[Row]) -> dict[str, Any]:
    scores = [r.score for r in rows]
    org_score = sum(scores) // len(scores) if scores else 100
    findings = [f for r in rows for f in r.findings]
    return {
        "rows": rows,
        "has_policy": active_policy() is not None,
        "org_score": org_score,
        "org_grade_class": grade(org_score),
        "account_count": len(rows),
        "finding_count": len(findings),
        "high_count": sum(1 for f in findings if f.severity in {"critical", "high"}),
    }


@login_required
def posture(request: HttpRequest) -> HttpResponse:
    require(request.user, "posture.view", request=request)
    context = summary(posture_rows(request))
    context["can_add_account"] = can(request.user, "account.create", request=request)
    return render(request, "web/posture.html", context)


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    from postguard.core.permissions import held_roles
    from postguard.policy.models import PolicyVersion
    from postguard.policy.versions import active_version

    user = request.user
    accounts = {a.pk: a for a in PlatformAccount.objects.all()}
    context: dict[str, Any] = {
        "show_posture": can(user, "posture.view", request=request),
        "my_roles": [
            {"role": role, "account": accounts.get(account_id) if account_id else None}
            for role, account_id in held_roles(user)
        ],
        "active_policy": active_version(),
        "proposed_count": PolicyVersion.objects.restrict(user, "policy.view", request=request)
        .filter(state=PolicyVersion.State.PROPOSED)
        .count(),
    }
    if context["show_posture"]:
        rows = posture_rows(request)
        context.update(summary(rows))
        context["worst"] = sorted(rows, key=lambda r: r.score)[:3]
    return context
