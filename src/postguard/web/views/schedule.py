"""The schedule: approved, scheduled and recently published posts at their publish time, as a
month calendar and as a list, in the site's time zone. The API's /schedule reads the same
`scheduled_posts()`, so both see what `.restrict(user, "post.view")` lets them."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from postguard.core.permissions import require
from postguard.publishing.archive import day_start, site_zone
from postguard.registry.models import PlatformAccount
from postguard.workflow.models import Approval, Post, State

# What belongs on a schedule: posts cleared to go out, going out, or gone out.
SCHEDULE_STATES: Final = (
    State.APPROVED,
    State.SCHEDULED,
    State.PUBLISHING,
    State.PUBLISHED,
    State.UNCONFIRMED,
    State.FAILED,
)
MAX_RANGE_DAYS: Final = 366
DEFAULT_RANGE_DAYS: Final = 31
PLATFORM_MARKS: Final = {"bluesky": "B", "mastodon": "M"}


class ScheduleError(ValueError):
    """Wrong parameters; `problems` holds (parameter, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems))


@dataclass(frozen=True, slots=True)
class Target:
    id: int
    platform: str
    platform_label: str
    handle: str

    @property
    def mark(self) -> str:
        return PLATFORM_MARKS.get(self.platform, self.platform[:1].upper())


@dataclass(frozen=True, slots=True)
class Item:
    """One post on the schedule."""

    id: int
    state: str
    state_label: str
    when: dt.datetime  # not_before, or when it was approved/scheduled/published if it has none
    not_before: dt.datetime | None
    not_after: dt.datetime | None
    text: str
    author: str
    targets: tuple[Target, ...]
    approvals: tuple[str, ...]

    @property
    def local(self) -> dt.datetime:
        return self.when.astimezone(site_zone())

    @property
    def local_end(self) -> dt.datetime | None:
        return self.not_after.astimezone(site_zone()) if self.not_after else None


def parse_account(value: Any) -> int | None:
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    if not text.isdigit():
        raise ScheduleError(
            [("account", f"{text!r} is not an account id; give a number such as 3")]
        )
    return int(text)


def scheduled_posts(
    user: Any,
    start: dt.datetime,
    end: dt.datetime,
    *,
    account: int | None = None,
    request: HttpRequest | None = None,
) -> list[Item]:
    """Posts on the schedule from `start` (included) to `end` (excluded), earliest first."""
    rows: QuerySet[Post] = (
        Post.objects.restrict(user, "post.view", request=request)
        .filter(state__in=SCHEDULE_STATES)
        .annotate(when=Coalesce("not_before", "state_changed_at"))
        .filter(when__gte=start, when__lt=end)
    )
    if account is not None:
        rows = rows.filter(targets__id=account).distinct()
    rows = (
        rows.select_related("current_version")
        .prefetch_related(
            Prefetch("targets", queryset=PlatformAccount.objects.order_by("platform", "handle")),
            Prefetch(
                "approvals",
                queryset=Approval.objects.filter(voided_at__isnull=True).order_by("created_at"),
            ),
        )
        .order_by("when", "pk")
    )
    items = []
    for post in rows:
        version = post.current_version
        items.append(
            Item(
                id=post.pk,
                state=post.state,
                state_label=State(post.state).label,
                when=post.when,  # type: ignore[attr-defined]  # the annotation above
                not_before=post.not_before,
                not_after=post.not_after,
                text=version.text if version is not None else "",
                author=post.author_name,
                targets=tuple(
                    Target(a.pk, a.platform, a.get_platform_display(), a.handle)
                    for a in post.targets.all()
                ),
                approvals=tuple(
                    a.approver_name
                    for a in post.approvals.all()
                    if version is not None and a.version_id == version.pk
                ),
            )
        )
    return items


def parse_month(value: str | None, today: dt.date) -> dt.date:
    """The first day of the month `value` names (YYYY-MM), or of this month."""
    text = (value or "").strip()
    if not text:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in text.split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        raise ScheduleError(
            [("month", f"{text!r} is not a month; use YYYY-MM, such as {today:%Y-%m}")]
        ) from None


def _shift(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@login_required
def schedule(request: HttpRequest) -> HttpResponse:
    require(request.user, "post.view", request=request)
    today = timezone.now().astimezone(site_zone()).date()
    errors: list[str] = []
    try:
        first = parse_month(request.GET.get("month"), today)
    except ScheduleError as exc:
        errors += [f"{n}: {m}" for n, m in exc.problems]
        first = today.replace(day=1)
    try:
        account = parse_account(request.GET.get("account"))
    except ScheduleError as exc:
        errors += [f"{n}: {m}" for n, m in exc.problems]
        account = None
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    items = scheduled_posts(
        request.user,
        day_start(weeks[0][0]),
        day_start(weeks[-1][-1] + dt.timedelta(days=1)),
        account=account,
        request=request,
    )
    by_day: dict[dt.date, list[Item]] = {}
    for item in items:
        by_day.setdefault(item.local.date(), []).append(item)
    grid = [
        [
            {
                "date": day,
                "in_month": day.month == first.month,
                "today": day == today,
                "items": by_day.get(day, []),
            }
            for day in week
        ]
        for week in weeks
    ]
    account_query = f"&account={account}" if account is not None else ""
    return render(
        request,
        "web/schedule/calendar.html",
        {
            "month": first,
            "previous": _shift(first, -1),
            "next": _shift(first, 1),
            "this_month": today.replace(day=1),
            "weeks": grid,
            "day_names": [calendar.day_abbr[i] for i in range(7)],  # Monday first
            "listed": [i for i in items if i.local.month == first.month],
            "accounts": PlatformAccount.objects.restrict(
                request.user, "post.view", request=request
            ).order_by("platform", "handle"),
            "account": account,
            "account_query": account_query,
            "time_zone": settings.TIME_ZONE,
            "errors": errors,
        },
    )


def parse_range(params: Mapping[str, Any], now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """`from` and `to` for the API: a date (YYYY-MM-DD, the site's midnight) or an ISO 8601 time
    with an offset. Default: from the start of today, 31 days."""
    problems: list[tuple[str, str]] = []
    start = _instant(params.get("from"), "from", problems)
    end = _instant(params.get("to"), "to", problems)
    if problems:
        raise ScheduleError(problems)
    if start is None:
        start = day_start(now.astimezone(site_zone()).date())
    if end is None:
        end = start + dt.timedelta(days=DEFAULT_RANGE_DAYS)
    if end <= start:
        raise ScheduleError([("to", f"{end.isoformat()} is not after from ({start.isoformat()})")])
    if end - start > dt.timedelta(days=MAX_RANGE_DAYS):
        raise ScheduleError(
            [("to", f"the range is {(end - start).days} days; ask for at most {MAX_RANGE_DAYS}")]
        )
    return start, end


def _instant(value: Any, name: str, problems: list[tuple[str, str]]) -> dt.datetime | None:
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return day_start(dt.date.fromisoformat(text))
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        problems.append(
            (
                name,
                f"{text!r} is not a date or time; use YYYY-MM-DD or an ISO 8601 time with an "
                "offset, such as 2026-11-28T09:00:00+00:00",
            )
        )
        return None
    if moment.tzinfo is None:
        problems.append(
            (name, f"{text!r} has no time zone; add an offset such as +00:00, or give a date")
        )
        return None
    return moment
