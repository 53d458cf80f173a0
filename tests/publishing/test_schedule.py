"""The schedule: a month calendar and a list of approved, scheduled and published posts at their
publish time in the site's time zone, scoped like the posts; its API; and scheduling over the API.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from postguard.publishing.models import Delivery
from postguard.workflow.models import Post, State
from tests.publishing.test_archive import ArchiveFlow, approve_and_schedule, deliver
from tests.web.conftest import signed_in
from tests.workflow.conftest import Flow, req
from tests.workflow.test_web import on_device

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture
def flow(cast: Any, settings: Any, tmp_path: Path, fast_vetting: None) -> Flow:
    settings.MEDIA_ROOT = tmp_path / "media"
    return ArchiveFlow(cast)


def next_month_at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time in next month (always in the future, so windows stay open)."""
    today = timezone.now().date()
    first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return dt.datetime(first.year, first.month, day, hour, minute, tzinfo=UTC)


def month_of(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m")


def scheduled(
    flow: Flow,
    author: Any,
    approver: Any,
    account_ids: list[int],
    text: str,
    at: dt.datetime,
    until: dt.datetime | None = None,
) -> Post:
    post = flow.to_review(
        author,
        text,
        account_ids=account_ids,
        not_before=at,
        not_after=until or at + dt.timedelta(hours=6),
    )
    return approve_and_schedule(flow, post, approver, author)


class Board:
    def __init__(self, flow: Flow) -> None:
        cast = flow.cast
        self.cast = cast
        self.late = scheduled(
            flow, cast.eddie, cast.rita, [cast.bluesky.pk], "Late post.", next_month_at(14, 18)
        )
        self.early = scheduled(
            flow, cast.eddie, cast.rita, [cast.bluesky.pk], "Early post.", next_month_at(14, 9)
        )
        self.toot = scheduled(
            flow, cast.ollie, cast.lola, [cast.mastodon.pk], "Toot post.", next_month_at(3, 12)
        )
        # Approved, not yet scheduled: on the schedule with its state.
        self.approved = flow.to_review(
            cast.eddie,
            "Approved post.",
            account_ids=[cast.bluesky.pk],
            not_before=next_month_at(20, 8),
        )
        approve_only(self.approved, cast.rita)
        # Not on the schedule: still a draft, or in review.
        self.draft = flow.draft(cast.eddie, "Draft post.", not_before=next_month_at(14, 10))
        self.month = month_of(next_month_at(1, 0))


def approve_only(post: Post, approver: Any) -> Post:
    from postguard.workflow import services

    services.approve(post, approver, request=req(approver))
    post.refresh_from_db()
    return post


@pytest.fixture
def board(flow: Flow) -> Board:
    return Board(flow)


def page(who: Any, **params: str) -> str:
    response = signed_in(who).get("/schedule/", params)
    assert response.status_code == 200
    return str(response.content.decode())


def test_the_calendar_puts_each_post_on_its_day_with_state_and_accounts(board: Board) -> None:
    html = page(board.cast.lola, month=board.month)
    assert "in the site's time zone, <strong>UTC</strong>" in html
    first = next_month_at(1, 0)
    assert f'<h2 id="month-h">{first:%B %Y}</h2>' in html
    cell = day_cell(html, 14)
    # Earliest first, each linked to its post page, with its state and account mark.
    assert cell.index("09:00 Early post.") < cell.index("18:00 Late post.")
    assert f'href="/posts/{board.early.pk}/"' in cell
    assert "scheduled" in cell
    assert 'aria-label="Bluesky examplecounty.bsky.social"' in cell
    assert "Draft post." not in html
    assert "Toot post." in day_cell(html, 3)
    assert "Approved post." in day_cell(html, 20)
    assert "approved" in day_cell(html, 20)


def day_cell(html: str, day: int) -> str:
    """The calendar cell of day `day` of the shown month."""
    cells = re.findall(r"<td class=\"(?: today)?\"[^>]*>(.*?)</td>", html, flags=re.S)
    for cell in cells:
        if re.search(rf'<div class="day-number">{day}\b', cell):
            return str(cell)
    raise AssertionError(f"no cell for day {day}")


def test_the_list_is_sorted_by_time_with_window_end_targets_state_and_approvals(
    board: Board,
) -> None:
    html = page(board.cast.lola, month=board.month)
    listing = html[html.index('<ol class="schedule-list"') :]
    order = [
        listing.index(text)
        for text in ("Toot post.", "Early post.", "Late post.", "Approved post.")
    ]
    assert order == sorted(order)
    items = {
        text: item
        for item in listing.split("<li")[1:]
        for text in ("Toot post.", "Early post.", "Late post.", "Approved post.")
        if text in item
    }
    late = items["Late post."]
    assert f'href="/posts/{board.late.pk}/"' in late
    assert f"until {board.late.not_after:%a %-d %b, %H:%M}" in late
    assert ">scheduled<" in late
    assert "To Bluesky examplecounty.bsky.social" in late
    assert "approved by Rita &lt;rita@example.gov&gt;" in late
    assert "To Mastodon @county@mastodon.example" in items["Toot post."]
    assert "approved by Lola &lt;lola@example.gov&gt;" in items["Toot post."]
    assert ">approved<" in items["Approved post."]


def test_previous_and_next_month_and_today(board: Board) -> None:
    today = timezone.now().date()
    html = page(board.cast.lola)
    assert 'aria-current="date"' in html
    assert f'<div class="day-number">{today.day} <span class="badge">today</span>' in html
    this = today.replace(day=1)
    following = (this + dt.timedelta(days=32)).replace(day=1)
    previous = (this - dt.timedelta(days=1)).replace(day=1)
    assert f"?month={following:%Y-%m}" in html
    assert f"?month={previous:%Y-%m}" in html
    # Another month has no "today", and offers the way back.
    other = page(board.cast.lola, month=board.month)
    assert 'aria-current="date"' not in other
    assert f"?month={this:%Y-%m}" in other


def test_the_schedule_is_scoped_and_filtered_by_account(board: Board) -> None:
    cast = board.cast
    ollie = page(cast.ollie, month=board.month)
    assert "Toot post." in ollie
    assert "Early post." not in ollie
    eddie = page(cast.eddie, month=board.month)
    assert "Toot post." not in eddie
    assert "Early post." in eddie
    only_mastodon = page(cast.lola, month=board.month, account=str(cast.mastodon.pk))
    assert "Toot post." in only_mastodon
    assert "Early post." not in only_mastodon


def test_published_posts_stay_on_the_schedule_with_their_state(flow: Flow) -> None:
    cast = flow.cast
    post = scheduled(
        flow, cast.eddie, cast.rita, [cast.bluesky.pk], "Went out.", next_month_at(5, 7)
    )
    deliver(post, {cast.bluesky.pk: Delivery.State.PUBLISHED})
    html = page(cast.eddie, month=month_of(next_month_at(1, 0)))
    assert "Went out." in day_cell(html, 5)
    assert "published" in day_cell(html, 5)


def test_times_are_shown_in_the_site_time_zone(flow: Flow, settings: Any) -> None:
    settings.TIME_ZONE = "America/New_York"
    cast = flow.cast
    # 03:00 UTC on the 15th is 22:00 or 23:00 on the 14th in New York.
    scheduled(flow, cast.eddie, cast.rita, [cast.bluesky.pk], "Night post.", next_month_at(15, 3))
    html = page(cast.eddie, month=month_of(next_month_at(1, 0)))
    assert "<strong>America/New_York</strong>" in html
    assert "Night post." in day_cell(html, 14)
    assert "Night post." not in day_cell(html, 15)
    assert re.search(r"2[23]:00 Night post\.", html)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"month": "2026-13"}, "month: &#x27;2026-13&#x27; is not a month; use YYYY-MM"),
        ({"month": "November"}, "month: &#x27;November&#x27; is not a month; use YYYY-MM"),
        ({"account": "mastodon"}, "account: &#x27;mastodon&#x27; is not an account id"),
    ],
)
def test_bad_parameters_are_named(cast: Any, params: dict[str, str], message: str) -> None:
    assert message in page(cast.lola, **params)


def test_nobody_without_a_role_sees_the_schedule(cast: Any) -> None:
    assert signed_in(cast.nora).get("/schedule/").status_code == 403
    assert signed_in(None).get("/schedule/").status_code == 302


# --- the API ------------------------------------------------------------------------------------


def test_the_api_lists_the_schedule_in_a_range(board: Board) -> None:
    cast = board.cast
    start = next_month_at(1, 0)
    body = (
        signed_in(cast.lola)
        .get(
            "/api/v1/schedule",
            {"from": start.date().isoformat(), "to": next_month_at(15, 0).isoformat()},
        )
        .json()
    )
    assert body["time_zone"] == "UTC"
    assert [p["id"] for p in body["posts"]] == [board.toot.pk, board.early.pk, board.late.pk]
    early = body["posts"][1]
    assert early["state"] == "scheduled"
    assert early["targets"] == [
        {"id": cast.bluesky.pk, "platform": "bluesky", "handle": "examplecounty.bsky.social"}
    ]
    assert early["approvals"] == ["Rita <rita@example.gov>"]
    assert dt.datetime.fromisoformat(early["when"].replace("Z", "+00:00")) == next_month_at(14, 9)
    assert early["not_after"] is not None
    mastodon = (
        signed_in(cast.lola)
        .get("/api/v1/schedule", {"from": start.date().isoformat(), "account": cast.mastodon.pk})
        .json()
    )
    assert [p["id"] for p in mastodon["posts"]] == [board.toot.pk]
    # Scoped: ollie sees his Mastodon post only.
    ollie = signed_in(cast.ollie).get("/api/v1/schedule", {"from": start.date().isoformat()}).json()
    assert [p["id"] for p in ollie["posts"]] == [board.toot.pk]


def test_the_api_defaults_to_the_next_31_days(cast: Any) -> None:
    body = signed_in(cast.lola).get("/api/v1/schedule").json()
    start = dt.datetime.fromisoformat(body["start"].replace("Z", "+00:00"))
    end = dt.datetime.fromisoformat(body["end"].replace("Z", "+00:00"))
    assert start == dt.datetime.combine(timezone.now().date(), dt.time.min, tzinfo=UTC)
    assert end - start == dt.timedelta(days=31)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "next week"}, "query.from", "'next week' is not a date or time; use YYYY-MM-DD"),
        ({"to": "2026-11-28T09:00"}, "query.to", "'2026-11-28T09:00' has no time zone"),
        ({"from": "2026-11-28", "to": "2026-11-01"}, "query.to", "is not after from"),
        ({"from": "2026-01-01", "to": "2027-06-01"}, "query.to", "ask for at most 366"),
        ({"account": "x"}, "query.account", "'x' is not an account id"),
    ],
)
def test_the_api_names_a_bad_parameter(
    cast: Any, params: dict[str, str], field: str, message: str
) -> None:
    response = signed_in(cast.lola).get("/api/v1/schedule", params)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == field
    assert message in error["message"]


# --- scheduling over the API --------------------------------------------------------------------


def approved(flow: Flow) -> Post:
    cast = flow.cast
    post = flow.to_review(
        cast.eddie,
        "To be scheduled.",
        not_before=next_month_at(2, 9),
        account_ids=[cast.bluesky.pk],
    )
    return approve_only(post, cast.rita)


@pytest.mark.parametrize(
    ("who", "status"),
    [("eddie", 200), ("lola", 200), ("rita", 403), ("ollie", 404), ("nora", 404)],
)
def test_scheduling_over_the_api(flow: Flow, who: str, status: int) -> None:
    post = approved(flow)
    client = on_device(flow.cast, getattr(flow.cast, who))
    response = client.post(
        f"/api/v1/posts/{post.pk}/schedule", data=json.dumps({}), content_type="application/json"
    )
    assert response.status_code == status, response.content
    post.refresh_from_db()
    assert post.state == (State.SCHEDULED if status == 200 else State.APPROVED)
    if status == 200:
        assert response.json()["state"] == "scheduled"


def test_scheduling_a_post_that_is_not_approved_is_refused(flow: Flow) -> None:
    post = flow.to_review(flow.cast.eddie, "Still in review.")
    client = on_device(flow.cast, flow.cast.eddie)
    response = client.post(f"/api/v1/posts/{post.pk}/schedule")
    assert response.status_code == 409
    assert "cannot move to scheduled" in response.json()["detail"]


def test_scheduling_needs_an_enrolled_device(flow: Flow) -> None:
    post = approved(flow)
    response = signed_in(flow.cast.eddie).post(f"/api/v1/posts/{post.pk}/schedule")
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.state == State.APPROVED
