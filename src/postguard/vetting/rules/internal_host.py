"""internal.host and internal.url: names and links that only work inside the organization.

Host names under the policy's `internal_domains`, the private suffixes (.local, .corp,
.internal, .lan, .intranet, .home.arpa), single-label hosts in links ("http://intranet/"),
Windows share paths (\\\\fileserver\\share), and the organization's own intranet-style hosts
(vpn., jira., staging. ...). Written as a link (scheme or path) it is internal.url, else
internal.host.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Post
from postguard.vetting.rules._text import is_internal_suffix, links, under, words
from postguard.vetting.rules.base import Rule

# First labels that name back-office systems when they sit under the organization's domain.
INTRANET_LABELS = words(
    """
    intranet internal vpn wiki jira confluence sharepoint jenkins gitlab git staging stage
    dev devel uat qa test testing ldap ad dc dc01 dc02 corp admin backoffice
    helpdesk-internal sso-internal files fileserver nas svn build ci grafana kibana
    prometheus vault
    """
)
_UNC = re.compile(r"(?<![\w\\])\\\\[A-Za-z0-9][\w.\-$]*(?:\\[^\s\\/:*?\"<>|]+)+")


def is_internal_host(host: str, ctx: VettingContext) -> bool:
    host = host.lower().rstrip(".")
    if not host:
        return False
    if "." not in host and not re.fullmatch(r"[\d:]+|\[.*\]", host):
        return True  # "http://intranet/": only resolvable inside a network
    if is_internal_suffix(host):
        return True
    if ctx.policy.internal_domains and under(host, ctx.policy.internal_domains):
        return True
    return (
        under(host, ctx.policy.domains)
        and host.split(".", 1)[0] in INTRANET_LABELS
        and not any(host == d for d in ctx.policy.domains)
    )


class InternalHostRule(Rule):
    ids: ClassVar = {"internal.host": Severity.BLOCK, "internal.url": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        text = post.text
        for link in links(text):
            if re.fullmatch(r"[\d.]+", link.host):
                continue  # IP addresses are the IP rule's
            if not is_internal_host(link.host, ctx):
                continue
            rule = "internal.url" if link.has_scheme else "internal.host"
            what = "a link to an internal system" if link.has_scheme else "an internal host name"
            yield Hit(
                rule=rule,
                start=link.start,
                end=link.end,
                message=f"{link.text} is {what}: it maps the organization's network for attackers.",
                suggestion="Remove it; link to a public page instead.",
                evidence={"host": link.host},
            )
        if "\\\\" in text:
            for m in _UNC.finditer(text):
                yield Hit(
                    rule="internal.url",
                    start=m.start(),
                    end=m.end(),
                    message=f"{m.group()} is a path on an internal file share.",
                    suggestion="Remove the path; publish the document on a public page instead.",
                )
