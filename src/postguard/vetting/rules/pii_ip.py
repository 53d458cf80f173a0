"""pii.ip and internal.ip: IP addresses, public and private.

A public address (IPv4 or IPv6) can locate a person or a system: pii.ip. A private one
(RFC 1918, link-local, carrier-grade NAT, loopback, IPv6 unique-local) reveals the internal
network: internal.ip. Version numbers like "v1.2.3.4" and octets above 255 are not addresses.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Post
from postguard.vetting.rules.base import Rule

_V4 = re.compile(
    r"(?<![\w.\-])((?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})"
    r"(?:/(?:3[0-2]|[12]?\d))?(?![\w\-]|\.\d)"
)
_V6 = re.compile(r"(?<![\w:.])((?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4})(?:/\d{1,3})?(?![\w:])")
_VERSION_CUE = re.compile(r"\b(?:v|version|ver\.?|release|build|firmware|update)\s*$", re.I)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_DOCS = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]


def classify(address: str) -> str | None:
    """'internal.ip', 'pii.ip' or None (not an address anyone could reach or leak)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.is_unspecified or ip.is_multicast:
        return None
    if isinstance(ip, ipaddress.IPv4Address):
        if ip in _CGNAT or (ip.is_private and not any(ip in n for n in _DOCS)):
            return "internal.ip" if not ip.is_reserved or ip in _CGNAT else None
        if ip.is_reserved or ip == ipaddress.IPv4Address("255.255.255.255"):
            return None
        return "pii.ip"
    if ip.is_loopback or ip.is_link_local or ip.is_private or ip.is_site_local:
        return "internal.ip"
    return "pii.ip" if ip.is_global or ip in ipaddress.ip_network("2001:db8::/32") else None


class IpAddressRule(Rule):
    ids: ClassVar = {"pii.ip": Severity.BLOCK, "internal.ip": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        text = post.text
        if "." in text:
            for m in _V4.finditer(text):
                if _VERSION_CUE.search(text[max(0, m.start() - 12) : m.start()]):
                    continue
                yield from self._hit(m.group(1), m.start(), m.end())
        if text.count(":") >= 2:
            for m in _V6.finditer(text):
                if m.group(1).count(":") < 2 or not re.search(r"[0-9A-Fa-f]", m.group(1)):
                    continue
                yield from self._hit(m.group(1), m.start(), m.end())

    @staticmethod
    def _hit(address: str, start: int, end: int) -> Iterable[Hit]:
        kind = classify(address)
        if kind == "pii.ip":
            yield Hit(
                rule="pii.ip",
                start=start,
                end=end,
                message=f"A public IP address ({address}): it can locate a person or a system.",
                suggestion="Remove the address.",
            )
        elif kind == "internal.ip":
            yield Hit(
                rule="internal.ip",
                start=start,
                end=end,
                message=f"A private network address ({address}): it reveals the internal network.",
                suggestion="Remove the address; describe the system without naming it.",
            )
