"""The labelled evaluation set is sound: spans index their text, rule ids exist, orgs load.

A cheap check of the files only; the benchmark itself runs with `python -m benchmarks`.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from benchmarks.build_labelled import all_raw_posts, build, parse_marked
from benchmarks.labelled import (
    LIMITS,
    POSTS,
    RULE_IDS,
    LabelledPost,
    directory_path,
    load_posts,
    org_names,
    platform_length,
    policy_path,
)

from postguard.policy.loader import load_policy
from postguard.vetting.directory import load_directory_csv
from postguard.vetting.rules.registry import default_engine


@pytest.fixture(scope="module")
def posts() -> list[LabelledPost]:
    return load_posts(POSTS)


def test_every_gold_span_is_the_text_it_names(posts: list[LabelledPost]) -> None:
    # load_posts raises on any mismatch; check again here so a failure names the post.
    for post in posts:
        for gold in post.gold:
            assert post.text[gold.start : gold.end] == gold.text, post.id


def test_the_committed_file_is_what_the_sources_build() -> None:
    rebuilt = build(all_raw_posts())
    committed = [json.loads(line) for line in POSTS.read_text(encoding="utf-8").splitlines()]
    assert rebuilt == committed, "run: python -m benchmarks.build_labelled"


def test_every_gold_rule_id_is_declared_by_the_default_engine(posts: list[LabelledPost]) -> None:
    declared = set(default_engine().defaults)
    used = {gold.rule for post in posts for gold in post.gold}
    assert used <= set(RULE_IDS)
    assert used - declared == set()


def test_every_rule_id_has_positives_and_the_set_is_big_enough(posts: list[LabelledPost]) -> None:
    assert len(posts) >= 300
    positives = Counter(gold.rule for post in posts for gold in post.gold)
    assert {rule for rule in RULE_IDS if positives[rule] == 0} == set()
    assert sum(1 for post in posts if not post.gold) >= 100  # negatives


def test_every_org_has_a_policy_and_a_directory_that_load(posts: list[LabelledPost]) -> None:
    orgs = {post.org for post in posts}
    assert orgs == set(org_names())
    for org in orgs:
        policy = load_policy(policy_path(org))
        assert policy.domains
        assert len(load_directory_csv(directory_path(org))) >= 10


def test_platform_length_gold_agrees_with_the_platforms_counting(posts: list[LabelledPost]) -> None:
    for post in posts:
        long = any(g.rule == "platform.length" for g in post.gold)
        if post.platform is not None:
            over = platform_length(post.platform, post.text) > LIMITS[post.platform]
            assert long == over, post.id


def test_marks_nest_and_share_groups() -> None:
    text, gold = parse_marked(
        "Ask [[identity.exposure#a|José]] at [[identity.exposure#a,email.personal_address|"
        "jose@x.gov]]."
    )
    assert text == "Ask José at jose@x.gov."
    assert gold == [
        {"rule": "identity.exposure", "start": 4, "end": 8, "text": "José", "group": "a"},
        {"rule": "identity.exposure", "start": 12, "end": 22, "text": "jose@x.gov", "group": "a"},
        {"rule": "email.personal_address", "start": 12, "end": 22, "text": "jose@x.gov"},
    ]
