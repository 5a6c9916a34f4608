"""Drawing from a picture, the pure parts (issue 14): which size is fetched, what counts as a
picture, the question Edit asks and how its answer finds the picture, PUBLIC_URL."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from pydantic import ValidationError

from bot.drawing.outcomes import NoReferences
from bot.drawing.picks import Pick
from bot.drawing.picture_picks import edit_chooser, picture_chooser, with_picture
from bot.drawing.pictures import (
    MAX_PICTURE_BYTES,
    PictureFile,
    content_type,
    largest_within,
    reference_url,
)
from bot.language import picture_texts
from bot.models.builtin import BUILTIN
from bot.models.choices import RatioRefused, UnknownModel
from bot.settings import Settings, describe_error
from storage import NOTHING_CHOSEN, Choice, Remembered, Task, TaskState
from tests.i18n import EN, RU

REQUIRED = {"bot_token": "1:abc_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "gptunnel_api_key": "key"}


def make(**values: Any) -> Settings:
    return Settings(_env_file=None, **REQUIRED, **values)  # type: ignore[call-arg]


def encoded(fmt: str, size: tuple[int, int] = (8, 6)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(buf, fmt)
    return buf.getvalue()


def test_the_largest_size_within_the_cap_is_fetched() -> None:
    sizes = [
        PictureFile("s", 90, 68, 2_000),
        PictureFile("m", 800, 600, 90_000),
        PictureFile("l", 2560, 1920, MAX_PICTURE_BYTES + 1),
    ]
    assert largest_within(sizes, MAX_PICTURE_BYTES) == sizes[1]
    assert largest_within(sizes[2:], MAX_PICTURE_BYTES) is None
    # A size Telegram did not state is tried (the download itself is capped).
    assert largest_within([PictureFile("d", 0, 0, None)], 10) == PictureFile("d", 0, 0, None)


@pytest.mark.parametrize(
    ("fmt", "expected"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
def test_pictures_are_known_by_their_bytes(fmt: str, expected: str) -> None:
    assert content_type(encoded(fmt)) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<html>not a picture</html>",
        encoded("GIF"),  # a picture, but not one GPTunnel is documented to take
        encoded("PNG")[:40],  # cut short: the header alone is not enough
    ],
)
def test_anything_else_is_not_a_picture(data: bytes) -> None:
    assert content_type(data) is None


def test_the_link_is_under_the_public_url() -> None:
    assert reference_url("https://bot.example.com", "tok") == (
        "https://bot.example.com/references/tok"
    )


@pytest.mark.parametrize("_", [EN, RU])
def test_the_edit_question_names_its_picture_in_every_language(_: Any) -> None:
    question = picture_texts.edit_question(_, 1234)
    assert question.startswith(picture_texts.EDIT_MARK)
    assert picture_texts.edit_task(question) == 1234
    # In a group it names the presser (any name, "#" and markup included): still #1234.
    asking = picture_texts.edit_question(_, 1234, asker=(7, "Ann #5 <b>"))
    assert 'href="tg://user?id=7">Ann #5 &lt;b&gt;</a>' in asking
    assert picture_texts.edit_task(asking) == 1234


@pytest.mark.parametrize(
    "text", [None, "", "#12", "what about #12?", "✏️ no number", "✏️ #", "✏️ #12345678901234567890"]
)
def test_other_texts_name_no_picture(text: str | None) -> None:
    assert picture_texts.edit_task(text) is None


def test_a_pick_with_a_picture() -> None:
    seedream = BUILTIN.get("seedream-3")
    gpt_low = BUILTIN.get("gpt-image-1-low")
    yandex = BUILTIN.get("yandex-art")
    assert seedream and gpt_low and yandex
    # seedream-3 ignores a ratio beside a picture: none is sent.
    assert with_picture(BUILTIN, Pick(seedream, "16:9")) == Choice("seedream-3", None, 3)
    assert with_picture(BUILTIN, Pick(gpt_low, "16:9")) == Choice("gpt-image-1-low", "16:9", 2)
    assert with_picture(BUILTIN, Pick(yandex, None)) == NoReferences(
        yandex, BUILTIN.taking_references()
    )


def test_public_url_defaults_to_the_webhooks_origin() -> None:
    assert make().public_base_url is None and not make().references_on
    hooked = make(webhook_url="https://bot.example.com:8443/telegram/webhook")
    assert hooked.public_base_url == "https://bot.example.com:8443"
    own = make(webhook_url="https://bot.example.com/hook", public_url="https://cdn.example.com/")
    assert own.public_base_url == "https://cdn.example.com"
    assert make(public_url="").public_base_url is None
    assert make().reference_ttl == 900


def test_public_url_is_an_absolute_http_url() -> None:
    for bad in ("bot.example.com", "ftp://bot.example.com", "https://x.example/?a=1"):
        with pytest.raises(ValidationError) as exc:
            make(public_url=bad)
        assert describe_error(exc.value).startswith("Invalid setting PUBLIC_URL")


def test_a_public_url_in_long_polling_starts_the_http_server() -> None:
    assert make().http_port is None
    assert make(health_port=9000).http_port == 9000
    assert make(public_url="https://bot.example.com").http_port == 8080
    assert make(public_url="https://bot.example.com", health_port=9000).http_port == 9000
    assert make(webhook_url="https://bot.example.com/hook", webhook_port=8443).http_port == 8443


def task_of(model: str, ar: str | None = None) -> Task:
    return Task(
        id=1, source_key=None, user_id=1, chat_id=1, message_id=1, thread_id=None,
        status_message_id=None, prompt="p", model=model, state=TaskState.DELIVERED,
        upstream_id=None, result_url=None, failure=None, charged=True, quota_day="d",
        attempts=0, polls=0, created_at=0.0, updated_at=0.0, next_at=0.0, deadline=0.0,
        ready_at=None, finished_at=None, ar=ar,
    )  # fmt: skip


def test_a_picture_prompt_with_a_model_that_takes_none_is_refused_before_its_ratio() -> None:
    choose = picture_chooser(BUILTIN, "yandex-art", in_group=False, ar="16:9")
    refused = choose(NOTHING_CHOSEN)
    assert isinstance(refused, NoReferences) and refused.model.id == "yandex-art"
    own = Remembered("gpt-image-1-high", None, None)
    assert choose(own) == Choice("gpt-image-1-high", "16:9", 5)
    bad = picture_chooser(BUILTIN, "yandex-art", in_group=False, model="seedream-3", ar="21:9")
    assert isinstance(bad(NOTHING_CHOSEN), RatioRefused)


def test_an_edit_keeps_the_pictures_model_else_the_persons_else_the_first() -> None:
    def choice(task: Task, remembered: Remembered = NOTHING_CHOSEN, **kw: Any) -> object:
        return edit_chooser(BUILTIN, "yandex-art", task, in_group=False, **kw)(remembered)

    assert choice(task_of("gpt-image-1-high", "4:3")) == Choice("gpt-image-1-high", "4:3", 5)
    assert choice(task_of("yandex-art")) == Choice("gpt-image-1-low", None, 2)
    mine = Remembered("seedream-3", "16:9", None)
    assert choice(task_of("yandex-art"), mine) == Choice("seedream-3", None, 3)
    # A model gone from the catalogue: the same fallbacks.
    assert choice(task_of("retired-model")) == Choice("gpt-image-1-low", None, 2)
    assert choice(task_of("yandex-art"), model="seedream-3") == Choice("seedream-3", None, 3)
    assert isinstance(choice(task_of("yandex-art"), model="nope"), UnknownModel)
    assert isinstance(choice(task_of("yandex-art"), model="flux-dev"), NoReferences)
    assert choice(task_of("gpt-image-1-low"), ar="9:16") == Choice("gpt-image-1-low", "9:16", 2)
    assert isinstance(choice(task_of("gpt-image-1-low"), ar="21:9"), RatioRefused)
