"""Images on posts: stored by their SHA-256, signed into the digest with their alt text, and
vetted by the job (here with the image models off: metadata and alt text rules only)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from postguard.vetting.engine import Engine
from postguard.vetting.images.analysis import ImageAnalysers
from postguard.vetting.rules.registry import default_rules
from postguard.workflow import services, vetting
from postguard.workflow.machine import WorkflowError
from tests.images.conftest import loaded_jpeg
from tests.workflow.conftest import CLEAN, Flow, req, run_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_image_models(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine(default_rules(), image_analysers=ImageAnalysers())
    monkeypatch.setattr(vetting, "engine", lambda: engine)


def test_an_image_is_stored_by_hash_and_its_alt_text_is_signed(flow: Flow, settings: Any) -> None:
    photo = loaded_jpeg()
    sha = hashlib.sha256(photo).hexdigest()
    post = flow.draft(
        images=[services.ImageUpload(alt="The new reading room", name="room.jpg", data=photo)]
    )
    image = services.current(post).images.get()
    assert (image.sha256, image.path) == (sha, f"posts/{sha[:2]}/{sha}")
    assert (Path(settings.MEDIA_ROOT) / image.path).read_bytes() == photo
    first = services.current(post).digest
    # Same picture, new alt text: a new version, a new digest, the same stored file.
    services.edit_post(
        post,
        flow.cast.eddie,
        flow.content(images=[services.ImageUpload(alt="Reading room, north side", sha256=sha)]),
        request=req(flow.cast.eddie),
    )
    second = services.current(post)
    assert second.number == 2
    assert second.digest != first
    assert second.images.get().path == image.path


def test_an_image_from_another_post_cannot_be_reused_by_hash(flow: Flow) -> None:
    post = flow.draft()
    with pytest.raises(WorkflowError, match="is not an image of this post"):
        services.edit_post(
            post,
            flow.cast.eddie,
            flow.content(images=[services.ImageUpload(sha256="ab" * 32)]),
            request=req(flow.cast.eddie),
        )


def test_the_vetting_job_vets_the_images(flow: Flow, no_image_models: None) -> None:
    post = flow.draft(
        text=CLEAN, images=[services.ImageUpload(alt="", name="room.jpg", data=loaded_jpeg())]
    )
    services.submit(post, flow.cast.eddie, request=req(flow.cast.eddie))
    run_jobs()
    result = services.latest_vetting(post.current_version)
    assert result is not None
    rules = {(f["rule"], f.get("image")) for f in result.findings}
    assert rules == {("media.alt_text_missing", 0), ("image.metadata", 0)}
