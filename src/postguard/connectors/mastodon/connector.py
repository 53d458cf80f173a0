"""Mastodon through Mastodon.py, sending over Postguard's guarded client.

Exactly once: every status is posted with the Idempotency-Key header (Mastodon answers a
repeat within about an hour with the first status), and before any retry `find` searches the
account's statuses made since the key's time for one with the same text and images.
"""

from __future__ import annotations

import html.parser
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from mastodon import Mastodon
from mastodon import errors as sdk_errors

from postguard.connectors.base import (
    AccountInfo,
    Capabilities,
    Connector,
    ConnectorError,
    LengthCounting,
    OutcomeUnknownError,
    PermanentError,
    PublishRequest,
    PublishResult,
    RemoteMedia,
    RemotePost,
    RetryableError,
    idempotency_key_time,
)
from postguard.connectors.credentials import Secret
from postguard.connectors.http import (
    HttpClient,
    RequestsAdapter,
    decode_json,
    requests_session,
    retry_after,
    status_error,
    transport_error,
    truncated,
)

PLATFORM = "mastodon"
# How far back from a key's time `find` looks (clock skew between us and the server), and how
# many statuses it reads at most.
FIND_SKEW = timedelta(minutes=10)
FIND_LIMIT = 200
_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "image/heif": ".heif",
    "image/avif": ".avif",
}

T = TypeVar("T")

CAPABILITIES = Capabilities(
    platform=PLATFORM,
    max_length=500,
    length_counting=LengthCounting.CHARS_LINKS_23,
    max_images=4,
    image_types=frozenset(_EXTENSIONS),
    max_image_bytes=16 * 1024 * 1024,
    alt_text=True,
    max_alt_length=1500,
    threads=True,
)


class _TextOfHtml(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(content: str) -> str:
    """The plain text of a status's HTML (links in full: Mastodon hides parts in spans)."""
    parser = _TextOfHtml()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts)


def same_text(a: str, b: str) -> bool:
    """Equal up to whitespace, which Mastodon reflows when it renders a status."""
    return re.sub(r"\s+", " ", a).strip() == re.sub(r"\s+", " ", b).strip()


class MastodonConnector(Connector):
    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(
        self,
        *,
        instance_url: str,
        access_token: Secret,
        http: HttpClient,
        visibility: str = "public",
    ) -> None:
        self.instance_url = instance_url.rstrip("/")
        self.visibility = visibility
        self._http = http
        self._adapter = RequestsAdapter(http, platform=PLATFORM)
        self._api = Mastodon(
            access_token=access_token.reveal(),
            api_base_url=self.instance_url,
            session=requests_session(self._adapter),
            ratelimit_method="throw",  # waiting is the publisher's decision, not the SDK's
            version_check_mode="none",
            mastodon_version="4.0.0",  # no version probe: /api/v2/media and idempotency exist
            request_timeout=http.timeouts.read,
        )
        self._account_id: str | None = None

    def __repr__(self) -> str:
        return f"MastodonConnector({self.instance_url})"

    def close(self) -> None:
        """Close the HTTP client this connector was built with (the requests adapter's)."""
        self._http.close()

    # --- the interface ------------------------------------------------------------------

    def verify_credentials(self) -> AccountInfo:
        account = self._call(
            "GET /api/v1/accounts/verify_credentials",
            self._api.account_verify_credentials,
            write=False,
        )
        self._account_id = str(account.id)
        return AccountInfo(
            remote_id=str(account.id),
            handle=str(account.acct),
            display_name=str(account.display_name or ""),
        )

    def publish(self, request: PublishRequest) -> PublishResult:
        self.check(request)
        media_ids = [self._upload(number, item) for number, item in enumerate(request.media, 1)]
        status = self._call(
            "POST /api/v1/statuses",
            lambda: self._api.status_post(
                request.text,
                media_ids=media_ids or None,
                idempotency_key=request.idempotency_key,
                language=request.language,
                visibility=self.visibility,
            ),
            write=True,
        )
        return self._result(status)

    def find(self, request: PublishRequest) -> PublishResult | None:
        """The status made for this request: same text and alt texts, made since the key's time.

        Mastodon keeps no trace of an idempotency key on the status itself, so the content is
        what identifies it; the key's time bounds the search.
        """
        since = idempotency_key_time(request.idempotency_key) - FIND_SKEW
        wanted_alts = [item.alt for item in request.media]
        for status in self._statuses_since(since):
            alts = [str(m.description or "") for m in status.media_attachments or []]
            if same_text(html_to_text(status.content or ""), request.text) and alts == wanted_alts:
                return self._result(status)
        return None

    def fetch(self, remote_id: str) -> RemotePost | None:
        try:
            status = self._call(
                f"GET /api/v1/statuses/{remote_id}",
                lambda: self._api.status(remote_id),
                write=False,
                missing_ok=True,
            )
        except _Missing:
            return None
        return self._remote_post(status)

    def recent(self, limit: int = 50) -> list[RemotePost]:
        posts: list[RemotePost] = []
        for status in self._pages(limit):
            posts.append(self._remote_post(status))
        return posts[:limit]

    # --- helpers ------------------------------------------------------------------------

    def _me(self) -> str:
        if self._account_id is None:
            self.verify_credentials()
        assert self._account_id is not None
        return self._account_id

    def _pages(self, limit: int) -> Any:
        """Own statuses, newest first, page by page, up to `limit`."""
        account = self._me()
        seen = 0
        max_id: str | None = None
        while seen < limit:
            page = self._call(
                f"GET /api/v1/accounts/{account}/statuses",
                _bind(
                    self._api.account_statuses, account, max_id=max_id, limit=min(40, limit - seen)
                ),
                write=False,
            )
            if not page:
                return
            for status in page:
                seen += 1
                yield status
            max_id = str(page[-1].id)

    def _statuses_since(self, since: datetime) -> Any:
        for status in self._pages(FIND_LIMIT):
            if _as_utc(status.created_at) < since:
                return
            yield status

    def _upload(self, number: int, item: Any) -> str:
        try:
            media = self._call(
                "POST /api/v2/media",
                lambda: self._api.media_post(
                    item.data,
                    mime_type=item.mime_type,
                    description=item.alt or None,
                    file_name=f"image{number}{_EXTENSIONS.get(item.mime_type, '')}",
                ),
                write=True,
            )
        except OutcomeUnknownError as exc:
            # An attachment is not a post: nothing is published until the status exists, and
            # Mastodon deletes attachments that no status uses.
            raise RetryableError(
                f"image {number} did not finish uploading ({exc.message}); no post was created, "
                "so trying again is safe",
                platform=PLATFORM,
            ) from exc
        return str(media.id)

    def _result(self, status: Any) -> PublishResult:
        return PublishResult(
            remote_id=str(status.id),
            url=str(status.url or status.uri or ""),
            created_at=_as_utc(status.created_at),
            version=_as_utc(status.edited_at).isoformat() if status.edited_at else "",
        )

    def _remote_post(self, status: Any) -> RemotePost:
        media = tuple(
            RemoteMedia(
                mime_type=str(m.type or ""),
                alt=str(m.description or ""),
                ref=str(m.id),
                url=str(m.url or ""),
            )
            for m in status.media_attachments or []
        )
        result = self._result(status)
        return RemotePost(
            remote_id=result.remote_id,
            url=result.url,
            text=html_to_text(status.content or ""),
            created_at=result.created_at,
            media=media,
            edited=status.edited_at is not None,
            version=result.version,
            author=str(status.account.id) if status.get("account") else "",
        )

    def _call(
        self, action: str, call: Callable[[], T], *, write: bool, missing_ok: bool = False
    ) -> T:
        """Run one Mastodon.py call; every failure leaves as a connector error (or _Missing)."""
        method, _, path = action.partition(" ")
        url = self.instance_url + path
        try:
            return call()
        except ConnectorError as exc:
            exc.platform = exc.platform or PLATFORM
            raise
        except sdk_errors.MastodonNetworkError as exc:
            # Mastodon.py wraps what the adapter raised; the adapter's error is the precise one.
            inner = exc.__context__
            raise transport_error(
                inner if inner is not None else exc, method=method, url=url, platform=PLATFORM
            ) from exc
        except sdk_errors.MastodonError as exc:
            raise self._translate(exc, method, url, missing_ok=missing_ok) from exc

    def _translate(self, exc: Exception, method: str, url: str, *, missing_ok: bool) -> Exception:
        answer = self._adapter.last_response
        if isinstance(exc, sdk_errors.MastodonNotFoundError) and missing_ok:
            return _Missing()
        if isinstance(exc, sdk_errors.MastodonUnauthorizedError):
            return PermanentError(
                f"{self.instance_url} refused this account's access token (401): the token was "
                "revoked or has expired; reconnect the account",
                platform=PLATFORM,
            )
        if isinstance(exc, sdk_errors.MastodonRatelimitError):
            wait = retry_after(answer.headers) if answer is not None else None
            later = f"wait {wait:.0f} s" if wait is not None else "wait"
            return RetryableError(
                f"{method} {url}: rate limited (429); {later} and try again",
                retry_after=wait,
                platform=PLATFORM,
            )
        if answer is None:
            return PermanentError(f"{method} {url}: {exc}", platform=PLATFORM)
        if 200 <= answer.status_code < 300:
            # A 2xx Mastodon.py could not read: say what the body was.
            try:
                decode_json(
                    answer.content,
                    content_type=answer.headers.get("content-type", ""),
                    method=method,
                    url=url,
                    platform=PLATFORM,
                )
            except ConnectorError as error:
                return error
            return PermanentError(f"{method} {url}: unexpected answer ({exc})", platform=PLATFORM)
        if answer.status_code == 422 and b"processing" in answer.content:
            return RetryableError(
                f"{method} {url}: an image is still being processed by the server; try again "
                "in a few seconds",
                retry_after=5.0,
                platform=PLATFORM,
            )
        return status_error(
            answer.status_code,
            answer.headers,
            answer.content,
            method=method,
            url=url,
            platform=PLATFORM,
            truncated=truncated(answer),
        )


class _Missing(Exception):  # noqa: N818  # a signal between two methods, not an error
    """The status is not there."""


def _bind(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[], Any]:
    return lambda: function(*args, **kwargs)


def _as_utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
