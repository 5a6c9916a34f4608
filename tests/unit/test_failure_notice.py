"""The failure notice when Telegram will not edit the status message (issue 9)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import EditMessageText, SendMessage, TelegramMethod

from bot.delivery.ending import Ending
from bot.delivery.progress import ProgressEdits
from bot.delivery.superseded import Superseded
from bot.drawing.failures import Failure
from bot.language import texts
from bot.language.catalogues import Translator, build_i18n
from bot.ops.metrics import Metrics
from bot.telegram.outbox import Outbox
from bot.telegram.sender import Sender
from storage import TaskStore
from storage.sqlite import SqliteDatabase
from storage.task import TaskState
from tests.i18n import EN
from tests.routing.recording import RecordingSession
from tests.unit.test_picks import task


class EditRefused(RecordingSession):
    def __init__(self, description: str) -> None:
        super().__init__()
        self.description = description

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        if isinstance(method, EditMessageText):
            self.requests.append(method)
            raise TelegramBadRequest(method=method, message=self.description)
        return await super().make_request(bot, method, timeout)


@pytest.mark.parametrize(
    ("description", "new_messages"),
    [
        # The status already says it (an earlier try got through): nothing more to say.
        (
            "Bad Request: message is not modified: specified new message content and reply "
            "markup are exactly the same as a current content and reply markup of the message",
            0,
        ),
        # The status is gone: a new message says it instead.
        ("Bad Request: message to edit not found", 1),
    ],
)
async def test_the_notice_is_said_once(description: str, new_messages: int) -> None:
    session = EditRefused(description)
    sender = Sender(Bot("42:TEST_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", session=session))
    metrics = Metrics()
    translator = Translator(build_i18n())
    superseded = Superseded()
    ending = Ending(
        tasks=TaskStore.over(SqliteDatabase(":memory:")).steps,
        sender=sender,
        replies=Outbox(sender, metrics=metrics),
        translator=translator,
        superseded=superseded,
        progress=ProgressEdits(sender=sender, translator=translator, superseded=superseded),
        metrics=metrics,
    )
    failed = replace(task("yandex-art", None), state=TaskState.FAILED, status_message_id=9)
    await ending.notify(failed, Failure.TIMEOUT)
    assert len(session.of(EditMessageText)) == 1
    assert session.texts() == [texts.failure(EN, Failure.TIMEOUT)] * new_messages
    assert all(isinstance(r, EditMessageText | SendMessage) for r in session.requests)
    await sender.close()
