"""What goes out: the publish request for a delivery, built from the approved version, its
images checked against the approved hashes and stripped of metadata right before upload."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Final

from django.conf import settings

from postguard.connectors.base import Connector, MediaItem, PublishRequest
from postguard.publishing.models import Delivery
from postguard.vetting.images.load import ImageError
from postguard.vetting.images.strip import strip

# The stripper's output format (Pillow's name) → the MIME type sent to the platform.
MIME: Final = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "HEIF": "image/heic",
}


class MediaError(ValueError):
    """An approved image cannot be prepared for upload; the message says which and why."""


def build_request(delivery: Delivery, connector: Connector) -> PublishRequest:
    """The approved version's text and images, each image stripped of metadata just now.

    An image whose stored bytes no longer match the approved hash is refused: the approval
    covers those bytes. A format the platform does not take (HEIC on Bluesky) goes as JPEG.
    """
    version = delivery.version
    media = []
    for number, image in enumerate(version.images.order_by("position"), start=1):
        label = f"image {number} ({image.name})" if image.name else f"image {number}"
        path = Path(settings.MEDIA_ROOT) / image.path
        try:
            data = path.read_bytes()
        except OSError as error:
            raise MediaError(
                f"{label}: the stored file {image.path} cannot be read ({error.strerror}); "
                "check MEDIA_ROOT, or upload the image again and have the post approved again"
            ) from None
        digest = hashlib.sha256(data).hexdigest()
        if digest != image.sha256:
            raise MediaError(
                f"{label}: the stored file {image.path} has changed since it was approved "
                f"(sha256 {digest[:12]}…, approved {image.sha256[:12]}…); upload it again and "
                "have the post approved again"
            )
        try:
            stripped = strip(data, label)
            mime = MIME.get(stripped.format, "")
            if mime not in connector.capabilities.image_types:
                stripped = strip(data, label, target_format="JPEG")
                mime = MIME["JPEG"]
        except ImageError as error:
            raise MediaError(f"{label}: {error}") from None
        media.append(MediaItem(data=stripped.data, mime_type=mime, alt=image.alt))
    return PublishRequest(
        text=version.text, idempotency_key=delivery.idempotency_key, media=tuple(media)
    )
