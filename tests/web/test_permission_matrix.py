"""Every page for each permission case: anonymous, no role, the MFA-gated editor, the wrong role,
the right role, and the person acting on their own object. Each row reads as a story:
`("offboard", "/people/{eddie}/offboard/", {"lola": 200, "lola→own": 403, ...})`.

Who is who (tests/cast.py): lola and leo are leads, sam is security, ada the auditor, eddie
edits Bluesky, ollie edits Mastodon only, mona edits without MFA, nora holds no role.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import signed_in
from tests.web.world import World, build_world

LOGIN = "login"  # anonymous: sent to the sign-in page
GATE = "gate"  # mona: sent to set up MFA first

# Unlisted people get `default`; "anonymous" and "mona" get LOGIN and GATE unless listed;
# leo (the other lead) gets what lola gets unless listed.
PAGES: list[tuple[str, str, dict[str, Any]]] = [
    ("dashboard", "/", {"default": 200}),
    ("posture", "/posture/", {"default": 403, "ada": 200, "sam": 200, "lola": 200}),
    ("accounts", "/accounts/", {"default": 200, "nora": 403}),
    (
        "account",
        "/accounts/{bluesky}/",
        {"default": 200, "nora": 404, "ollie": 404},
    ),
    ("account add", "/accounts/add/", {"default": 403, "sam": 200, "lola": 200}),
    (
        "account edit",
        "/accounts/{bluesky}/edit/",
        {"default": 403, "nora": 404, "ollie": 404, "sam": 200, "lola": 200},
    ),
    # Connecting needs an enrolled device (account.connect, device class "publish") and these
    # clients have none: even leads are refused here. tests/publishing/test_connections.py
    # connects from enrolled devices.
    (
        "account connection",
        "/accounts/{bluesky}/connection/",
        {"default": 403, "nora": 404, "ollie": 404},
    ),
    ("people", "/people/", {"default": 403, "ada": 200, "sam": 200, "lola": 200}),
    ("person add", "/people/add/", {"default": 403, "lola": 200}),
    (
        "person",
        "/people/{eddie}/",
        {"default": 404, "eddie": 200, "ada": 200, "sam": 200, "lola": 200},
    ),
    (
        "grant add",
        "/people/{eddie}/grant/",
        {"default": 404, "eddie": 403, "ada": 403, "sam": 403, "lola": 200},
    ),
    (
        "grant add to oneself",
        "/people/{lola}/grant/",
        {"default": 404, "lola": 403, "leo": 200, "ada": 403, "sam": 403},
    ),
    (
        "grant revoke",
        "/grants/{eddie_grant}/revoke/",
        {"default": 404, "eddie": 403, "ada": 403, "sam": 200, "lola": 200},
    ),
    (
        "offboard",
        "/people/{eddie}/offboard/",
        {"default": 404, "eddie": 403, "ada": 403, "sam": 200, "lola": 200},
    ),
    (
        "offboard oneself",
        "/people/{lola}/offboard/",
        {"default": 404, "lola": 403, "leo": 200, "sam": 200, "ada": 403},
    ),
    ("directory", "/directory/", {"default": 403, "ada": 200, "sam": 200, "lola": 200}),
    ("directory import", "/directory/import/", {"default": 403, "sam": 200, "lola": 200}),
    ("devices", "/devices/", {"default": 403, "ada": 200, "sam": 200, "lola": 200}),
    ("device enroll", "/devices/enroll/", {"default": 403, "lola": 200}),
    ("policy", "/policy/", {"default": 200, "nora": 403}),
    ("policy propose", "/policy/propose/", {"default": 403, "sam": 200, "lola": 200}),
    # Per-account roles (eddie, ollie) count only on objects tied to their accounts, and a policy
    # version is tied to none: they read the active policy on /policy/, not the version pages.
    (
        "policy version",
        "/policy/versions/{proposal}/",
        {"default": 200, "nora": 404, "eddie": 404, "ollie": 404},
    ),
    (
        "policy approve",
        "/policy/versions/{proposal}/approve/",
        {"default": 403, "nora": 404, "eddie": 404, "ollie": 404, "lola": 403, "leo": 200},
    ),
    ("audit", "/audit/", {"default": 403, "ada": 200, "sam": 200, "lola": 200}),
    ("audit export", "/audit/export.jsonl", {"default": 403, "ada": 200, "sam": 200, "lola": 200}),
    # The schedule and the archive: every role, scoped to its accounts; export for lead,
    # security, auditor and editors (archive.export).
    ("schedule", "/schedule/", {"default": 200, "nora": 403}),
    ("archive", "/archive/", {"default": 200, "nora": 403}),
    ("archive export", "/archive/export/?format=csv", {"default": 200, "nora": 403}),
    ("my security", "/me/security/", {"default": 200, "mona": 200}),
    ("my sessions", "/me/sessions/", {"default": 200, "mona": 200}),
    ("my tokens", "/me/tokens/", {"default": 200}),
    # Publishing controls: pausing and resuming are for organization-wide leads and security.
    ("publishing controls", "/publishing/", {"default": 200, "nora": 403}),
    ("pause everything", "/publishing/pause/", {"default": 403, "sam": 200, "lola": 200}),
    (
        "pause an account",
        "/accounts/{bluesky}/pause/",
        {"default": 403, "nora": 404, "ollie": 404, "sam": 200, "lola": 200},
    ),
    ("integrity alerts", "/publishing/alerts/", {"default": 200, "nora": 403}),
]

WHO = ("anonymous", "nora", "mona", "eddie", "ollie", "ada", "sam", "lola", "leo")


def expected(rules: dict[str, Any], who: str) -> Any:
    if who in rules:
        return rules[who]
    if who == "anonymous":
        return LOGIN
    if who == "mona":
        return GATE
    if who == "leo" and "lola" in rules:
        return rules["lola"]  # the other lead: the same, except on lola's own objects
    return rules["default"]


CASES = [
    pytest.param(path, who, expected(rules, who), id=f"{name}-{who}")
    for name, path, rules in PAGES
    for who in WHO
]


@pytest.fixture
def world(cast: Any) -> World:
    return build_world(cast)


@pytest.mark.parametrize(("path", "who", "want"), CASES)
def test_page_permissions(world: World, path: str, who: str, want: Any) -> None:
    user = None if who == "anonymous" else getattr(world.cast, who)
    client = signed_in(user, reauthenticated=True)
    response = client.get(path.format(**world.ids()))
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/auth/login/")
    elif want == GATE:
        assert response.status_code == 302
        assert response["Location"] == "/mfa-required/"
    else:
        assert response.status_code == want
    if response.status_code == 403:
        # Friendly, no stack trace, and it says what to do.
        assert b"ask your team lead" in response.content or b"expired" in response.content
        assert b"Traceback" not in response.content


SENSITIVE = [
    "/people/{eddie}/grant/",
    "/grants/{eddie_grant}/revoke/",
    "/people/{eddie}/offboard/",
    "/policy/versions/{proposal}/approve/",
    "/devices/enroll/",
    "/me/tokens/",
    "/accounts/{bluesky}/connection/",
]


@pytest.mark.parametrize("path", SENSITIVE)
def test_sensitive_pages_ask_for_the_password_again(world: World, path: str) -> None:
    user = world.cast.leo if "approve" in path else world.cast.lola
    response = signed_in(user).get(path.format(**world.ids()))
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/reauthenticate/")


def test_the_mfa_gate_page_lists_the_setup_options(world: World) -> None:
    response = signed_in(world.cast.mona).get("/mfa-required/")
    assert response.status_code == 403
    assert b"authenticator app" in response.content
    assert b"passkey" in response.content
    # Someone who does not need it is sent on to the dashboard.
    assert signed_in(world.cast.nora).get("/mfa-required/").status_code == 302


# Resolving an unconfirmed delivery by hand (publishing.resolve: leads and security, device
# class "publish"), from enrolled devices so the role rule shows; tests/publishing/
# test_resolve_web.py has the stories.
RESOLVE_PAGE = {"default": 403, "nora": 404, "ollie": 404, "sam": 200, "lola": 200}


@pytest.mark.parametrize("who", WHO)
def test_resolve_page_permissions(cast: Any, who: str) -> None:
    from tests.publishing.test_resolve_web import on_device, unconfirmed_delivery

    delivery = unconfirmed_delivery(cast)
    user = None if who == "anonymous" else getattr(cast, who)
    response = on_device(user).get(f"/deliveries/{delivery.pk}/resolve/")
    want = expected(RESOLVE_PAGE, who)
    if want == LOGIN:
        assert response["Location"].startswith("/auth/login/")
    elif want == GATE:
        assert response["Location"] == "/mfa-required/"
    else:
        assert response.status_code == want
