"""The real models (rapidocr's bundled PP-OCR, CenterFace), loaded once per session, offline."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from postguard.vetting.context import VettingContext
from postguard.vetting.engine import Engine
from postguard.vetting.findings import Severity
from postguard.vetting.images.analysis import ImageAnalysers
from postguard.vetting.post import ImageInput, Post
from postguard.vetting.rules.registry import default_rules
from tests.images.conftest import encode, gradient, sample, sticky_note

pytestmark = pytest.mark.slow


def jpeg_of(pixels: np.typing.NDArray[np.uint8] | Image.Image) -> bytes:
    img = pixels if isinstance(pixels, Image.Image) else Image.fromarray(pixels)
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=92)
    return out.getvalue()


def test_password_on_a_rendered_sticky_note(
    real_analysers: ImageAnalysers, ctx: VettingContext
) -> None:
    note = sticky_note(["wifi password:", "Maple-Leaf-42"])
    engine = Engine(default_rules(), image_analysers=real_analysers)
    post = Post(
        text="Our new office is open!",
        images=(ImageInput(data=jpeg_of(note), alt="A desk", name="desk.jpg"),),
    )
    report = engine.vet(post, ctx)
    found = [f for f in report.findings if f.rule == "secret.credential"]
    assert found, report.findings
    finding = found[0]
    assert finding.severity == Severity.BLOCK
    assert finding.image == 0
    assert finding.text == "Maple-Leaf-42"
    assert finding.evidence["source"] == "image.text"
    region = finding.region
    assert region is not None
    # The note sits at (400, 250) and is about 480 x 290 once tilted: the box is on it.
    assert 380 <= region.x <= 520
    assert 250 <= region.y <= 560
    assert region.x + region.w <= 900
    assert region.y + region.h <= 600


def test_ocr_reads_lines_in_order(real_analysers: ImageAnalysers) -> None:
    note = np.asarray(sticky_note(["Guest network", "pw: Maple-Leaf-42"]))
    lines = real_analysers.reader.read(note)
    assert [line.text for line in lines] == ["Guest network", "pw: Maple-Leaf-42"]


def test_astronaut_has_one_face(real_analysers: ImageAnalysers) -> None:
    faces = real_analysers.faces.detect(sample("astronaut"))
    assert len(faces) == 1
    face = faces[0].region
    assert 150 <= face.x <= 210
    assert 40 <= face.y <= 120  # Eileen Collins' face


def test_camera_man_has_one_face(real_analysers: ImageAnalysers) -> None:
    faces = real_analysers.faces.detect(sample("camera"))
    assert len(faces) == 1


@pytest.mark.parametrize("name", ["coffee", "rocket", "chelsea", "coins", "text", "page", "brick"])
def test_no_face_in_face_free_pictures(real_analysers: ImageAnalysers, name: str) -> None:
    assert real_analysers.faces.detect(sample(name)) == []


def test_small_faces_in_a_large_photo(real_analysers: ImageAnalysers) -> None:
    scene = gradient(1600, 1200, seed=5)
    face = Image.fromarray(sample("astronaut")).crop((120, 20, 300, 230))
    for i, size in enumerate((90, 140, 220)):
        scene.paste(face.resize((size, int(size * 210 / 180))), (100 + 450 * i, 400))
    found = real_analysers.faces.detect(np.asarray(scene))
    assert len(found) == 3


def test_full_pipeline_on_a_photo_with_everything(
    real_analysers: ImageAnalysers, ctx: VettingContext
) -> None:
    scene = sticky_note(["password: Summer2024!"])
    scene.paste(Image.fromarray(sample("astronaut")).resize((300, 300)), (900, 500))
    data = encode(scene, "JPEG", quality=92)
    engine = Engine(default_rules(), image_analysers=real_analysers)
    report = engine.vet(
        Post(text="Team day", images=(ImageInput(data=data, alt="", name="team.jpg"),)), ctx
    )
    rules = {f.rule for f in report.findings}
    assert {"secret.credential", "image.faces", "image.text", "media.alt_text_missing"} <= rules


def test_postguard_vet_with_an_image(
    real_analysers: ImageAnalysers, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from postguard.cli.main import main

    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\norganization: Springfield\ndomains: [springfield.gov]\n")
    post = tmp_path / "post.txt"
    post.write_text("Our new office is open!\n")
    note = tmp_path / "desk.jpg"
    note.write_bytes(jpeg_of(sticky_note(["wifi password:", "Maple-Leaf-42"])))
    argv = ["vet", str(post), "--policy", str(policy), "--image", str(note), "--format", "json"]
    assert main(argv) == 4
    report = json.loads(capsys.readouterr().out)
    rules = {(f["rule"], f.get("image")) for f in report["findings"]}
    assert ("secret.credential", 0) in rules
    assert ("media.alt_text_missing", 0) in rules
