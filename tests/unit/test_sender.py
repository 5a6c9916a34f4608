"""The one outbound Sender: priorities, stale drops, 429s, what it paces and what it does not."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramMigrateToChat, TelegramRetryAfter
from aiogram.methods import (
    DeleteMessage,
    EditMessageText,
    SendChatAction,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import BufferedInputFile, ReplyParameters

from bot.telegram.sender import Dropped, Limits, Priority, Sender
from tests.routing.recording import RecordingSession


class FloodingSession(RecordingSession):
    """Answers 429 to the first `floods` counted calls."""

    def __init__(self, floods: int, retry_after: int = 1) -> None:
        super().__init__()
        self.floods = floods
        self.retry_after = retry_after

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        if self.floods and isinstance(method, SendMessage):
            self.floods -= 1
            self.requests.append(method)
            raise TelegramRetryAfter(
                method=method, message="Too Many Requests", retry_after=self.retry_after
            )
        return await super().make_request(bot, method, timeout)


def make(
    limits: Limits | None = None, session: RecordingSession | None = None
) -> tuple[Sender, RecordingSession]:
    session = session or RecordingSession()
    return Sender(
        Bot("42:TEST_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", session=session), limits=limits
    ), session


def text(chat: int, body: str) -> SendMessage:
    return SendMessage(chat_id=chat, text=body)


def photo(chat: int) -> SendPhoto:
    return SendPhoto(chat_id=chat, photo=BufferedInputFile(b"x", "p.jpg"))


async def test_photos_go_before_answers_before_status_when_slots_are_short() -> None:
    # One global slot every 50 ms: everything queued at once competes for the next slots.
    sender, session = make(Limits(per_second=20, burst=1))
    jobs = [
        asyncio.create_task(sender(text(100 + n, f"status {n}"), priority=Priority.STATUS))
        for n in range(4)
    ]
    await asyncio.sleep(0)
    jobs.append(asyncio.create_task(sender(text(200, "answer"), priority=Priority.ANSWER)))
    jobs.append(asyncio.create_task(sender(photo(300), priority=Priority.PHOTO)))
    await asyncio.gather(*jobs)
    order = [getattr(r, "text", None) or "photo" for r in session.requests]
    # The first slot went before the others had queued; after it, the photo, then the answer.
    assert order[1:3] == ["photo", "answer"]
    assert sorted(order[3:]) == [f"status {n}" for n in range(4) if f"status {n}" != order[0]]
    await sender.close()


async def test_stale_send_is_dropped_not_sent_late() -> None:
    sender, session = make()
    with pytest.raises(Dropped):
        await sender(text(1, "drawing…"), priority=Priority.STATUS, stale=lambda: True)
    assert session.requests == []
    assert sender.dropped == 1
    await sender.close()


async def test_send_that_goes_stale_while_queued_is_dropped() -> None:
    sender, session = make(Limits(per_second=10, burst=1))
    done = False
    first = asyncio.create_task(sender(text(1, "first")))
    waiting = asyncio.create_task(
        sender(text(2, "drawing…"), priority=Priority.STATUS, stale=lambda: done)
    )
    await asyncio.sleep(0.01)
    done = True  # the photo got there first
    await first
    with pytest.raises(Dropped):
        await waiting
    assert [r.text for r in session.requests] == ["first"]
    await sender.close()


async def test_429_is_honoured_and_counted() -> None:
    sender, session = make(session=FloodingSession(floods=1, retry_after=1))
    result = await sender(text(1, "hello"))
    assert result.text == "hello"
    assert sender.flood_waits == 1
    assert len(session.of(SendMessage)) == 2
    assert sender._pace(1).paused_until > 0  # that chat was held back for retry_after
    await sender.close()


async def test_429_past_the_limit_is_raised() -> None:
    sender, _ = make(session=FloodingSession(floods=10, retry_after=0))
    sender._max_flood_waits = 2
    with pytest.raises(TelegramRetryAfter):
        await sender(text(1, "hello"))
    assert sender.flood_waits == 3
    await sender.close()


async def test_chat_actions_and_deletions_are_not_paced() -> None:
    # A global budget of one message a minute would hold any counted send.
    sender, session = make(Limits(per_second=1 / 60, burst=1))
    await sender(text(1, "takes the only slot"))
    await asyncio.wait_for(sender(SendChatAction(chat_id=1, action="upload_photo")), 1)
    await asyncio.wait_for(sender(DeleteMessage(chat_id=1, message_id=5)), 1)
    assert len(session.requests) == 3
    await sender.close()


class UpgradedSession(RecordingSession):
    """Chat `old` became a supergroup: everything written to it answers 400 with its new id."""

    def __init__(self, old: int, new: int) -> None:
        super().__init__()
        self.old, self.new = old, new

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        if getattr(method, "chat_id", None) == self.old:
            self.requests.append(method)
            raise TelegramMigrateToChat(
                method=method,
                message="Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self.new,
            )
        return await super().make_request(bot, method, timeout)


async def test_an_upgraded_group_gets_its_message_in_the_supergroup_without_the_reply() -> None:
    session = UpgradedSession(-40, -10040)
    moves: list[tuple[int, int]] = []

    async def moved(old: int, new: int) -> None:
        moves.append((old, new))

    sender = Sender(
        Bot("42:TEST_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", session=session), on_migrate=moved
    )
    reply = ReplyParameters(message_id=7, allow_sending_without_reply=True)
    sent = await sender(
        SendPhoto(chat_id=-40, photo=BufferedInputFile(b"x", "p.jpg"), reply_parameters=reply)
    )
    assert sent.chat.id == -10040
    first, again = session.of(SendPhoto)
    assert (first.chat_id, again.chat_id) == (-40, -10040)
    assert again.reply_parameters is None  # message 7 of the new chat is another message
    assert moves == [(-40, -10040)]
    assert sender.moved_to(-40) == -10040

    # Later messages for the old id go straight to the new one; edits cannot follow.
    await sender(text(-40, "later"))
    assert session.of(SendMessage)[-1].chat_id == -10040
    with pytest.raises(TelegramMigrateToChat):
        await sender(EditMessageText(chat_id=-40, message_id=7, text="done"))
    assert [r.chat_id for r in session.of(EditMessageText)] == [-40]
    assert len(moves) == 2  # reported again: recording it twice is the storage's business
    await sender.close()


class RefusingSession(RecordingSession):
    """Answers 400 with `description` to every call of one kind."""

    def __init__(self, kind: type[TelegramMethod[Any]], description: str) -> None:
        super().__init__()
        self.kind, self.description = kind, description

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        if isinstance(method, self.kind) and getattr(method, "parse_mode", None) is not None:
            self.requests.append(method)
            raise TelegramBadRequest(method=method, message=self.description)
        return await super().make_request(bot, method, timeout)


async def test_markup_telegram_cannot_parse_is_sent_once_more_as_plain_text() -> None:
    session = RefusingSession(
        SendMessage, 'Bad Request: can\'t parse entities: Unsupported start tag "x"'
    )
    sender, _ = make(session=session)
    await sender(SendMessage(chat_id=1, text="<b>fish &amp; chips</b>", parse_mode="HTML"))
    refused, plain = session.of(SendMessage)
    assert (plain.text, plain.parse_mode) == ("fish & chips", None)
    assert refused.parse_mode == "HTML"
    await sender.close()


async def test_other_refusals_are_not_sent_again() -> None:
    session = RefusingSession(EditMessageText, "Bad Request: message to edit not found")
    sender, _ = make(session=session)
    with pytest.raises(TelegramBadRequest):
        await sender(EditMessageText(chat_id=1, message_id=5, text="x", parse_mode="HTML"))
    assert len(session.of(EditMessageText)) == 1
    await sender.close()
