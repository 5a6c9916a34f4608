"""aiogram's aiohttp session, keeping the reply models it builds alive."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot


class TelegramSession(AiohttpSession):
    """aiogram reads every reply with `Response[<what the method returns>]`. pydantic caches such
    parametrized models only weakly, and they sit in reference cycles, so each garbage collection
    under load threw them away and the next reply rebuilt the model, schema and all (~10 % of the
    bot's CPU at a high prompt rate). Holding one of each here keeps pydantic's cache warm."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._reply_models: dict[Any, type[Response[Any]]] = {}

    def check_response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        status_code: int,
        content: str,
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._reply_models:
            self._reply_models[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)
