"""Resolving by hand in the web app and over the API: the form in the post page's Deliveries
section (leads and security, on an enrolled device, after re-authentication), its own page, and
POST /api/v1/deliveries/{id}/resolve. The platform calls are tested in test_resolve.py; "not
there" needs none, so these tests need no server.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from postguard.connectors.base import new_idempotency_key
from postguard.core.actors import SYSTEM
from postguard.publishing.models import Delivery
from postguard.registry.devices import set_device_cookie
from postguard.registry.services import enroll_device
from postguard.workflow import services
from postguard.workflow.models import Post, State
from tests.publishing.conftest import CLEAN, req
from tests.web.conftest import signed_in

pytestmark = pytest.mark.django_db

GAVE_UP = "the outcome is unknown. Postguard checked 5 times and cannot tell"


def unconfirmed_delivery(cast: Any, *, next_check: bool = False) -> Delivery:
    """A Bluesky post whose one delivery Postguard gave up checking (no platform involved)."""
    content = services.Content(text=CLEAN, account_ids=[cast.bluesky.pk])
    post = services.create_post(cast.lola, content, request=req(cast.lola))
    Post.objects.filter(pk=post.pk).update(state=State.UNCONFIRMED)
    assert post.current_version is not None
    return Delivery.objects.create(
        post=post,
        account=cast.bluesky,
        version=post.current_version,
        idempotency_key=new_idempotency_key(),
        state=Delivery.State.UNCONFIRMED,
        attempts=1,
        next_attempt_at=timezone.now() if next_check else None,
        last_error=GAVE_UP,
    )


def on_device(user: Any, *, reauthenticated: bool = True) -> Client:
    """`user` signed in on an enrolled company device (resolving needs one by default)."""
    client = signed_in(user, reauthenticated=reauthenticated)
    if user is None:
        return client
    _, token = enroll_device(SYSTEM, f"laptop for {user.username}")
    response = HttpResponse()
    set_device_cookie(response, token)
    name = django_settings.DEVICE_COOKIE_NAME
    client.cookies[name] = response.cookies[name].value
    return client


def resolve_url(delivery: Delivery) -> str:
    return f"/deliveries/{delivery.pk}/resolve/"


def api_url(delivery: Delivery) -> str:
    return f"/api/v1/deliveries/{delivery.pk}/resolve"


# --- the post page ------------------------------------------------------------------------------


def test_the_post_page_offers_the_form_to_a_lead_and_not_to_the_editor(cast: Any) -> None:
    delivery = unconfirmed_delivery(cast)
    page = f"/posts/{delivery.post_id}/"
    lead = on_device(cast.lola).get(page).content.decode()
    assert f'action="{resolve_url(delivery)}"' in lead
    assert "Postguard stopped checking: look at" in lead
    editor = on_device(cast.eddie).get(page).content.decode()
    assert resolve_url(delivery) not in editor
    assert GAVE_UP in editor  # the editor still sees why


def test_no_form_while_postguard_is_still_checking(cast: Any) -> None:
    delivery = unconfirmed_delivery(cast, next_check=True)
    page = on_device(cast.lola).get(f"/posts/{delivery.post_id}/").content.decode()
    assert resolve_url(delivery) not in page


def test_a_lead_records_not_there_from_the_post_page(cast: Any) -> None:
    delivery = unconfirmed_delivery(cast)
    client = on_device(cast.lola)
    response = client.post(
        resolve_url(delivery), {"answer": "not_there", "note": "checked the profile at 10:05"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/posts/{delivery.post_id}/#delivery-{delivery.pk}"
    delivery.refresh_from_db()
    assert delivery.state == "failed"
    assert delivery.last_error.endswith("the post is not there (checked the profile at 10:05)")
    assert Post.objects.get(pk=delivery.post_id).state == State.FAILED
    page = client.get(f"/posts/{delivery.post_id}/").content.decode()
    assert "Recorded: not on" in page
    assert "can go back to draft" in page


def test_a_bad_answer_is_shown_next_to_its_field(cast: Any) -> None:
    delivery = unconfirmed_delivery(cast)
    response = on_device(cast.sam).post(
        resolve_url(delivery), {"answer": "found", "found": "my feed", "note": "seen"}
    )
    assert response.status_code == 400
    assert "is not a Bluesky post link or id" in response.content.decode()
    response = on_device(cast.sam).post(resolve_url(delivery), {"answer": "not_there"})
    assert response.status_code == 400
    assert "Say what you checked (where you looked, and when)" in response.content.decode()
    assert Delivery.objects.get(pk=delivery.pk).state == "unconfirmed"


def test_resolving_asks_for_the_password_again(cast: Any) -> None:
    delivery = unconfirmed_delivery(cast)
    response = on_device(cast.lola, reauthenticated=False).post(
        resolve_url(delivery), {"answer": "not_there", "note": "x"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/reauthenticate/")
    assert Delivery.objects.get(pk=delivery.pk).state == "unconfirmed"


def test_a_settled_delivery_has_nothing_to_resolve(cast: Any) -> None:
    delivery = unconfirmed_delivery(cast)
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.PUBLISHED)
    client = on_device(cast.lola)
    response = client.get(resolve_url(delivery))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert (
        f"The delivery to {cast.bluesky} is published: there is nothing to resolve by hand." in page
    )


# --- who may (on enrolled devices; the matrices in tests/web and tests/api cover the rest) ------

WHO = ("anonymous", "nora", "mona", "eddie", "ollie", "ada", "sam", "lola", "leo")
PAGE = {"anonymous": "login", "mona": "gate", "nora": 404, "ollie": 404, "eddie": 403, "ada": 403}
API = {"anonymous": 401, "mona": 403, "nora": 404, "ollie": 404, "eddie": 403, "ada": 403}


@pytest.mark.parametrize("who", WHO)
def test_who_may_open_the_resolve_page(cast: Any, who: str) -> None:
    delivery = unconfirmed_delivery(cast)
    user = None if who == "anonymous" else getattr(cast, who)
    response = on_device(user).get(resolve_url(delivery))
    want = PAGE.get(who, 200)
    if want == "login":
        assert response["Location"].startswith("/auth/login/")
    elif want == "gate":
        assert response["Location"] == "/mfa-required/"
    else:
        assert response.status_code == want


@pytest.mark.parametrize("who", WHO)
def test_who_may_resolve_over_the_api(cast: Any, who: str) -> None:
    delivery = unconfirmed_delivery(cast)
    user = None if who == "anonymous" else getattr(cast, who)
    response = on_device(user).post(
        api_url(delivery),
        json.dumps({"not_there": True, "note": "checked by hand"}),
        content_type="application/json",
    )
    want = API.get(who, 200)
    assert response.status_code == want, response.content
    delivery.refresh_from_db()
    assert delivery.state == ("failed" if want == 200 else "unconfirmed")


def test_the_api_answers_with_the_settled_delivery_and_names_bad_fields(cast: Any) -> None:
    delivery = unconfirmed_delivery(cast)
    client = on_device(cast.sam)
    bad = client.post(
        api_url(delivery),
        json.dumps({"found": "somewhere", "note": "seen"}),
        content_type="application/json",
    )
    assert bad.status_code == 400
    body = bad.json()
    assert body["errors"][0]["field"] == "body.found"
    assert "'somewhere' is not a Bluesky post link or id" in body["detail"]
    done = client.post(
        api_url(delivery),
        json.dumps({"not_there": True, "note": "checked by hand"}),
        content_type="application/json",
    )
    assert done.status_code == 200
    answer = done.json()
    assert (answer["state"], answer["post_state"], answer["verified"]) == (
        "failed",
        "failed",
        False,
    )
    assert answer["last_error"].endswith("the post is not there (checked by hand)")
    post = on_device(cast.sam).get(f"/api/v1/posts/{delivery.post_id}").json()
    assert post["deliveries"][0]["id"] == delivery.pk


def test_the_api_asks_a_session_to_reauthenticate(cast: Any) -> None:
    delivery = unconfirmed_delivery(cast)
    response = on_device(cast.lola, reauthenticated=False).post(
        api_url(delivery),
        json.dumps({"not_there": True, "note": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 401
    assert "re-authenticate first" in response.json()["detail"]
