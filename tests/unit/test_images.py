"""prepare_photo: GPTunnel's WebP into a JPEG that sendPhoto accepts."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.telegram.photos import PHOTO_MAX_BYTES, PHOTO_MAX_SIDES, BadImage, prepare_photo


def encode(img: Image.Image, fmt: str = "WEBP", **options: object) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt, **options)
    return out.getvalue()


def gradient(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    width, height = size
    img = Image.linear_gradient("L").resize(size)
    if mode == "L":
        return img
    channels = [img, img.transpose(Image.Transpose.FLIP_LEFT_RIGHT), Image.new("L", size, 90)]
    if mode == "RGBA":
        alpha = Image.new("L", size, 0)
        alpha.paste(255, (0, 0, width // 2, height))  # left half opaque, right half clear
        channels.append(alpha)
    return Image.merge(mode, channels)


def opened(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def test_webp_becomes_jpeg_of_the_same_size() -> None:
    source = encode(gradient((640, 480)))
    assert source[:4] == b"RIFF" and source[8:12] == b"WEBP"

    prepared = prepare_photo(source, "task-7")

    assert prepared.as_document is False
    assert prepared.filename == "task-7.jpg"
    assert prepared.data[:3] == b"\xff\xd8\xff"
    img = opened(prepared.data)
    assert img.format == "JPEG"
    assert img.mode == "RGB"
    assert img.size == (640, 480)
    assert len(prepared.data) <= PHOTO_MAX_BYTES


def test_colours_survive_conversion() -> None:
    source = encode(Image.new("RGB", (64, 64), (200, 30, 40)), lossless=True)
    pixel = opened(prepare_photo(source, "x").data).getpixel((32, 32))
    assert isinstance(pixel, tuple)
    assert all(abs(a - b) <= 8 for a, b in zip(pixel, (200, 30, 40), strict=True))


def test_rgba_webp_is_flattened_onto_white() -> None:
    source = encode(gradient((200, 100), "RGBA"), lossless=True)
    assert opened(source).mode == "RGBA"

    prepared = prepare_photo(source, "alpha")

    assert prepared.as_document is False
    img = opened(prepared.data)
    assert img.format == "JPEG"
    assert img.mode == "RGB"
    assert img.size == (200, 100)
    right = img.getpixel((190, 50))  # fully transparent area
    assert isinstance(right, tuple)
    assert all(channel >= 245 for channel in right)


def test_palette_png_with_transparency_is_accepted() -> None:
    img = Image.new("P", (50, 40), 0)
    img.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    source = encode(img, "PNG", transparency=0)
    prepared = prepare_photo(source, "p")
    assert opened(prepared.data).format == "JPEG"
    assert prepared.as_document is False


def test_greyscale_is_accepted() -> None:
    prepared = prepare_photo(encode(gradient((120, 80), "L"), "PNG"), "grey")
    img = opened(prepared.data)
    assert img.format == "JPEG"
    assert img.size == (120, 80)


def test_too_large_sides_are_scaled_down() -> None:
    # 9600 + 480 = 10080 > 10000, aspect ratio exactly 20 (still a photo).
    source = encode(Image.new("RGB", (9600, 480), (10, 120, 200)), "PNG")

    prepared = prepare_photo(source, "wide")

    assert prepared.as_document is False
    img = opened(prepared.data)
    assert img.format == "JPEG"
    width, height = img.size
    assert width + height <= PHOTO_MAX_SIDES
    assert width + height >= PHOTO_MAX_SIDES - 5  # scaled, not shrunk needlessly
    assert abs(width / height - 20) < 0.1  # shape kept


def test_sides_at_the_limit_are_kept() -> None:
    # 9500 + 500 = 10000: exactly at the limit, ratio 19.
    source = encode(Image.new("RGB", (9500, 500), (1, 2, 3)), "PNG")
    img = opened(prepare_photo(source, "edge").data)
    assert img.size == (9500, 500)


@pytest.mark.parametrize("size", [(2100, 100), (100, 2100), (50, 1500)])
def test_extreme_aspect_ratio_goes_as_document_untouched(size: tuple[int, int]) -> None:
    source = encode(gradient(size))
    prepared = prepare_photo(source, "strip")
    assert prepared.as_document is True
    assert prepared.data == source
    assert prepared.filename == "strip.webp"


def test_aspect_ratio_of_exactly_20_is_still_a_photo() -> None:
    prepared = prepare_photo(encode(gradient((2000, 100))), "edge")
    assert prepared.as_document is False
    assert opened(prepared.data).format == "JPEG"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image at all",
        b"<html><body>404</body></html>",
        bytes(range(256)) * 4,
    ],
    ids=["empty", "text", "html", "noise"],
)
def test_garbage_raises_bad_image(data: bytes) -> None:
    with pytest.raises(BadImage):
        prepare_photo(data, "bad")


def test_truncated_image_raises_bad_image() -> None:
    source = encode(gradient((300, 300)), "PNG")
    with pytest.raises(BadImage):
        prepare_photo(source[: len(source) // 2], "cut")
