"""Turning GPTunnel's image (WebP for yandex-art) into something sendPhoto accepts."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDES = 10_000  # width + height
PHOTO_MAX_RATIO = 20


class BadImage(Exception):
    """The downloaded bytes are not an image Pillow can read."""


@dataclass(frozen=True, slots=True)
class Prepared:
    data: bytes
    filename: str
    as_document: bool  # too odd a shape for a photo: send the file itself


def prepare_photo(data: bytes, stem: str) -> Prepared:
    """JPEG within Telegram's photo limits; CPU-bound, so run it in a thread."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            width, height = img.size
            if min(width, height) == 0 or max(width, height) / min(width, height) > PHOTO_MAX_RATIO:
                ext = (img.format or "bin").lower()
                return Prepared(data, f"{stem}.{ext}", as_document=True)
            rgb = _flatten(img)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise BadImage(str(exc)) from exc
    if width + height > PHOTO_MAX_SIDES:
        scale = PHOTO_MAX_SIDES / (width + height)
        rgb = rgb.resize((max(int(width * scale), 1), max(int(height * scale), 1)))
    for quality in (95, 85, 75, 60):
        out = io.BytesIO()
        rgb.save(out, format="JPEG", quality=quality, optimize=True)
        if out.tell() <= PHOTO_MAX_BYTES:
            return Prepared(out.getvalue(), f"{stem}.jpg", as_document=False)
    return Prepared(data, f"{stem}.webp", as_document=True)


def _flatten(img: Image.Image) -> Image.Image:
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")
