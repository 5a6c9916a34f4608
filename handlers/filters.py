"""Small async filters for the checks every update goes through.

aiogram runs a plain (sync) callable, magic filters such as `F.chat.type == ...` included, in a
worker thread (`asyncio.to_thread`). For a one-line attribute test that hop costs far more than
the test: four of them per prompt took a thread round trip each, and under a crowd they held
every prompt back behind the GIL. A `BaseFilter` with an async `__call__` runs in place.
"""

from __future__ import annotations

from aiogram.filters import BaseFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message


class ChatTypeIs(BaseFilter):
    """The message was written in a chat of one of these types."""

    def __init__(self, *chat_types: str) -> None:
        self.chat_types = frozenset(chat_types)

    async def __call__(self, message: Message) -> bool:
        return message.chat.type in self.chat_types


class GroupUpgraded(BaseFilter):
    """A service message: a basic group became a supergroup (sent in both chats)."""

    async def __call__(self, message: Message) -> bool:
        return message.migrate_to_chat_id is not None or message.migrate_from_chat_id is not None


class HasText(BaseFilter):
    """The message carries text, or a caption under a photo or file."""

    async def __call__(self, message: Message) -> bool:
        return bool(message.text or message.caption)


class TextStartsWith(BaseFilter):
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    async def __call__(self, message: Message) -> bool:
        return message.text is not None and message.text.startswith(self.prefix)


def data_prefix(kind: type[CallbackData]) -> str:
    """What every packed button of a kind starts with (`redraw:`), parsable or not."""
    return kind.__prefix__ + kind.__separator__


class DataStartsWith(BaseFilter):
    """A button press whose data starts with `prefix`."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    async def __call__(self, query: CallbackQuery) -> bool:
        return query.data is not None and query.data.startswith(self.prefix)


class PressedIn(BaseFilter):
    """A button under a message in a chat of one of these types."""

    def __init__(self, *chat_types: str) -> None:
        self.chat_types = frozenset(chat_types)

    async def __call__(self, query: CallbackQuery) -> bool:
        return query.message is not None and query.message.chat.type in self.chat_types
