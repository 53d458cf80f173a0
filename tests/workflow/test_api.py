"""The posts API under the same rules as the web app: create, edit, submit, approve, comment,
override, request changes and withdraw, for each permission case."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from postguard.api.models import ApiToken
from postguard.api.tokens import create_token
from postguard.workflow.models import Post, State
from tests.workflow.conftest import CLEAN, REVIEW, Flow, set_policy
from tests.workflow.test_web import on_device

pytestmark = pytest.mark.django_db


def as_json(client: Client, method: str, url: str, body: Any = None) -> Any:
    if method == "get":
        response = client.get(url)
    else:
        response = getattr(client, method)(
            url, data=json.dumps(body or {}), content_type="application/json"
        )
    return response.status_code, response.json()


def test_a_post_through_the_api_from_draft_to_approved(flow: Flow) -> None:
    cast = flow.cast
    eddie = on_device(cast, cast.eddie)
    status, body = as_json(
        eddie, "post", "/api/v1/posts", {"text": REVIEW, "targets": [cast.bluesky.pk]}
    )
    assert status == 201
    assert (body["state"], body["version"]["number"]) == ("draft", 1)
    post_id = body["id"]
    status, body = as_json(
        eddie,
        "put",
        f"/api/v1/posts/{post_id}",
        {"text": REVIEW + " ", "targets": [cast.bluesky.pk]},
    )
    assert (status, body["version"]["number"]) == (200, 2)
    status, body = as_json(eddie, "post", f"/api/v1/posts/{post_id}/submit")
    assert (status, body["state"]) == (200, "submitted")
    from tests.workflow.conftest import run_jobs

    run_jobs()
    status, body = as_json(eddie, "post", f"/api/v1/posts/{post_id}/approve")
    assert status == 403
    assert "their own post" in body["detail"]
    rita = on_device(cast, cast.rita)
    status, body = as_json(rita, "post", f"/api/v1/posts/{post_id}/approve")
    assert status == 409
    assert "need an override" in body["detail"]
    status, body = as_json(
        rita,
        "post",
        f"/api/v1/posts/{post_id}/overrides",
        {"rule": "link.not_allowed", "start": 14, "end": 43, "reason": "NOAA is official"},
    )
    assert status == 403  # reviewers do not override
    sam = on_device(cast, cast.sam)
    status, body = as_json(
        sam,
        "post",
        f"/api/v1/posts/{post_id}/overrides",
        {"rule": "link.not_allowed", "start": 14, "end": 43, "reason": "NOAA is official"},
    )
    assert status == 200
    status, body = as_json(rita, "post", f"/api/v1/posts/{post_id}/approve")
    assert (status, body["state"]) == (200, "approved")
    assert body["approvals"][0]["digest"] == body["version"]["digest"]
    status, body = as_json(rita, "post", f"/api/v1/posts/{post_id}/comments", {"text": "Nice"})
    assert (status, body["text"]) == (201, "Nice")


@pytest.mark.parametrize(
    ("name", "status"),
    [("nobody", 401), ("nora", 403), ("ada", 403), ("rita", 403), ("ollie", 403), ("eddie", 201)],
)
def test_who_may_create_a_post(flow: Flow, name: str, status: int) -> None:
    client = Client() if name == "nobody" else on_device(flow.cast, getattr(flow.cast, name))
    got, _ = as_json(
        client, "post", "/api/v1/posts", {"text": CLEAN, "targets": [flow.cast.bluesky.pk]}
    )
    assert got == status


def test_a_token_on_no_enrolled_device_may_draft_but_not_approve(flow: Flow) -> None:
    post = flow.to_review()
    _, secret = create_token(flow.cast.rita, "ci", scope=ApiToken.Scope.WRITE)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    status, _ = as_json(client, "post", f"/api/v1/posts/{post.pk}/approve")
    assert status == 403
    set_policy(flow.cast, "devices:\n  unenrolled_may: [draft, submit, approve]\n")
    status, body = as_json(client, "post", f"/api/v1/posts/{post.pk}/approve")
    assert (status, body["state"]) == (200, "approved")


def test_a_read_only_token_changes_nothing(flow: Flow) -> None:
    post = flow.draft()
    _, secret = create_token(flow.cast.eddie, "read", scope=ApiToken.Scope.READ)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    status, _ = as_json(client, "post", f"/api/v1/posts/{post.pk}/withdraw")
    assert status == 403
    status, body = as_json(client, "get", f"/api/v1/posts/{post.pk}")
    assert (status, body["state"]) == (200, "draft")


def test_illegal_moves_answer_409_with_the_reason(flow: Flow) -> None:
    post = flow.draft()
    eddie = on_device(flow.cast, flow.cast.eddie)
    as_json(eddie, "post", f"/api/v1/posts/{post.pk}/withdraw", {"reason": "cancelled"})
    status, body = as_json(eddie, "post", f"/api/v1/posts/{post.pk}/submit")
    assert status == 409
    assert body["detail"].endswith(
        "it cannot move to submitted. From withdrawn it can move to: nothing (it is final)"
    )
    assert Post.objects.get().state == State.WITHDRAWN


def test_the_list_shows_only_posts_on_my_accounts(flow: Flow) -> None:
    flow.draft()
    status, body = as_json(on_device(flow.cast, flow.cast.ollie), "get", "/api/v1/posts")
    assert (status, body) == (200, [])
    status, body = as_json(on_device(flow.cast, flow.cast.ada), "get", "/api/v1/posts")
    assert (status, len(body)) == (200, 1)
