"""The "uploading photo" hint is kept up while a picture is made, without flooding Telegram."""

from __future__ import annotations

from pathlib import Path

from aiogram import Bot
from aiogram.methods import SendChatAction

from bot.delivery.chat_action import WorkingSign
from storage import Created, NewTask, Task, TaskStore
from storage.sqlite import SqliteDatabase
from tests.routing.recording import RecordingSession


async def _setup(
    tmp_path: Path, refresh: float
) -> tuple[WorkingSign, RecordingSession, list[Task], SqliteDatabase]:
    db = SqliteDatabase(tmp_path / "db.sqlite3")
    await db.connect()
    tasks = TaskStore.over(db)
    created = []
    for chat in (1, 2):
        out = await tasks.intake.create(
            NewTask(None, chat, chat, 1, None, "p", "yandex-art", "2026-01-01", 0.0, 100.0),
            limit=None,
        )
        assert isinstance(out, Created)
        created.append(out.task)
    session = RecordingSession()
    bot = Bot("42:TEST_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", session=session)
    return WorkingSign(bot=bot, refresh=refresh), session, created, db


async def test_chat_action_is_refreshed_at_most_once_per_window(tmp_path: Path) -> None:
    working, session, (first, second), db = await _setup(tmp_path, refresh=3600)
    for _ in range(5):
        await working.show(first)
    await working.show(second)
    actions = session.of(SendChatAction)
    assert [(a.chat_id, a.action) for a in actions] == [(1, "upload_photo"), (2, "upload_photo")]
    await db.close()


async def test_chat_action_repeats_after_the_window(tmp_path: Path) -> None:
    working, session, (first, _), db = await _setup(tmp_path, refresh=0)
    for _ in range(3):
        await working.show(first)
    assert len(session.of(SendChatAction)) == 3
    await db.close()
