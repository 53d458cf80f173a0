"""The vetting job (`workflow.vet`): run the engine on one version with the organization's active
policy and directory, store the VettingResult, and move a submitted post into review.

Also the synchronous preview the compose page calls as the author types (nothing stored).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from postguard.audit.log import audit_context, record
from postguard.core.actors import SYSTEM, actor_name
from postguard.jobs.runner import handler, periodic
from postguard.policy.schema import Policy
from postguard.policy.versions import active_policy
from postguard.registry.models import DirectoryEntry, PlatformAccount
from postguard.vetting.context import VettingContext
from postguard.vetting.directory import Employee
from postguard.vetting.engine import Engine
from postguard.vetting.findings import Report
from postguard.vetting.post import ImageInput, Platform
from postguard.vetting.post import Post as VettedPost
from postguard.workflow.machine import transition
from postguard.workflow.models import Post, PostVersion, State, VettingResult

NO_POLICY = {
    "rule": "workflow.no_policy",
    "severity": "block",
    "message": "No policy is active, so the post could not be vetted; a lead must approve one",
    "start": 0,
    "end": 0,
    "text": "",
    "suggestion": "",
}


@functools.cache
def engine() -> Engine:
    """Built once per process: the rules compile their patterns and load their models here,
    with the spaCy model POSTGUARD_NLP_MODEL names for person names (or none, which the
    report's notices then say). The API's /vet uses this same engine."""
    from postguard.settings.vetting import nlp_model_name
    from postguard.vetting.rules.registry import engine_for_model

    return engine_for_model(nlp_model_name())


def directory() -> list[Employee]:
    """The registry's employee directory as the engine sees it."""
    return [
        Employee(
            name=e.name,
            preferred_name=e.preferred_name,
            department=e.department,
            title=e.title,
            email=e.email or "",
            phone=e.phone,
            office=e.office,
            team=e.team,
            participant=e.participant,
            consent_date=e.consent_date,
            work_handle=e.work_handle,
        )
        for e in DirectoryEntry.objects.all()
    ]


def platforms_of(account_ids: Sequence[int]) -> tuple[Platform, ...]:
    known = {p.value for p in Platform}
    names = PlatformAccount.objects.filter(pk__in=account_ids).values_list("platform", flat=True)
    return tuple(sorted({Platform(n) for n in names if n in known}))


def vet_text(
    text: str,
    account_ids: Sequence[int],
    images: Sequence[ImageInput] = (),
    author_email: str | None = None,
    policy: Policy | None = None,
) -> Report | None:
    """The engine's report for unsaved content; None when no policy is active."""
    policy = policy or active_policy()
    if policy is None:
        return None
    post = VettedPost(
        text=text,
        platforms=platforms_of(account_ids),
        images=tuple(images),
        author_email=author_email,
    )
    return engine().vet(post, VettingContext.from_policy(policy, directory()))


def vet_version(version: PostVersion) -> VettingResult:
    images = [
        ImageInput(path=Path(settings.MEDIA_ROOT) / image.path, alt=image.alt, name=image.name)
        for image in version.images.all()
    ]
    report = vet_text(
        version.text, version.account_ids, images, author_email=version.post.author.email
    )
    if report is None:
        return VettingResult.objects.create(
            version=version, verdict="block", findings=[NO_POLICY], notices=[]
        )
    data: dict[str, Any] = report.to_dict()
    return VettingResult.objects.create(
        version=version,
        verdict=data["verdict"],
        findings=data["findings"],
        notices=list(report.notices),
    )


@handler("workflow.vet")
def vet_job(version_id: str) -> None:
    version = PostVersion.objects.select_related("post").get(pk=int(version_id))
    with audit_context(actor_name=actor_name(SYSTEM), device="worker"):
        result = vet_version(version)
        with transaction.atomic():
            post = Post.objects.select_for_update().get(pk=version.post_id)
            record(
                "workflow.post.vetted",
                actor=SYSTEM,
                actor_name=actor_name(SYSTEM),
                obj=post,
                after={
                    "version": version.number,
                    "verdict": result.verdict,
                    "findings": len(result.findings),
                },
            )
            # An edit during vetting made a newer version: its own job moves the post on.
            if post.state == State.SUBMITTED and post.current_version_id == version.pk:
                transition(post, State.IN_REVIEW, actor=SYSTEM, details={"verdict": result.verdict})


@periodic("workflow.expire_approvals")
def expire_approvals() -> None:
    from postguard.workflow.services import expire_stale_approvals

    with audit_context(actor_name=actor_name(SYSTEM), device="worker"):
        expire_stale_approvals()
