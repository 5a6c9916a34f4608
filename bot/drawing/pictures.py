"""Pictures people draw from: which of Telegram's sizes to fetch, what the bytes really are, and
the link GPTunnel fetches them by. Pure rules (Pillow only reads headers and checks the file)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

# Telegram photos are at most 10 MB; a larger file is no photo worth sending upstream.
MAX_PICTURE_BYTES = 10 * 2**20
# A picture larger than this many pixels is refused unread (a decompression bomb is small).
MAX_PIXELS = 40_000_000
# What GPTunnel's models are documented to take: JPEG, PNG and WebP, by Pillow's names.
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# Under PUBLIC_URL, where the bot serves the pictures GPTunnel fetches.
REFERENCE_PATH = "/references"


@dataclass(frozen=True, slots=True)
class PictureFile:
    """One size of a picture Telegram keeps, as the handler saw it."""

    file_id: str
    width: int
    height: int
    size: int | None = None  # bytes, when Telegram said


def largest_within(sizes: Sequence[PictureFile], max_bytes: int) -> PictureFile | None:
    """The largest size not over `max_bytes` (an unknown size is tried: the download is capped)."""
    fitting = [s for s in sizes if s.size is None or s.size <= max_bytes]
    return max(fitting, key=lambda s: (s.width * s.height, s.size or 0), default=None)


def content_type(data: bytes) -> str | None:
    """The MIME type of a JPEG, PNG or WebP picture that really is one; None otherwise."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in CONTENT_TYPES:
                return None
            width, height = img.size
            if width < 1 or height < 1 or width * height > MAX_PIXELS:
                return None
            img.verify()  # the whole file, not just its header
            return CONTENT_TYPES[img.format]
    except Exception:  # Pillow raises many kinds for a file that is not a picture
        return None


def reference_url(public_url: str, token: str) -> str:
    return f"{public_url}{REFERENCE_PATH}/{token}"
