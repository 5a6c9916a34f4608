"""Where the bot's answers to a task go: a reply to the prompt's message."""

from __future__ import annotations

from aiogram.types import ReplyParameters

from storage import Task


def reply_to(task: Task) -> ReplyParameters | None:
    """Answer the prompt's message; it may be deleted by then, so send anyway."""
    if task.message_id is None:
        return None
    return ReplyParameters(message_id=task.message_id, allow_sending_without_reply=True)
