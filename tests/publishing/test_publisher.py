"""The publisher on the real servers: a scheduled post goes out once on each target, with its
images stripped of metadata, and every outcome is written down (delivery, audit, post state).

Bluesky is the reference PDS from npm; Mastodon is mastodon-mock, a stand-in because no real
Mastodon server installs here.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from postguard.audit.models import AuditEvent
from postguard.jobs.models import Job
from postguard.publishing.models import Delivery
from postguard.workflow import services
from postguard.workflow.models import State
from tests.images.conftest import loaded_jpeg
from tests.publishing.conftest import BlueskyTarget, MastodonTarget, Publishing

pytestmark = pytest.mark.django_db

WARN_METADATA = "rules:\n  image.metadata: warn\n"


def allow_metadata(cast: Any) -> None:
    """The policy lets a photo with metadata through review: the publisher must still strip it."""
    from postguard.policy.versions import sha256_of
    from tests.cast import CAST_POLICY

    text = CAST_POLICY + WARN_METADATA
    cast.policy.yaml_text = text
    cast.policy.sha256 = sha256_of(text)
    cast.policy.save()


def no_metadata(data: bytes) -> None:
    """Nothing in the file but the picture: no GPS, no camera, no XMP, comment or IPTC. The only
    EXIF tag left is the orientation (the lossless JPEG copy keeps it so the photo stays upright).
    """
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    assert set(exif) <= {0x0112}, dict(exif)
    assert not exif.get_ifd(0x8825)  # the GPS block
    assert "xmp" not in image.info
    assert "comment" not in image.info
    for marker in (b"http://ns.adobe.com/xap", b"Photoshop 3.0", b"GPS", b"Canon"):
        assert marker not in data, marker


def test_a_bluesky_post_with_a_photo_goes_out_stripped_with_its_alt_text(
    publishing: Publishing, bluesky_target: BlueskyTarget, cast: Any
) -> None:
    allow_metadata(cast)
    photo = loaded_jpeg()
    assert b"GPS" in photo  # the phone's location is in the file
    post = publishing.scheduled(
        "Reading room open", images=[services.ImageUpload(alt="The room", name="r.jpg", data=photo)]
    )
    assert post.state == State.SCHEDULED
    assert Job.objects.filter(name="publishing.publish", object_id=str(post.pk)).count() == 1

    publishing.run_jobs()

    post.refresh_from_db()
    assert post.state == State.PUBLISHED
    delivery = Delivery.objects.get(post=post)
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("published", 1, "")
    [record] = bluesky_target.posts()
    assert record["uri"] == delivery.remote_id
    assert record["cid"] == delivery.remote_version
    assert record["value"]["text"] == "Reading room open"
    [image] = record["value"]["embed"]["images"]
    assert image["alt"] == "The room"
    blob = bluesky_target.pds.blob(bluesky_target.remote, image["image"]["ref"]["$link"])
    no_metadata(blob)
    # A PDS on loopback serves no web pages: the link is the record on the PDS.
    assert delivery.url.endswith(f"&rkey={delivery.remote_id.rsplit('/', 1)[1]}")
    event = AuditEvent.objects.get(action="publishing.delivery.published")
    assert event.after is not None
    assert event.after["remote_id"] == delivery.remote_id
    assert event.after["url"] == delivery.url
    assert event.after["account"] == str(cast.bluesky)
    assert event.object_id == str(post.pk)


def test_a_mastodon_post_with_a_photo_goes_out_stripped_with_its_alt_text(
    publishing: Publishing, mastodon_target: MastodonTarget, cast: Any
) -> None:
    allow_metadata(cast)
    post = publishing.scheduled(
        "Storm drill at noon",
        [cast.mastodon],
        images=[services.ImageUpload(alt="Sirens", name="s.jpg", data=loaded_jpeg())],
    )
    publishing.run_jobs()

    post.refresh_from_db()
    assert post.state == State.PUBLISHED
    delivery = Delivery.objects.get(post=post)
    [status] = mastodon_target.posts()
    assert status["id"] == delivery.remote_id
    assert "Storm drill at noon" in status["content"]
    [attachment] = status["media_attachments"]
    assert attachment["description"] == "Sirens"
    import httpx

    no_metadata(httpx.get(attachment["url"]).content)


def test_two_targets_get_one_post_each(
    publishing: Publishing,
    bluesky_target: BlueskyTarget,
    mastodon_target: MastodonTarget,
    cast: Any,
) -> None:
    post = publishing.scheduled("Both at once", [cast.bluesky, cast.mastodon])
    publishing.run_jobs()
    # Running the job again (a duplicate message) publishes nothing more.
    from postguard.publishing.publisher import enqueue_publish

    enqueue_publish(post)
    publishing.run_jobs()

    post.refresh_from_db()
    assert post.state == State.PUBLISHED
    assert sorted(d.state for d in Delivery.objects.filter(post=post)) == ["published"] * 2
    assert len(bluesky_target.posts()) == 1
    assert len(mastodon_target.posts()) == 1
    for delivery in Delivery.objects.filter(post=post):
        assert delivery.published_at is not None
        assert delivery.published_at <= timezone.now()


def test_a_heic_photo_goes_to_bluesky_as_jpeg(
    publishing: Publishing, bluesky_target: BlueskyTarget, cast: Any
) -> None:
    from postguard.vetting.images.load import register_heif

    allow_metadata(cast)  # vetting reports the encoder's own HEIF fields ("primary", "metadata")
    register_heif()
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(out, "HEIF")
    post = publishing.scheduled(
        "From a phone",
        images=[services.ImageUpload(alt="A red square", name="p.heic", data=out.getvalue())],
    )
    publishing.run_jobs()

    assert Delivery.objects.get(post=post).state == "published"
    [record] = bluesky_target.posts()
    [image] = record["value"]["embed"]["images"]
    assert image["image"]["mimeType"] == "image/jpeg"  # Bluesky takes no HEIC
    blob = bluesky_target.pds.blob(bluesky_target.remote, image["image"]["ref"]["$link"])
    assert blob[:2] == b"\xff\xd8"
    no_metadata(blob)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("delete", "cannot be read (No such file or directory); check MEDIA_ROOT"),
        ("alter", "has changed since it was approved (sha256 "),
    ],
)
def test_an_approved_image_missing_or_altered_on_disk_is_never_sent(
    publishing: Publishing,
    bluesky_target: BlueskyTarget,
    settings: Any,
    cast: Any,
    damage: str,
    message: str,
) -> None:
    from pathlib import Path

    allow_metadata(cast)
    photo = loaded_jpeg()
    post = publishing.scheduled(
        "Photo gone",
        images=[services.ImageUpload(alt="The reading room", name="room.jpg", data=photo)],
    )
    stored = Path(settings.MEDIA_ROOT) / services.current(post).images.get().path
    if damage == "delete":
        stored.unlink()
    else:
        stored.write_bytes(photo + b"more")
    publishing.run_jobs()

    delivery = Delivery.objects.get(post=post)
    assert delivery.state == "failed"
    assert delivery.last_error.startswith("image 1 (room.jpg): the stored file posts/")
    assert message in delivery.last_error
    assert bluesky_target.posts() == []
