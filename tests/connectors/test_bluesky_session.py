"""A Bluesky connector a worker keeps between jobs keeps its session, and a session the PDS no
longer accepts never turns into a failed delivery: the connector signs in again and the call
goes through, once. Against the reference PDS from npm."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from postguard.connectors.base import PermanentError, PublishRequest, new_idempotency_key
from postguard.connectors.bluesky import BlueskyConnector
from postguard.connectors.bluesky.connector import parse_post_uri
from tests.servers import BlueskyAccount, PdsServer

pytestmark = pytest.mark.servers


def request(text: str) -> PublishRequest:
    return PublishRequest(text=text, idempotency_key=new_idempotency_key())


@pytest.fixture
def sign_ins(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every createSession the connectors send from now on."""
    seen: list[str] = []
    real = BlueskyConnector._call

    def counting(self: BlueskyConnector, action: str, call: Any, **kwargs: Any) -> Any:
        if action == "com.atproto.server.createSession":
            seen.append(self.handle)
        return real(self, action, call, **kwargs)

    monkeypatch.setattr(BlueskyConnector, "_call", counting)
    return seen


def session(connector: BlueskyConnector) -> Any:
    return connector._client._session


def forge(connector: BlueskyConnector) -> str:
    """Same claims (the SDK still thinks the token is fresh), a signature the PDS refuses."""
    header, payload, signature = session(connector).access_jwt.split(".")
    forged = signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")
    token = f"{header}.{payload}.{forged}"
    session(connector).access_jwt = token
    return token


def test_a_kept_connector_signs_in_once_for_many_calls(
    bluesky: BlueskyConnector, pds: PdsServer, bluesky_account: BlueskyAccount, sign_ins: list[str]
) -> None:
    for n in range(3):
        bluesky.publish(request(f"Reading club, week {n}"))
    assert len(bluesky.recent()) == 3
    assert sign_ins == [bluesky_account.handle]
    assert len(pds.list_posts(bluesky_account)) == 3


def test_an_access_token_the_pds_refuses_gets_one_new_sign_in_and_the_post_goes_out_once(
    bluesky: BlueskyConnector, pds: PdsServer, bluesky_account: BlueskyAccount, sign_ins: list[str]
) -> None:
    bluesky.verify_credentials()
    forged = forge(bluesky)

    result = bluesky.publish(request("After a token the PDS refused"))

    assert parse_post_uri(result.remote_id)[0] == bluesky_account.did
    assert sign_ins == [bluesky_account.handle, bluesky_account.handle]
    assert session(bluesky).access_jwt != forged  # a token the new sign-in gave
    [record] = pds.list_posts(bluesky_account)
    assert record["uri"] == result.remote_id


def test_an_expired_session_whose_refresh_token_was_revoked_signs_in_again(
    bluesky: BlueskyConnector,
    pds: PdsServer,
    bluesky_account: BlueskyAccount,
    sign_ins: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bluesky.verify_credentials()
    refresh = session(bluesky).refresh_jwt
    # The session is ended on the server (as when it is revoked there)...
    ended = httpx.post(
        f"{pds.url}/xrpc/com.atproto.server.deleteSession",
        headers={"Authorization": f"Bearer {refresh}"},
    )
    assert ended.status_code == 200, ended.text
    # ...and the access token has expired: the SDK refreshes before the call, and the PDS
    # refuses the revoked refresh token.
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
    client = bluesky._client
    real_now = client.get_current_time
    ticks = iter([later])
    monkeypatch.setattr(client, "get_current_time", lambda: next(ticks, None) or real_now())

    result = bluesky.publish(request("After the session expired"))

    assert parse_post_uri(result.remote_id)[0] == bluesky_account.did
    assert sign_ins == [bluesky_account.handle, bluesky_account.handle]
    assert session(bluesky).refresh_jwt != refresh
    assert [r["uri"] for r in pds.list_posts(bluesky_account)] == [result.remote_id]


def test_a_revoked_app_password_is_a_permanent_error_not_a_loop(
    bluesky: BlueskyConnector, pds: PdsServer, bluesky_account: BlueskyAccount, sign_ins: list[str]
) -> None:
    bluesky.verify_credentials()
    forge(bluesky)
    bluesky._app_password = type(bluesky._app_password)("wrong-wrong-wrong-wrong")
    with pytest.raises(PermanentError, match="the app password was revoked or mistyped"):
        bluesky.publish(request("Never sent"))
    assert sign_ins == [bluesky_account.handle, bluesky_account.handle]
    assert pds.list_posts(bluesky_account) == []
