"""The image rules and the engine's image support, with the models swapped for fakes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

import numpy as np
import pytest

from postguard.policy.schema import Policy
from postguard.vetting.context import VettingContext
from postguard.vetting.engine import Engine
from postguard.vetting.findings import Hit, Region, Severity, Verdict
from postguard.vetting.images.analysis import ImageAnalysers
from postguard.vetting.images.faces import Face
from postguard.vetting.images.ocr import TextLine
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import ImageInput, Post
from postguard.vetting.rules.base import Rule
from postguard.vetting.rules.image_faces import ImageFacesRule
from postguard.vetting.rules.image_metadata import ImageMetadataRule
from postguard.vetting.rules.image_screen import ImageScreenRule
from postguard.vetting.rules.image_text import ImageTextRule
from postguard.vetting.rules.image_unreadable import ImageUnreadableRule
from postguard.vetting.rules.media_alt_text import MediaAltTextRule, alt_problem
from tests.images.conftest import encode, gradient, loaded_jpeg


class FakeReader:
    def __init__(self, lines: list[TextLine]) -> None:
        self.lines = lines
        self.calls = 0

    def read(self, rgb: np.typing.NDArray[np.uint8]) -> list[TextLine]:
        self.calls += 1
        return self.lines


class FakeFaces:
    def __init__(self, faces: list[Face]) -> None:
        self.faces = faces
        self.calls = 0

    def detect(self, rgb: np.typing.NDArray[np.uint8]) -> list[Face]:
        self.calls += 1
        return self.faces


class PasswordRule(Rule):
    """A stand-in text rule: "password: X" is secret.credential on X."""

    ids: ClassVar[dict[str, Severity]] = {"secret.credential": Severity.BLOCK}
    pattern = re.compile(r"password:\s*(\S+)", re.IGNORECASE)

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        for m in self.pattern.finditer(post.text):
            yield Hit(
                "secret.credential",
                m.start(1),
                m.end(1),
                "a password",
                evidence={"kind": "password"},
            )


class LengthStandIn(Rule):
    ids: ClassVar[dict[str, Severity]] = {"platform.length": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        if "password" in post.text:  # would fire on the sticky note if it were run over it
            yield Hit("platform.length", 0, len(post.text), "too long")


class IdentityStandIn(Rule):
    ids: ClassVar[dict[str, Severity]] = {"identity.exposure": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        return ()


NOTE = [
    TextLine("wifi password:", Region(500, 300, 300, 50), 0.99),
    TextLine("Tr0ub4dor&3x", Region(505, 380, 290, 48), 0.97),
]
CLEAN_JPEG = encode(gradient(64, 48), "JPEG")


def image_rules() -> list[Rule]:
    return [
        ImageUnreadableRule(),
        MediaAltTextRule(),
        ImageMetadataRule(),
        ImageTextRule(),
        ImageScreenRule(),
        ImageFacesRule(),
    ]


def engine(
    lines: list[TextLine] | None = None, faces: list[Face] | None = None, *extra: Rule
) -> tuple[Engine, FakeReader, FakeFaces]:
    reader, detector = FakeReader(lines or []), FakeFaces(faces or [])
    rules = [PasswordRule(), LengthStandIn(), *extra, *image_rules()]
    return Engine(rules, image_analysers=ImageAnalysers(reader, detector)), reader, detector


def photo(
    data: bytes = CLEAN_JPEG, alt: str = "Volunteers at the park", name: str = "park.jpg"
) -> ImageInput:
    return ImageInput(data=data, alt=alt, name=name)


def test_password_on_a_sticky_note_is_secret_credential_in_its_box(ctx: VettingContext) -> None:
    eng, _, _ = engine(NOTE)
    report = eng.vet(Post(text="Our new office!", images=(photo(),)), ctx)
    credential = [f for f in report.findings if f.rule == "secret.credential"]
    assert len(credential) == 1
    finding = credential[0]
    assert (finding.severity, finding.image, finding.region) == (
        Severity.BLOCK,
        0,
        Region(505, 380, 290, 48),
    )
    assert finding.text == "Tr0ub4dor&3x"
    assert finding.message == "text in image 1 (park.jpg): a password"
    assert finding.evidence == {
        "kind": "password",
        "source": "image.text",
        "text": "Tr0ub4dor&3x",
        "read": "Tr0ub4dor&3x",
    }
    assert report.verdict == Verdict.BLOCK
    assert not any(f.rule == "platform.length" and f.image is not None for f in report.findings)


def test_image_text_reports_what_was_read(ctx: VettingContext) -> None:
    eng, _, _ = engine(NOTE)
    report = eng.vet(Post(text="hi", images=(photo(),)), ctx)
    (read,) = [f for f in report.findings if f.rule == "image.text"]
    assert read.severity == Severity.WARN
    assert read.text == "wifi password: / Tr0ub4dor&3x"
    assert read.region == Region(500, 300, 300, 128)


def test_turning_image_text_off_skips_ocr(policy: Policy) -> None:
    off = VettingContext.from_policy(policy.model_copy(update={"rules": {"image.text": "off"}}))
    eng, reader, _ = engine(NOTE)
    report = eng.vet(Post(text="hi", images=(photo(),)), off)
    assert reader.calls == 0
    assert report.findings == ()
    assert "image.screen needs the text OCR reads, and image.text is off" in report.notices


def test_text_rule_turned_off_is_not_reported_from_images(policy: Policy) -> None:
    off = VettingContext.from_policy(
        policy.model_copy(update={"rules": {"secret.credential": "off"}})
    )
    eng, _, _ = engine(NOTE)
    assert [f.rule for f in eng.vet(Post(text="hi", images=(photo(),)), off).findings] == [
        "image.text"
    ]


def test_two_secrets_in_one_image_are_two_findings(ctx: VettingContext) -> None:
    lines = [*NOTE, TextLine("password: hunter22", Region(10, 700, 300, 40), 0.9)]
    eng, _, _ = engine(lines)
    found = [
        f
        for f in eng.vet(Post(text="hi", images=(photo(),)), ctx).findings
        if f.rule == "secret.credential"
    ]
    assert [f.text for f in found] == ["Tr0ub4dor&3x", "hunter22"]


def test_faces_counted_for_review(ctx: VettingContext) -> None:
    faces = [Face(Region(10, 10, 40, 50), 0.9), Face(Region(100, 12, 42, 52), 0.8)]
    eng, _, _ = engine(faces=faces)
    report = eng.vet(Post(text="Team day", images=(photo(),)), ctx)
    (finding,) = report.findings
    assert finding.rule == "image.faces"
    assert finding.severity == Severity.REVIEW
    assert (
        finding.message
        == "image 1 (park.jpg) shows 2 faces: identifiable people need their consent"
    )
    assert finding.region == Region(10, 10, 132, 54)
    assert finding.evidence["count"] == 2
    assert report.verdict == Verdict.REVIEW


@pytest.mark.parametrize(
    ("text", "exposed"),
    [
        ("Thanks to Jane Rivera for the photo!", ["Jane Rivera"]),
        ("Thanks to jane rivera's team", ["Jane Rivera"]),
        ("Thanks J. Rivera", ["Jane Rivera"]),
        ("Thanks Janie Rivera", ["Jane Rivera"]),
        ("Omar Haddad at the park", []),  # an enrolled participant
        ("Thanks Rivera County", []),
        ("A great day", []),
    ],
)
def test_face_plus_named_employee_is_identity_exposure(
    ctx: VettingContext, text: str, exposed: list[str]
) -> None:
    eng, _, _ = engine(None, [Face(Region(10, 10, 40, 50), 0.9)], IdentityStandIn())
    report = eng.vet(Post(text=text, images=(photo(),)), ctx)
    found = [f for f in report.findings if f.rule == "identity.exposure"]
    assert [f.evidence["employee"] for f in found] == exposed
    for finding in found:
        assert (finding.image, finding.region, finding.severity) == (
            0,
            Region(10, 10, 40, 50),
            Severity.BLOCK,
        )


def test_identity_exposure_dropped_when_no_rule_declares_it(ctx: VettingContext) -> None:
    eng, _, _ = engine(None, [Face(Region(10, 10, 40, 50), 0.9)])
    report = eng.vet(Post(text="Thanks to Jane Rivera", images=(photo(),)), ctx)
    assert [f.rule for f in report.findings] == ["image.faces"]


def test_faces_off_skips_detection(policy: Policy) -> None:
    off = VettingContext.from_policy(policy.model_copy(update={"rules": {"image.faces": "off"}}))
    eng, _, detector = engine(None, [Face(Region(10, 10, 40, 50), 0.9)])
    assert eng.vet(Post(text="x", images=(photo(),)), off).findings == ()
    assert detector.calls == 0


def test_metadata_blocks_and_lists_what_it_found(ctx: VettingContext) -> None:
    eng, _, _ = engine()
    report = eng.vet(Post(text="x", images=(photo(loaded_jpeg()),)), ctx)
    (finding,) = report.findings
    assert finding.rule == "image.metadata"
    assert finding.severity == Severity.BLOCK
    assert finding.message.startswith(
        "image 1 (park.jpg) carries metadata: GPS position 38.89,-77.03; XMP GPS position "
        "38.89,-77.03; camera serial 'SN-8812-77341'; lens serial 'LS-0042-99'; artist "
        "'Jane Photographer'"
    )
    assert "after the end of the image" in finding.message
    assert "postguard strip" in finding.suggestion


def test_unreadable_image_is_a_blocking_finding_not_a_crash(ctx: VettingContext) -> None:
    eng, reader, _ = engine(NOTE)
    report = eng.vet(Post(text="x", images=(photo(b"", name="empty.jpg"),)), ctx)
    (finding,) = report.findings
    assert finding.rule == "image.unreadable"
    assert (
        finding.message
        == "empty.jpg: the file is empty (0 bytes); expected a JPEG, PNG, WebP, GIF or HEIC image"
    )
    assert reader.calls == 0


def test_animated_gif_notice_says_how_many_frames(ctx: VettingContext) -> None:
    from PIL import Image

    frames = [Image.new("RGB", (16, 16), (i * 60, 0, 0)) for i in range(3)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    eng, _, _ = engine()
    report = eng.vet(Post(text="x", images=(photo(data, name="wave.gif"),)), ctx)
    assert (
        "wave.gif is an animated GIF with 3 frames; only the first frame was checked"
        in report.notices
    )


def test_images_are_indexed_in_order(ctx: VettingContext) -> None:
    eng, _, _ = engine()
    post = Post(text="x", images=(photo(), photo(alt=""), photo(alt="photo", name="b.jpg")))
    found = [(f.rule, f.image) for f in eng.vet(post, ctx).findings]
    assert found == [("media.alt_text_missing", 1), ("media.alt_text_missing", 2)]


@pytest.mark.parametrize(
    ("alt", "name", "problem"),
    [
        ("", "a.jpg", "has no alt text"),
        ("   \n\t", "a.jpg", "has no alt text"),
        ("image", "a.jpg", "has only a placeholder as alt text ('image')"),
        ("Photo.", "a.jpg", "has only a placeholder as alt text ('Photo.')"),
        ("IMG_2041", "x.jpg", "has a file name as alt text ('IMG_2041')"),
        ("DSC 0042", "x.jpg", "has a file name as alt text ('DSC 0042')"),
        ("team-day.png", "x.jpg", "has a file name as alt text ('team-day.png')"),
        ("team_day", "team_day.jpg", "has its file name as alt text ('team_day')"),
        ("Three volunteers plant an oak tree outside the library", "a.jpg", None),
        ("Photo of the mayor cutting a ribbon", "a.jpg", None),
        ("Image: chart of water use by month", "a.jpg", None),
    ],
)
def test_alt_text_table(alt: str, name: str, problem: str | None) -> None:
    assert alt_problem(alt, name) == problem


def test_alt_text_not_required_by_policy(policy: Policy) -> None:
    relaxed = policy.model_copy(
        update={"media": policy.media.model_copy(update={"alt_text_required": False})}
    )
    eng, _, _ = engine()
    assert (
        eng.vet(
            Post(text="x", images=(photo(alt=""),)), VettingContext.from_policy(relaxed)
        ).findings
        == ()
    )


def test_screen_with_several_lines_is_for_review(ctx: VettingContext) -> None:
    lines = [
        TextLine(f"server-{i:02d} status OK load 0.{i}", Region(100, 100 + 30 * i, 400, 24), 0.9)
        for i in range(6)
    ]
    eng, _, _ = engine(lines)
    report = eng.vet(Post(text="x", images=(photo(),)), ctx)
    (screen,) = [f for f in report.findings if f.rule == "image.screen"]
    assert screen.severity == Severity.REVIEW
    assert screen.region == Region(100, 100, 400, 174)
    assert "6 lines" in screen.message


def test_a_single_sign_is_not_a_screen(ctx: VettingContext) -> None:
    eng, _, _ = engine([TextLine("WELCOME TO THE PARK", Region(10, 10, 300, 40), 0.9)])
    assert not any(
        f.rule == "image.screen" for f in eng.vet(Post(text="x", images=(photo(),)), ctx).findings
    )


def test_image_from_a_path(ctx: VettingContext, tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    path = tmp_path / "desk.jpg"
    path.write_bytes(loaded_jpeg())
    eng, _, _ = engine()
    report = eng.vet(Post(text="x", images=(ImageInput(path=path, alt="A desk"),)), ctx)
    assert [f.rule for f in report.findings] == ["image.metadata"]
    assert report.findings[0].message.startswith("image 1 (desk.jpg) carries metadata")


def test_an_image_that_takes_too_long_is_unreadable_and_nothing_else(ctx: VettingContext) -> None:
    import threading

    from postguard.vetting.images.load import ImageLimits

    release = threading.Event()

    class SlowReader:
        def read(self, rgb: np.typing.NDArray[np.uint8]) -> list[TextLine]:
            release.wait(5)
            return NOTE

    analysers = ImageAnalysers(SlowReader(), FakeFaces([]), ImageLimits(time_limit=0.2))
    eng = Engine([PasswordRule(), *image_rules()], image_analysers=analysers)
    report = eng.vet(Post(text="x", images=(photo(),)), ctx)
    release.set()
    assert [(f.rule, f.message) for f in report.findings] == [
        (
            "image.unreadable",
            "vetting image 1 (park.jpg) took longer than the limit of 0.2 s and was stopped",
        )
    ]
