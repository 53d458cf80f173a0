"""secret.credential: passwords in any phrasing, tokens, private keys; ordinary talk passes."""

from __future__ import annotations

import pytest

from tests.vetting.pattern_support import spans

CASES = [
    ("pw: hunter2", ["hunter2"]),
    ("The wifi password is Summer2024!", ["Summer2024!"]),
    ("Guest wifi password is sunshine", ["sunshine"]),
    ("pass: Lib-Guest-7", ["Lib-Guest-7"]),
    ("Password for the guest network is Gr3enT3a", ["Gr3enT3a"]),
    ("Shared drive password changed to Summit-4672Q today", ["Summit-4672Q"]),
    ("user demo_hpcu, password Anchor#Bay77", ["Anchor#Bay77"]),
    ("Temp login for the kiosk: kiosk / Rapidan_8426!", ["Rapidan_8426!"]),
    ("Lobby Wi-Fi: HPCU-Guest, key: Seagull!2026", ["Seagull!2026"]),
    ("the vault door code changed to 7734-19 today", ["7734-19"]),
    ("PIN: 4821", ["4821"]),
    ("Contraseña del Wi-Fi: Maple_107Q", ["Maple_107Q"]),
    ("La contraseña del Wi-Fi de la biblioteca es Lectura2026# hoy", ["Lectura2026#"]),
    ('password = "correct horse"', ["correct horse"]),
    ("key AKIAIOSFODNN7EXAMPLE leaked", ["AKIAIOSFODNN7EXAMPLE"]),
    ("token ghp_" + "a" * 36, ["ghp_" + "a" * 36]),
    ("sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", ["sk_live_4eC39HqLyjWDarjtT1zdp7dc"]),
    (
        "xoxb-123456789012-1234567890123-abcdefghijklmnop",
        ["xoxb-123456789012-1234567890123-abcdefghijklmnop"],
    ),
    (
        "Google key AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY ok",
        ["AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"],
    ),
    ("api token: 9fJ2kLmQ8rT4vX1zB7nC3dE6gH0wY5sA", ["9fJ2kLmQ8rT4vX1zB7nC3dE6gH0wY5sA"]),
    (
        "db at postgres://admin:S3cret!pw@db.example.com/app",
        ["postgres://admin:S3cret!pw@db.example.com"],
    ),
    # Ordinary sentences about passwords: nothing to find.
    ("Your password is required to sign in", []),
    ("Reset your password on the portal: go to settings", []),
    ("Passwords must be 12 characters long", []),
    ("The wifi password is posted at the front desk", []),
    ("A day pass: free for members", []),
    ("Bus pass: $5", []),
    ("Key dates: March 4 and April 1", []),
    ("Our keynote speaker is Dr. Lee", []),
    ("Watch https://youtube.com/watch?v=dQw4w9WgXcQ for the recap", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_credentials(text: str, expected: list[str]) -> None:
    assert [t for _, t in spans(text, "secret.credential")] == expected


def test_private_key_block_is_one_finding() -> None:
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAKC\n-----END RSA PRIVATE KEY-----"
    text = f"oops:\n{key}\nbye"
    assert spans(text, "secret.credential") == [("secret.credential", key)]


def test_high_entropy_string_needs_context() -> None:
    token = "9fJ2kLmQ8rT4vX1zB7nC3dE6gH0wY5sA"
    assert spans(f"see reference {token}", "secret.credential") == []
    assert spans(f"bearer {token}", "secret.credential") == [("secret.credential", token)]
