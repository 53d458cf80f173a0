"""Bluesky (AT Protocol) through the `atproto` SDK, sending over Postguard's guarded client.

Exactly once: each post's record key is derived from its idempotency key, so the record can
be looked up before any retry, and a second create at the same key cannot make a second post
(the PDS refuses it). Sign-in uses the handle and an app password; nothing here needs an
AppView, so it works against any PDS.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
from atproto import Client, Request, models
from atproto import exceptions as sdk_errors

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
    idempotency_key_millis,
)
from postguard.connectors.credentials import Secret
from postguard.connectors.http import (
    HttpClient,
    ResponseTooLargeError,
    status_error,
    transport_error,
)

PLATFORM = "bluesky"
POST_COLLECTION = "app.bsky.feed.post"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_LINK = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")

T = TypeVar("T")
_XrpcError = models.common.XrpcError

CAPABILITIES = Capabilities(
    platform=PLATFORM,
    max_length=300,
    length_counting=LengthCounting.GRAPHEMES,
    max_images=4,
    image_types=frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"}),
    max_image_bytes=1_000_000,
    alt_text=True,
    max_alt_length=2000,
    threads=True,
    max_text_bytes=3000,
)


def record_key(idempotency_key: str) -> str:
    """The TID-shaped record key for a post, a pure function of its idempotency key.

    Its time part is the key's own time (milliseconds) plus microseconds and a clock id taken
    from a hash of the key, so keys sort by time like the TIDs Bluesky apps make, and two keys
    made in the same millisecond collide with odds of one in a million.
    """
    millis = idempotency_key_millis(idempotency_key)
    digest = hashlib.sha256(b"postguard bluesky rkey\x00" + idempotency_key.encode()).digest()
    noise = int.from_bytes(digest[:8], "big")
    micros = millis * 1000 + noise % 1000
    clock_id = (noise >> 10) & 0x3FF
    value = (micros << 10) | clock_id  # 63 bits: the top bit stays 0, as a TID requires
    return "".join(_TID_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def parse_post_uri(remote_id: str) -> tuple[str, str]:
    """(repo DID, record key) of an at:// post URI; PermanentError for anything else."""
    parts = remote_id.removeprefix("at://").split("/")
    if not remote_id.startswith("at://") or len(parts) != 3 or parts[1] != POST_COLLECTION:
        raise PermanentError(
            f"{remote_id!r} is not a Bluesky post id; expected at://<did>/{POST_COLLECTION}/<rkey>",
            platform=PLATFORM,
        )
    return parts[0], parts[2]


def link_facets(text: str) -> list[models.AppBskyRichtextFacet.Main]:
    """Facets that make the links in the text clickable (Bluesky indexes by UTF-8 bytes)."""
    facets = []
    for match in _LINK.finditer(text):
        start = len(text[: match.start()].encode())
        end = start + len(match.group().encode())
        facets.append(
            models.AppBskyRichtextFacet.Main(
                index=models.AppBskyRichtextFacet.ByteSlice(byte_start=start, byte_end=end),
                features=[models.AppBskyRichtextFacet.Link(uri=match.group())],
            )
        )
    return facets


class _SharedRequest(Request):  # type: ignore[misc]  # the SDK's Request is untyped for mypy
    """The SDK's request layer, sending through Postguard's httpx client (guard, cap, timeouts)."""

    def __init__(self, http: HttpClient) -> None:
        # Skip Request.__init__, which would open a private httpx client.
        super(Request, self).__init__()
        self._http = http
        self._client = http.httpx_client

    def _send_request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        # The SDK hands raw bytes (blob uploads) as `data`, which httpx deprecates.
        if isinstance(kwargs.get("data"), bytes):
            kwargs["content"] = kwargs.pop("data")
        response: httpx.Response = super()._send_request(method, url, **kwargs)
        return response

    def _new_instance(self) -> _SharedRequest:
        return type(self)(self._http)

    def close(self) -> None:
        """The client is shared; its owner closes it."""


class BlueskyConnector(Connector):
    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(
        self,
        *,
        service_url: str,
        handle: str,
        app_password: Secret,
        http: HttpClient,
        web_url: str | None = "https://bsky.app",
    ) -> None:
        self.service_url = service_url.rstrip("/")
        self.handle = handle.removeprefix("@")
        self._app_password = app_password
        self._http = http
        # None: no web app shows this PDS's posts (a local PDS); link to the record's JSON.
        self.web_url = web_url.rstrip("/") if web_url is not None else None
        self._client = Client(base_url=self.service_url, request=_SharedRequest(http))
        self._did: str | None = None

    def __repr__(self) -> str:
        return f"BlueskyConnector(@{self.handle} on {self.service_url})"

    def close(self) -> None:
        """Close the HTTP client this connector was built with (the SDK shares it)."""
        self._http.close()

    # --- the interface ------------------------------------------------------------------

    def verify_credentials(self) -> AccountInfo:
        did = self._login()
        return AccountInfo(remote_id=did, handle=self.handle)

    def publish(self, request: PublishRequest) -> PublishResult:
        self.check(request)
        rkey = record_key(request.idempotency_key)
        existing = self._get_post(rkey)
        if existing is not None:
            return self._ours(existing, request)
        embed = self._upload_images(request) if request.media else None
        record = models.AppBskyFeedPost.Record(
            text=request.text,
            created_at=_now_iso(),
            embed=embed,
            facets=link_facets(request.text) or None,
            langs=[request.language] if request.language else None,
        )
        data = models.ComAtprotoRepoCreateRecord.Data(
            repo=self._login(), collection=POST_COLLECTION, rkey=rkey, record=record
        )
        try:
            created = self._call(
                "com.atproto.repo.createRecord",
                lambda: self._client.com.atproto.repo.create_record(data),
                write=True,
            )
        except (RetryableError, OutcomeUnknownError) as failure:
            # The PDS answers a create at a taken key with a 500; whatever went wrong, the
            # record key says for certain whether the post exists now, if the PDS answers.
            try:
                landed = self._get_post(rkey)
            except ConnectorError:
                raise failure from None
            if landed is not None:
                return self._ours(landed, request)
            raise
        return PublishResult(
            remote_id=created.uri,
            url=self._web_url(created.uri),
            created_at=_parse_time(record.created_at),
            version=created.cid,
        )

    def find(self, request: PublishRequest) -> PublishResult | None:
        found = self._get_post(record_key(request.idempotency_key))
        return None if found is None else self._result(found)

    def fetch(self, remote_id: str) -> RemotePost | None:
        repo, rkey = parse_post_uri(remote_id)
        found = self._get_post(rkey, repo=repo)
        return None if found is None else self._remote_post(found)

    def recent(self, limit: int = 50) -> list[RemotePost]:
        did = self._login()
        posts: list[RemotePost] = []
        cursor: str | None = None
        while len(posts) < limit:
            params = models.ComAtprotoRepoListRecords.Params(
                repo=did,
                collection=POST_COLLECTION,
                limit=min(100, limit - len(posts)),
                cursor=cursor,
            )
            page = self._call(
                "com.atproto.repo.listRecords",
                _bind(self._client.com.atproto.repo.list_records, params),
                write=False,
            )
            posts.extend(self._remote_post(record) for record in page.records)
            cursor = page.cursor
            if not cursor or not page.records:
                break
        return posts[:limit]

    # --- helpers ------------------------------------------------------------------------

    def _login(self) -> str:
        if self._did is not None:
            return self._did

        def login() -> None:
            self._client.login(self.handle, self._app_password.reveal(), fetch_bsky_profile=False)

        self._call("com.atproto.server.createSession", login, write=False)
        session = self._call(
            "com.atproto.server.getSession",
            self._client.com.atproto.server.get_session,
            write=False,
        )
        self._did = str(session.did)
        self.handle = str(session.handle)
        return self._did

    def _get_post(self, rkey: str, *, repo: str | None = None) -> Any:
        params = models.ComAtprotoRepoGetRecord.Params(
            repo=repo or self._login(), collection=POST_COLLECTION, rkey=rkey
        )
        try:
            return self._call(
                "com.atproto.repo.getRecord",
                lambda: self._client.com.atproto.repo.get_record(params),
                write=False,
                missing_ok=True,
            )
        except _Missing:
            return None

    def _upload_images(self, request: PublishRequest) -> models.AppBskyEmbedImages.Main:
        images = []
        for item in request.media:
            try:
                uploaded = self._call(
                    "com.atproto.repo.uploadBlob",
                    _bind(
                        self._client.com.atproto.repo.upload_blob,
                        item.data,
                        headers={"Content-Type": item.mime_type},
                    ),
                    write=True,
                )
            except OutcomeUnknownError as exc:
                # A blob is not a post: until the record exists nothing is published, and an
                # upload of the same bytes again is harmless.
                raise RetryableError(
                    f"an image upload did not finish ({exc.message}); no post was created, so "
                    "trying again is safe",
                    platform=PLATFORM,
                ) from exc
            images.append(models.AppBskyEmbedImages.Image(alt=item.alt, image=uploaded.blob))
        return models.AppBskyEmbedImages.Main(images=images)

    def _ours(self, record: Any, request: PublishRequest) -> PublishResult:
        """The post at this request's record key, if it is this request's post."""
        if getattr(record.value, "text", None) != request.text:
            raise PermanentError(
                f"a different post already holds record key {record_key(request.idempotency_key)} "
                f"({record.uri}): two idempotency keys collided; publish with a new key",
                platform=PLATFORM,
            )
        return self._result(record)

    def _result(self, record: Any) -> PublishResult:
        return PublishResult(
            remote_id=record.uri,
            url=self._web_url(record.uri),
            created_at=_parse_time(getattr(record.value, "created_at", None)),
            version=record.cid or "",
        )

    def _remote_post(self, record: Any) -> RemotePost:
        value = record.value
        media: list[RemoteMedia] = []
        embed = getattr(value, "embed", None)
        for image in getattr(embed, "images", None) or []:
            blob = image.image
            ref = getattr(blob, "cid", None) or getattr(getattr(blob, "ref", None), "link", "")
            media.append(
                RemoteMedia(
                    mime_type=getattr(blob, "mime_type", ""),
                    alt=image.alt,
                    ref=str(ref),
                    size=getattr(blob, "size", None),
                )
            )
        return RemotePost(
            remote_id=record.uri,
            url=self._web_url(record.uri),
            text=getattr(value, "text", ""),
            created_at=_parse_time(getattr(value, "created_at", None)),
            media=tuple(media),
            edited=None,
            version=record.cid or "",
            author=parse_post_uri(record.uri)[0],
        )

    def _web_url(self, uri: str) -> str:
        repo, rkey = parse_post_uri(uri)
        return self.post_link(repo, rkey)

    def post_link(self, repo: str, rkey: str) -> str:
        """Where a person can see the post: the web app's page, or the record on the PDS."""
        if self.web_url is not None:
            return f"{self.web_url}/profile/{repo}/post/{rkey}"
        query = urlencode({"repo": repo, "collection": POST_COLLECTION, "rkey": rkey}, safe=":")
        return f"{self.service_url}/xrpc/com.atproto.repo.getRecord?{query}"

    def _call(
        self,
        action: str,
        call: Callable[[], T],
        *,
        write: bool,
        missing_ok: bool = False,
        again: bool = True,
    ) -> T:
        """Run one SDK call; every failure leaves as a connector error (or _Missing).

        A session the PDS no longer accepts (expired, or its app password revoked) gets one
        fresh sign-in and the call once more: the PDS refused the call, so it did nothing.
        """
        try:
            return call()
        except ConnectorError as exc:
            exc.platform = exc.platform or PLATFORM
            raise
        except sdk_errors.RequestErrorBase as exc:
            if again and action not in _SESSION_ACTIONS and _error_name(exc) in _STALE_SESSION:
                self._did = None
                self._login()
                return self._call(action, call, write=write, missing_ok=missing_ok, again=False)
            raise self._translate(exc, action, write=write, missing_ok=missing_ok) from exc
        except (ValueError, sdk_errors.ModelError) as exc:
            # The SDK could not read the answer (not JSON, or not the shape the lexicon says).
            message = f"{action}: the PDS answered with something unreadable ({exc})"
            if write:
                raise OutcomeUnknownError(
                    f"{message}; the post may exist: look for it before retrying",
                    platform=PLATFORM,
                ) from exc
            raise RetryableError(f"{message}; try again later", platform=PLATFORM) from exc
        except (httpx.HTTPError, ResponseTooLargeError) as exc:
            raise transport_error(
                exc, method="POST" if write else "GET", url=action, platform=PLATFORM
            ) from exc

    def _translate(
        self, exc: sdk_errors.RequestErrorBase, action: str, *, write: bool, missing_ok: bool
    ) -> Exception:
        method = "POST" if write else "GET"
        url = f"{self._client._base_url}/{action}"
        response = exc.response
        if response is None:
            cause = _root_cause(exc)
            return transport_error(cause, method=method, url=url, platform=PLATFORM)
        content = response.content
        error_name = content.error if isinstance(content, _XrpcError) else ""
        if missing_ok and error_name in {"RecordNotFound", "RepoNotFound", "RepoDeactivated"}:
            return _Missing()
        if isinstance(content, _XrpcError):
            body = _xrpc_body(content)
            headers = {**response.headers, "content-type": "application/json"}
        else:
            body = content if isinstance(content, bytes) else str(content or "").encode()
            headers = dict(response.headers)
        if action == "com.atproto.server.createSession" and response.status_code == 401:
            return PermanentError(
                f"Bluesky refused the handle @{self.handle} with its app password at "
                f"{self.service_url}: the app password was revoked or mistyped; create a new "
                "app password in Bluesky's settings and reconnect the account",
                platform=PLATFORM,
            )
        if error_name == "AccountTakedown":
            return PermanentError(
                f"{action}: the PDS says @{self.handle} was taken down; ask the PDS operator",
                platform=PLATFORM,
            )
        return status_error(
            response.status_code, headers, body, method=method, url=url, platform=PLATFORM
        )


_SESSION_ACTIONS = frozenset({"com.atproto.server.createSession", "com.atproto.server.getSession"})
_STALE_SESSION = frozenset({"ExpiredToken", "InvalidToken"})


def _error_name(exc: sdk_errors.RequestErrorBase) -> str:
    content = exc.response.content if exc.response is not None else None
    return str(content.error) if isinstance(content, _XrpcError) else ""


class _Missing(Exception):  # noqa: N818  # a signal between two methods, not an error
    """The record is not there."""


def _bind(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[], Any]:
    return lambda: function(*args, **kwargs)


def _xrpc_body(content: Any) -> bytes:
    return json.dumps({"error": content.error, "message": content.message}).encode()


def _root_cause(exc: BaseException) -> BaseException:
    current: BaseException = exc
    seen = 0
    while seen < 10:
        following = current.__cause__ or current.__context__
        if following is None:
            return current
        current = following
        seen += 1
    return current


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(value: str | None) -> datetime:
    if not value:
        return datetime.fromtimestamp(0, tz=UTC)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
