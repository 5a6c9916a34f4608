"""Every prompt form, in private chats and groups, fed through aiogram's own dispatcher."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import SendChatAction, SendMessage
from aiogram.types import Update

from bot.app import Parts, build_dispatcher, build_parts
from bot.gptunnel import GPTunnelClient
from bot.language import picture_texts, texts
from bot.ops.metrics import Metrics
from bot.settings import Settings
from storage.sqlite import SqliteDatabase
from tests.i18n import EN, RU
from tests.routing.recording import RecordingSession

USER = {"id": 111, "is_bot": False, "first_name": "Ann", "language_code": "en"}
GROUP = {"id": -100500, "type": "supergroup", "title": "Artists"}


@dataclass
class Harness:
    dp: Dispatcher
    bot: Bot
    session: RecordingSession
    db: SqliteDatabase
    parts: Parts
    creates: list[dict[str, Any]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    async def feed(self, message: dict[str, Any]) -> None:
        await self.dp.feed_update(self.bot, Update(update_id=next(self._ids), message=message))
        # The handler returns once the task is written; what it started runs on its own.
        await self.parts.poller.settle()
        await self.parts.status.settle()
        await self.parts.local_replies.settle()  # replies are queued, not awaited by the handler
        await self.parts.originals.settle()

    async def task_rows(self) -> list[Any]:
        return await self.db.fetchall("SELECT * FROM tasks ORDER BY id")

    def replies(self) -> list[str]:
        return self.session.texts()


_message_ids = itertools.count(1)


def message(
    text: str | None = None,
    *,
    chat: dict[str, Any] | None = None,
    user: dict[str, Any] | None = USER,
    **extra: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(datetime.now(UTC).timestamp()),
        "chat": chat or {"id": USER["id"], "type": "private", "first_name": "Ann"},
        **extra,
    }
    if user is not None:
        data["from"] = user
    if text is not None:
        data["text"] = text
        if text.startswith("/"):
            data["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
    return data


def settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": "42:TEST_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "gptunnel_api_key": "test-key",
        "database_url": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        "daily_limit": 5,
        "poll_interval": 1.0,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def harness(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    overrides = getattr(request, "param", {})
    cfg = settings(tmp_path, **overrides)
    creates: list[dict[str, Any]] = []

    def gptunnel(req: httpx.Request) -> httpx.Response:
        body = json.loads(req.content)
        creates.append(body)
        task_id = f"{len(creates):024x}"
        return httpx.Response(200, json={"code": 0, "id": task_id, "status": "idle", "url": None})

    db = SqliteDatabase(cfg.database_path)
    await db.connect()
    session = RecordingSession()
    bot = Bot("42:TEST_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", session=session)
    client = GPTunnelClient(
        "http://gptunnel.test", "test-key", transport=httpx.MockTransport(gptunnel)
    )
    parts = build_parts(cfg, db=db, bot=bot, gptunnel=client, metrics=Metrics())
    dp = build_dispatcher(parts)
    yield Harness(dp=dp, bot=bot, session=session, db=db, parts=parts, creates=creates)
    await client.aclose()
    await db.close()


# --- private chats -------------------------------------------------------------------------


async def test_private_text_is_a_prompt(harness: Harness) -> None:
    await harness.feed(message("a red fox in the snow"))
    assert [c["prompt"] for c in harness.creates] == ["a red fox in the snow"]
    assert harness.creates[0]["model"] == "yandex-art"
    rows = await harness.task_rows()
    assert rows[0]["state"] == "submitted" and rows[0]["status_message_id"] is not None
    assert harness.replies() == [texts.working(EN)]
    actions = harness.session.of(SendChatAction)
    assert actions and actions[0].action == "upload_photo"


@pytest.mark.parametrize("command", ["/draw", "/imagine", "/art", "/draw@draw_test_bot"])
async def test_private_draw_commands(harness: Harness, command: str) -> None:
    await harness.feed(message(f"{command}   a lighthouse at dawn "))
    assert [c["prompt"] for c in harness.creates] == ["a lighthouse at dawn"]


async def test_private_photo_caption_without_public_url_says_pictures_are_off(
    harness: Harness,
) -> None:
    # A photo's caption is a prompt to draw from the photo; without PUBLIC_URL GPTunnel could
    # not fetch it, and the photo is never silently dropped: the bot says so, and draws nothing.
    photo = [{"file_id": "p", "file_unique_id": "pu", "width": 10, "height": 10}]
    await harness.feed(message(None, photo=photo, caption="same scene at night"))
    assert harness.creates == []
    assert harness.replies() == [picture_texts.references_off(EN)]


@pytest.mark.parametrize(
    "extra",
    [
        {
            "sticker": {
                "file_id": "s",
                "file_unique_id": "su",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        },
        {"photo": [{"file_id": "p", "file_unique_id": "pu", "width": 10, "height": 10}]},
        {"voice": {"file_id": "v", "file_unique_id": "vu", "duration": 3}},
    ],
    ids=["sticker", "photo-without-caption", "voice"],
)
async def test_private_message_without_text_is_refused(
    harness: Harness, extra: dict[str, Any]
) -> None:
    await harness.feed(message(None, **extra))
    assert harness.replies() == [texts.no_text(EN)]
    assert harness.creates == [] and await harness.task_rows() == []


async def test_bare_draw_asks_for_a_prompt(harness: Harness) -> None:
    await harness.feed(message("/draw"))
    assert harness.replies() == [texts.empty_prompt(EN, private=True)]
    assert await harness.task_rows() == []


async def test_too_long_prompt_is_refused(harness: Harness) -> None:
    await harness.feed(message("x" * 501))
    assert harness.replies() == [texts.too_long(EN, 501, 500)]
    assert harness.creates == [] and await harness.task_rows() == []


async def test_prompt_at_the_limit_is_accepted(harness: Harness) -> None:
    await harness.feed(message("y" * 500))
    assert len(harness.creates) == 1


async def test_unknown_command_gets_a_hint(harness: Harness) -> None:
    await harness.feed(message("/frobnicate now"))
    assert harness.replies() == [texts.unknown_command(EN)]
    assert harness.creates == []


async def test_markup_passes_upstream_unchanged(harness: Harness) -> None:
    prompt = '<b>bold</b> & <a href="x">link</a> *md* _it_'
    await harness.feed(message(prompt))
    assert harness.creates[0]["prompt"] == prompt


@pytest.mark.parametrize("harness", [{"daily_limit": 1}], indirect=True)
async def test_over_quota_is_refused_with_reset_time(harness: Harness) -> None:
    await harness.feed(message("first"))
    await harness.feed(message("second"))
    assert len(harness.creates) == 1
    refusal = harness.replies()[-1]
    assert "needs: 1; left today: 0 of 1" in refusal and "renew at 00:00 UTC" in refusal


@pytest.mark.parametrize("harness", [{"daily_limit": 1, "admin_ids": "111"}], indirect=True)
async def test_admins_have_no_limit(harness: Harness) -> None:
    for n in range(3):
        await harness.feed(message(f"picture {n}"))
    assert len(harness.creates) == 3


async def test_same_update_twice_starts_one_task(harness: Harness) -> None:
    msg = message("only once")
    await harness.feed(msg)
    await harness.feed(msg)  # Telegram hands an unconfirmed update over again after a restart
    assert len(harness.creates) == 1
    assert len(await harness.task_rows()) == 1


async def test_quota_and_help_commands(harness: Harness) -> None:
    await harness.feed(message("a cat"))
    await harness.feed(message("/quota"))
    await harness.feed(message("/help"))
    await harness.feed(message("/start"))
    quota_text, help_text, start_text = harness.replies()[1:]
    assert "1 of 5 used, 4 left" in quota_text and "renew at 00:00 UTC" in quota_text
    assert "Purchased credits: 0" in quota_text and "• FLUX.1 [dev]: 2" in quota_text
    assert "@draw_test_bot" in help_text and "privacy mode" in help_text
    assert "1 of 5" in help_text
    assert start_text == help_text
    assert len(harness.creates) == 1  # none of the commands is a prompt


# --- groups -------------------------------------------------------------------------------


def group_message(text: str | None, **extra: Any) -> dict[str, Any]:
    return message(text, chat=GROUP, **extra)


@pytest.mark.parametrize(
    "text",
    ["/draw a castle", "/draw@draw_test_bot a castle", "/art a castle", "/DRAW a castle"],
)
async def test_group_draw_command(harness: Harness, text: str) -> None:
    await harness.feed(group_message(text))
    if text.startswith("/DRAW"):
        assert harness.creates == []  # commands are case-sensitive in Telegram clients
        return
    assert [c["prompt"] for c in harness.creates] == ["a castle"]
    row = (await harness.task_rows())[0]
    assert row["chat_id"] == GROUP["id"] and row["user_id"] == USER["id"]


async def test_group_draw_as_reply_draws_the_replied_text(harness: Harness) -> None:
    original = group_message(
        "a whale in the clouds", user={"id": 7, "is_bot": False, "first_name": "B"}
    )
    await harness.feed(group_message("/draw", reply_to_message=original))
    assert [c["prompt"] for c in harness.creates] == ["a whale in the clouds"]


async def test_group_draw_reply_to_caption(harness: Harness) -> None:
    photo = [{"file_id": "p", "file_unique_id": "pu", "width": 10, "height": 10}]
    original = group_message(None, photo=photo, caption="caption prompt")
    await harness.feed(group_message("/draw", reply_to_message=original))
    assert [c["prompt"] for c in harness.creates] == ["caption prompt"]


async def test_group_draw_reply_with_own_args_uses_args(harness: Harness) -> None:
    original = group_message("something else")
    await harness.feed(group_message("/draw my own words", reply_to_message=original))
    assert [c["prompt"] for c in harness.creates] == ["my own words"]


async def test_group_draw_reply_to_sticker_explains(harness: Harness) -> None:
    sticker = {
        "file_id": "s",
        "file_unique_id": "su",
        "type": "regular",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
    }
    await harness.feed(
        group_message("/draw", reply_to_message=group_message(None, sticker=sticker))
    )
    assert harness.replies() == [texts.reply_has_no_text(EN)]
    assert harness.creates == []


async def test_group_bare_draw_asks_for_a_prompt(harness: Harness) -> None:
    await harness.feed(group_message("/draw"))
    assert harness.replies() == [texts.empty_prompt(EN, private=False)]
    assert harness.creates == []


@pytest.mark.parametrize(
    ("text", "prompt"),
    [
        ("@draw_test_bot a paper boat", "a paper boat"),
        ("@Draw_Test_Bot, a paper boat", "a paper boat"),
        ("  @draw_test_bot: a paper boat", "a paper boat"),
    ],
)
async def test_group_mention_prompt(harness: Harness, text: str, prompt: str) -> None:
    await harness.feed(group_message(text))
    assert [c["prompt"] for c in harness.creates] == [prompt]


@pytest.mark.parametrize(
    "text",
    [
        "hello everyone",
        "let's draw something later",
        "/draw@otherbot a castle",
        "/start@otherbot",
        "@draw_test_bot_fan hi there",
        "thanks @draw_test_bot",
    ],
)
async def test_group_chatter_is_ignored(harness: Harness, text: str) -> None:
    await harness.feed(group_message(text))
    assert harness.creates == []
    assert harness.session.of(SendMessage) == []
    assert await harness.task_rows() == []


async def test_group_sticker_is_ignored(harness: Harness) -> None:
    voice = {"file_id": "v", "file_unique_id": "vu", "duration": 3}
    await harness.feed(group_message(None, voice=voice))
    assert harness.session.of(SendMessage) == []


async def test_anonymous_admin_is_charged_to_the_chat(harness: Harness) -> None:
    anonymous = {
        "id": 1087968824,
        "is_bot": True,
        "first_name": "Group",
        "username": "GroupAnonymousBot",
    }
    await harness.feed(group_message("/draw a flag", user=anonymous, sender_chat=GROUP))
    row = (await harness.task_rows())[0]
    assert row["user_id"] == GROUP["id"]


# --- languages -----------------------------------------------------------------------------


@pytest.mark.parametrize("language_code", ["ru", "be"])
async def test_russian_readers_are_answered_in_russian(
    harness: Harness, language_code: str
) -> None:
    ru_user = {**USER, "language_code": language_code}
    await harness.feed(message("", user=ru_user))
    await harness.feed(message("/nonsense", user=ru_user))
    await harness.feed(message("/lang en", user=ru_user))
    await harness.feed(message("/nonsense", user=ru_user))
    assert harness.replies() == [
        texts.no_text(RU),
        texts.unknown_command(RU),
        texts.lang_set(EN),
        texts.unknown_command(EN),
    ]
