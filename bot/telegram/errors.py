"""What a Telegram error means for the work that met it."""

from __future__ import annotations

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError


def chat_gone(exc: TelegramAPIError) -> bool:
    """The user blocked the bot, left, or the chat no longer exists: nobody to deliver to."""
    if isinstance(exc, TelegramForbiddenError):
        return True
    text = str(exc).lower()
    return isinstance(exc, TelegramBadRequest) and (
        "chat not found" in text or "user is deactivated" in text or "peer_id_invalid" in text
    )
